import { describe, expect, it } from 'vitest';
import {
  collectResourceArns,
  findRecordDefect,
  parseEventTime,
  toMlEvent,
  toSortableTime,
} from '../../lambda/core/ml-event';
import { MAX_PAYLOAD_BYTES } from '../../lambda/core/storable-payload';
import { makeRecord, readSeedRecords } from '../support/factories';

const context = { logFile: 's3://trail-bucket/AWSLogs/x.json.gz', logAccountId: '999999999999' };

describe('toMlEvent', () => {
  const seeds = readSeedRecords();

  it('normalizes the Forecast seed example into the documented item', () => {
    const record = seeds['forecast-create-dataset'] as Record<string, unknown>;

    const item = toMlEvent(record, 'forecast', context);

    expect(item).toEqual({
      service: 'forecast',
      eventTimeId: '2018-11-21T23:53:06Z#EXAMPLE8-90ab-cdef-fedc-ba987EXAMPLE',
      serviceEventName: 'forecast:CreateDataset',
      eventSource: 'forecast.amazonaws.com',
      eventName: 'CreateDataset',
      eventTime: '2018-11-21T23:53:06Z',
      eventId: 'EXAMPLE8-90ab-cdef-fedc-ba987EXAMPLE',
      requestId: 'EXAMPLE8-90ab-cdef-fedc-ba987EXAMPLE',
      eventVersion: '1.05',
      eventType: 'AwsApiCall',
      awsRegion: 'us-west-2',
      accountId: '111111111111',
      principal: 'arn:aws:iam::acct-id:user/userxyz',
      principalType: 'IAMUser',
      principalArn: 'arn:aws:iam::acct-id:user/userxyz',
      principalAccountId: '111111111111',
      userName: 'userxyz',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      sourceIpAddress: '192.168.0.1',
      userAgent: 'Boto3/1.7.82 Python/3.6.5 Linux/4.14.72-68.55.amzn1.x86_64 Botocore/1.10.84',
      resources: ['arn:aws:forecast:us-west-2:acct-id:ds/forecast_test_script_ds'],
      requestParameters: record.requestParameters,
      responseElements: record.responseElements,
      logFile: 's3://trail-bucket/AWSLogs/x.json.gz',
    });
  });

  it.each([
    [
      'iotanalytics-create-channel',
      'iotanalytics',
      {
        serviceEventName: 'iotanalytics:CreateChannel',
        principal: 'arn:aws:iam::123456789012:role/AnalyticsRole',
        principalType: 'AssumedRole',
        sessionName: 'AnalyticsChannelTestFunction',
        mfaAuthenticated: false,
        resources: ['arn:aws:iotanalytics:us-east-1:123456789012:channel/channel_channeltest'],
      },
    ],
    [
      'iotanalytics-create-dataset',
      'iotanalytics',
      {
        serviceEventName: 'iotanalytics:CreateDataset',
        resources: ['arn:aws:iotanalytics:us-east-1:123456789012:dataset/dataset_datasettest'],
      },
    ],
    [
      'lookoutmetrics-describe-anomaly-detector',
      'lookoutmetrics',
      {
        eventTimeId: '2021-01-09T00:18:12Z#f2f879f8-xmpl-4475-9c0c-4291a389e14a',
        principal: 'arn:aws:iam::123456789012:user/fred',
        readOnly: true,
        managementEvent: true,
        eventCategory: 'Management',
        resources: ['arn:aws:lookoutmetrics:us-east-2:123456789012:AnomalyDetector:my-detector-5m'],
      },
    ],
    [
      'lookoutvision-create-dataset',
      'lookoutvision',
      {
        principal: 'arn:aws:iam::123456789012:role/Admin',
        sessionName: 'MyUser',
        readOnly: false,
        responseElements: { status: 'CREATE_IN_PROGRESS' },
      },
    ],
  ])('normalizes the %s seed example', (name, service, expected) => {
    const item = toMlEvent(seeds[name] as Record<string, unknown>, service, context);

    expect(item).toMatchObject({ service, ...expected });
  });

  it('leaves out null payloads and absent values instead of storing empty ones', () => {
    const record = makeRecord({
      requestParameters: null,
      responseElements: null,
      userAgent: '',
      errorCode: undefined,
    });

    const item = toMlEvent(record, 'sagemaker', context);

    expect(item).not.toHaveProperty('requestParameters');
    expect(item).not.toHaveProperty('responseElements');
    expect(item).not.toHaveProperty('userAgent');
    expect(item).not.toHaveProperty('errorCode');
    expect(Object.values(item)).not.toContain('');
    expect(Object.values(item)).not.toContain(undefined);
  });

  it('keeps the outcome of a failed call', () => {
    const record = makeRecord({ errorCode: 'AccessDenied', errorMessage: 'User is not authorized' });

    expect(toMlEvent(record, 'sagemaker', context)).toMatchObject({
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized',
    });
  });

  it('takes the account from recipientAccountId, else the caller, else the log file key', () => {
    const recipient = makeRecord({ recipientAccountId: '111111111111' });
    const caller = makeRecord({ recipientAccountId: undefined });
    const neither = makeRecord({
      recipientAccountId: undefined,
      userIdentity: { type: 'AWSService', invokedBy: 'x' },
    });

    expect(toMlEvent(recipient, 's', context).accountId).toBe('111111111111');
    expect(toMlEvent(caller, 's', context).accountId).toBe('123456789012');
    expect(toMlEvent(neither, 's', context).accountId).toBe('999999999999');
  });

  it('sets expiresAt to eventTime plus the retention, in epoch seconds', () => {
    const record = makeRecord({ eventTime: '2024-06-02T20:15:00Z' });

    const kept = toMlEvent(record, 'sagemaker', { ...context, retentionDays: 30 });
    const forever = toMlEvent(record, 'sagemaker', { ...context, retentionDays: 0 });

    expect(kept.expiresAt).toBe(Date.UTC(2024, 5, 2, 20, 15) / 1000 + 30 * 86_400);
    expect(forever).not.toHaveProperty('expiresAt');
  });

  it('cuts an oversized response to a flagged JSON string that fits the item limit', () => {
    const record = makeRecord({ responseElements: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) } });

    const item = toMlEvent(record, 'bedrock', context);

    expect(item.responseElementsTruncated).toBe(true);
    expect(typeof item.responseElements).toBe('string');
    expect(Buffer.byteLength(item.responseElements as string)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    expect(item).not.toHaveProperty('requestParametersTruncated');
  });

  it('stores what DynamoDB refuses as its JSON text, and names its path in changedPaths', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 40; level += 1) deep = { level: deep };
    const record = makeRecord({ requestParameters: { tags: { '': 'empty key', '(empty)': 'x' }, deep } });

    const item = toMlEvent(record, 'bedrock', context);

    const stored = item.requestParameters as Record<string, unknown>;
    expect(JSON.parse(stored.tags as string)).toEqual({ '': 'empty key', '(empty)': 'x' });
    let depth = 1;
    let node: unknown = stored.deep;
    while (typeof node === 'object' && node !== null) {
      node = (node as { level: unknown }).level;
      depth += 1;
    }
    expect(depth).toBeLessThanOrEqual(32);
    expect(typeof node).toBe('string');
    expect(item.changedPaths).toEqual([
      '/requestParameters/tags',
      `/requestParameters${'/deep'}${'/level'.repeat(28)}`,
    ]);
  });

  it('is deterministic: the same record gives the same item', () => {
    const record = makeRecord();

    expect(toMlEvent(record, 'sagemaker', context)).toEqual(
      toMlEvent(structuredClone(record), 'sagemaker', context),
    );
  });
});

