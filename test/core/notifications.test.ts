import { describe, expect, it } from 'vitest';
import {
  NotificationFormatError,
  objectsOfMessageBody,
  objectsOfNotification,
} from '../../lambda/core/notifications';
import { s3EventBridgeEvent } from '../support/factories';

function s3Event(key: string, eventName = 'ObjectCreated:Put', size = 1234) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2024-06-02T20:20:00.000Z',
        eventName,
        s3: { bucket: { name: 'trail-bucket' }, object: { key, size } },
      },
    ],
  };
}

function eventBridgeEvent(key: string, detailType = 'Object Created', size: number | null = 1234) {
  return s3EventBridgeEvent({ bucket: 'trail-bucket', key, detailType, size });
}

describe('objectsOfNotification', () => {
  it('reads bucket, decoded key and size from an S3 event notification', () => {
    expect(objectsOfMessageBody(JSON.stringify(s3Event('audit+logs/AWSLogs/a%3Db.json.gz')))).toEqual([
      { bucket: 'trail-bucket', key: 'audit logs/AWSLogs/a=b.json.gz', size: 1234 },
    ]);
  });

  it('ignores the s3:TestEvent S3 sends when a notification is configured', () => {
    const testEvent = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-06-02T20:20:00Z',
      Bucket: 'b',
    };

    expect(objectsOfMessageBody(JSON.stringify(testEvent))).toEqual([]);
  });

  it('ignores events other than object creation', () => {
    expect(objectsOfNotification(s3Event('AWSLogs/x.json.gz', 'ObjectRemoved:Delete'))).toEqual([]);
  });

  it("reads CloudTrail's own notice, keys as they are", () => {
    const notice = { s3Bucket: 'trail-bucket', s3ObjectKey: ['AWSLogs/a+b.json.gz', 'AWSLogs/c.json.gz'] };

    expect(objectsOfNotification(notice)).toEqual([
      { bucket: 'trail-bucket', key: 'AWSLogs/a+b.json.gz' },
      { bucket: 'trail-bucket', key: 'AWSLogs/c.json.gz' },
    ]);
  });

  it('reads a notice wrapped in an SNS envelope, as SNS delivers it to SQS', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'm-1',
      Message: JSON.stringify({ s3Bucket: 'trail-bucket', s3ObjectKey: ['AWSLogs/c.json.gz'] }),
    };

    expect(objectsOfMessageBody(JSON.stringify(envelope))).toEqual([
      { bucket: 'trail-bucket', key: 'AWSLogs/c.json.gz' },
    ]);
  });

  it('reads the notice from an SNS event, as SNS invokes a function', () => {
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: { Message: JSON.stringify({ s3Bucket: 'trail-bucket', s3ObjectKey: ['AWSLogs/d.json.gz'] }) },
        },
      ],
    };

    expect(objectsOfNotification(event)).toEqual([{ bucket: 'trail-bucket', key: 'AWSLogs/d.json.gz' }]);
  });

  it.each([
    ['spaces', 'audit logs/AWSLogs/a.json.gz'],
    ['a plus sign', 'audit+logs/AWSLogs/a.json.gz'],
    ['unicode', 'prüfung/日志/AWSLogs/a.json.gz'],
    ['percent-escapes', 'audit%20logs/AWSLogs/a%3Db.json.gz'],
    ['a lone percent sign', 'audit/100%/AWSLogs/a.json.gz'],
  ])('reads the key of an EventBridge "Object Created" event as it is, with %s', (_name, key) => {
    expect(objectsOfNotification(eventBridgeEvent(key))).toEqual([
      { bucket: 'trail-bucket', key, size: 1234 },
    ]);
  });

  it('reads an EventBridge event from an SQS body, as a rule targeting the queue sends it', () => {
    const body = JSON.stringify(eventBridgeEvent('AWSLogs/a b+c.json.gz'));

    expect(objectsOfMessageBody(body)).toEqual([
      { bucket: 'trail-bucket', key: 'AWSLogs/a b+c.json.gz', size: 1234 },
    ]);
  });

  it('reads an EventBridge event without a size', () => {
    expect(objectsOfNotification(eventBridgeEvent('AWSLogs/a.json.gz', 'Object Created', null))).toEqual([
      { bucket: 'trail-bucket', key: 'AWSLogs/a.json.gz' },
    ]);
  });

  it.each([
    'Object Deleted',
    'Object Restore Completed',
    'Object Tags Added',
    'Object Storage Class Changed',
  ])('ignores EventBridge "%s" events', (detailType) => {
    expect(objectsOfNotification(eventBridgeEvent('AWSLogs/a.json.gz', detailType))).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', 'not json', /message body is not JSON/],
    [
      'an unknown shape',
      '{"hello":"world"}',
      /not an S3 event notification, EventBridge S3 event or CloudTrail notice \(keys: hello\)/,
    ],
    [
      'an EventBridge "Object Created" event without a key',
      JSON.stringify({ ...eventBridgeEvent('x'), detail: { bucket: { name: 'b' }, object: {} } }),
      /EventBridge "Object Created" event has no detail.bucket.name or detail.object.key/,
    ],
    [
      'an S3 record without a key',
      JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' } } }] }),
      /no bucket name or object key/,
    ],
    ['a notice without keys', '{"s3Bucket":"b"}', /s3ObjectKey array/],
  ])('rejects %s', (_name, body, message) => {
    expect(() => objectsOfMessageBody(body)).toThrow(NotificationFormatError);
    expect(() => objectsOfMessageBody(body)).toThrow(message);
  });
});
