/** An S3 object a notification names. */
export interface CreatedObject {
  readonly bucket: string;
  /** The key as stored (not encoded). */
  readonly key: string;
  readonly size: number;
}

/**
 * Encodes a key as S3 writes it into event notifications: URL-encoded, `/` kept, a space as `+`.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/**
 * The JSON body S3 sends to a queue when an object is created (one `ObjectCreated:Put` record),
 * for the deployed function or the local pipeline to read exactly as it reads S3's own.
 */
export function s3EventNotificationBody(object: CreatedObject, eventTime = new Date()): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: eventTime.toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: object.bucket, arn: `arn:aws:s3:::${object.bucket}` },
          object: { key: encodeS3EventKey(object.key), size: object.size },
        },
      },
    ],
  });
}