describe('collectResourceArns', () => {
  it('reads ARN and ARNPrefix from resources[] and ARN fields of request and response', () => {
    const record = makeRecord({
      resources: [
        {
          ARN: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2',
          type: 'AWS::Bedrock::Model',
        },
        { ARNPrefix: 'arn:aws:s3:::bucket/prefix/', type: 'AWS::S3::Object' },
        { type: 'no arn' },
      ],
      requestParameters: {
        modelArns: ['arn:aws:bedrock:us-east-1::foundation-model/a'],
        name: 'arn:not-a-field',
      },
      responseElements: { nested: { jobArn: 'arn:aws:bedrock:us-east-1:123456789012:job/1' } },
    });

    expect(collectResourceArns(record)).toEqual([
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2',
      'arn:aws:s3:::bucket/prefix/',
      'arn:aws:bedrock:us-east-1::foundation-model/a',
      'arn:aws:bedrock:us-east-1:123456789012:job/1',
    ]);
  });
});

describe('findRecordDefect', () => {
  it.each([
    ['a string', 'text', 'record is string, not an object'],
    ['null', null, 'record is null, not an object'],
    ['an array', [], 'record is an array, not an object'],
    ['no eventSource', makeRecord({ eventSource: undefined }), 'record has no eventSource'],
    ['no eventTime', makeRecord({ eventTime: undefined }), 'record has no eventTime'],
    ['no eventID', makeRecord({ eventID: '' }), 'record has no eventID'],
    [
      'a placeholder eventTime',
      makeRecord({ eventTime: 'yyyy-mm-ddThh:mm:ssZ' }),
      'not a valid ISO 8601 timestamp',
    ],
    [
      'an Insights event',
      { eventVersion: '1.07', eventTime: '2024-01-01T00:00:00Z', eventID: 'x', insightDetails: {} },
      'record has no eventSource',
    ],
  ])('finds %s', (_name, record, defect) => {
    expect(findRecordDefect(record)).toContain(defect);
  });

  it('finds nothing wrong with a complete record', () => {
    expect(findRecordDefect(makeRecord())).toBeUndefined();
  });
});

describe('event time', () => {
  it.each([
    ['2024-06-02T20:15:00Z', '2024-06-02T20:15:00Z'],
    ['2025-01-21 17:49:47.000000000', '2025-01-21T17:49:47Z'],
    ['2024-06-02T22:15:00+02:00', '2024-06-02T20:15:00Z'],
    ['2024-06-02T22:15:00+0200', '2024-06-02T20:15:00Z'],
    ['2024-06-02T20:15:00.123z', '2024-06-02T20:15:00Z'],
  ])('sorts %s as %s, in UTC whatever the local zone', (eventTime, sortable) => {
    expect(toSortableTime(eventTime)).toBe(sortable);
  });

  it.each(['yyyy-mm-ddThh:mm:ssZ', 'Nov 5, 2018 6:06:01 AM', '2024-13-45T99:00:00Z', ''])(
    'rejects %j',
    (text) => {
      expect(parseEventTime(text)).toBeUndefined();
    },
  );
});
