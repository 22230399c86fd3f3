import { asObject, asText, type JsonObject } from './json-fields';
import { decodeS3EventKey } from './log-object-selection';

/** An S3 object named by a notification; the key is decoded. */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
}

/** A notification body or event this function does not understand. */
export class NotificationFormatError extends Error {
  override name = 'NotificationFormatError';
}

function fromS3EventRecords(records: unknown[]): S3ObjectRef[] {
  const objects: S3ObjectRef[] = [];
  for (const record of records) {
    const object = asObject(record);
    const eventName = asText(object?.eventName) ?? '';
    if (!eventName.startsWith('ObjectCreated:')) continue;
    const s3 = asObject(object?.s3);
    const bucket = asText(asObject(s3?.bucket)?.name);
    const s3Object = asObject(s3?.object);
    const key = asText(s3Object?.key);
    if (!bucket || !key)
      throw new NotificationFormatError(`S3 event record has no bucket name or object key`);
    const size = s3Object?.size;
    objects.push({ bucket, key: decodeS3EventKey(key), ...(typeof size === 'number' ? { size } : {}) });
  }
  return objects;
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
function fromEventBridgeEvent(event: JsonObject): S3ObjectRef[] {
  // Object Deleted, Object Restore Completed, Object Tags Added...: no new file to ingest.
  if (event['detail-type'] !== 'Object Created') return [];
  const detail = asObject(event.detail);
  const bucket = asText(asObject(detail?.bucket)?.name);
  const object = asObject(detail?.object);
  const key = asText(object?.key);
  if (!bucket || !key) {
    throw new NotificationFormatError(
      'EventBridge "Object Created" event has no detail.bucket.name or detail.object.key',
    );
  }
  const size = object?.size;
  // Unlike S3 event notifications, EventBridge events carry the key as stored, not URL-encoded.
  return [{ bucket, key, ...(typeof size === 'number' ? { size } : {}) }];
}

function fromCloudTrailNotice(notice: JsonObject): S3ObjectRef[] {
  const bucket = asText(notice.s3Bucket);
  const keys = notice.s3ObjectKey;
  if (!bucket || !Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
    throw new NotificationFormatError('CloudTrail notice needs s3Bucket and an s3ObjectKey array of strings');
  }
  // CloudTrail's own notice carries keys as they are, not URL-encoded.
  return (keys as string[]).map((key) => ({ bucket, key }));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new NotificationFormatError(`${what} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The S3 objects named by one notification: an S3 event notification (as S3 sends it to SQS or
 * Lambda), an EventBridge event from `aws.s3` (as a rule sends it to SQS or Lambda), CloudTrail's
 * SNS notice (`{"s3Bucket": ..., "s3ObjectKey": [...]}`), or any of them inside an SNS envelope.
 * `s3:TestEvent` and non-create events name no object.
 */
export function objectsOfNotification(notification: unknown): S3ObjectRef[] {
  const object = asObject(notification);
  if (!object) throw new NotificationFormatError('notification is not a JSON object');
  if (object.Event === 's3:TestEvent') return [];
  if (Array.isArray(object.Records)) {
    const snsRecords = object.Records.filter((record) => asObject(record)?.EventSource === 'aws:sns');
    if (snsRecords.length > 0) {
      return snsRecords.flatMap((record) =>
        objectsOfNotification(
          parseJson(asText(asObject(asObject(record)?.Sns)?.Message) ?? '', 'SNS message'),
        ),
      );
    }
    return fromS3EventRecords(object.Records);
  }
  if (object.source === 'aws.s3' && typeof object['detail-type'] === 'string') {
    return fromEventBridgeEvent(object);
  }
  if ('s3Bucket' in object || 's3ObjectKey' in object) return fromCloudTrailNotice(object);
  if (object.Type === 'Notification' && typeof object.Message === 'string') {
    return objectsOfNotification(parseJson(object.Message, 'SNS message'));
  }
  throw new NotificationFormatError(
    `not an S3 event notification, EventBridge S3 event or CloudTrail notice (keys: ${Object.keys(object).slice(0, 8).join(', ')})`,
  );
}

/** The S3 objects named by an SQS message body. */
export function objectsOfMessageBody(body: string): S3ObjectRef[] {
  return objectsOfNotification(parseJson(body, 'message body'));
}
