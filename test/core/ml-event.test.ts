import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyShardOf, MAX_KEY_SHARDS } from '../../contract/key-shards';
import type { MlEventItem } from '../../contract/ml-event-item';
import {
  GLOBAL_SECONDARY_INDEXES,
  type IndexDefinition,
  projectedAttributesOf,
  TABLE_PARTITION_KEY,
} from '../../contract/table-schema';
import {
  collectResourceArns,
  findRecordDefect,
  parseEventTime,
  toMlEvent,
  toSortableTime,
} from '../../lambda/core/ml-event';
import { MAX_PAYLOAD_BYTES, storedItemSize } from '../../lambda/core/storable-payload';
import { makeRecord, readSeedRecords } from '../support/factories';

const INVOKE_MODEL = JSON.parse(
  readFileSync(new URL('../fixtures/bedrock-invoke-model.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
// The 1,022-byte InvokeModel Sumo Logic publishes for its Amazon Bedrock app: a typical 1 KB event.
const INVOKE_MODEL_1KB = JSON.parse(
  readFileSync(new URL('../fixtures/bedrock-invoke-model-1kb.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
// A log file key as CloudTrail names it, in a bucket named as CDK names one.
const TRAIL_LOG_FILE =
  's3://mltrailstack-traillogbucketa1b2c3d4-1a2b3c4d5e6f7/AWSLogs/111122223333/CloudTrail/us-west-2/2024/10/01/111122223333_CloudTrail_us-west-2_20241001T1155Z_kQx3vG8sPz1LmN0a.json.gz';

/** What an index entry holds of an item: the table key, the index keys and its projection. */
function indexEntryOf(item: MlEventItem, index: IndexDefinition): Record<string, unknown> | undefined {
  const keys = [TABLE_PARTITION_KEY, ...index.partitionKeys, ...index.sortKeys].map((key) => key.name);
  const values = item as unknown as Record<string, unknown>;
  if (keys.some((name) => values[name] === undefined)) return undefined;
  const names = new Set([...keys, ...projectedAttributesOf(index)]);
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.has(name)));
}

const context = { logFile: 's3://trail-bucket/AWSLogs/x.json.gz', logAccountId: '999999999999' };

describe('toMlEvent', () => {
  const seeds = readSeedRecords();

  it('normalizes the Forecast seed example into the documented item', () => {
    const record = seeds['forecast-create-dataset'] as Record<string, unknown>;

    const item = toMlEvent(record, 'forecast', context);

    expect(item).toEqual({
      eventID: 'EXAMPLE8-90ab-cdef-fedc-ba987EXAMPLE',
      eventTime: '2018-11-21T23:53:06Z',
      service: 'forecast',
      keyShard: 0,
      eventSource: 'forecast.amazonaws.com',
      eventName: 'CreateDataset',
      requestID: 'EXAMPLE8-90ab-cdef-fedc-ba987EXAMPLE',
      eventVersion: '1.05',
      eventType: 'AwsApiCall',
      awsRegion: 'us-west-2',
      recipientAccountId: '111111111111',
      principal: 'arn:aws:iam::acct-id:user/userxyz',
      principalType: 'IAMUser',
      principalArn: 'arn:aws:iam::acct-id:user/userxyz',
      principalId: 'AIDAIQ4PAJSMEEPNEXAMPLE',
      userName: 'userxyz',
      actor: 'userxyz',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      sourceIPAddress: '192.168.0.1',
      userAgent: 'Boto3/1.7.82 Python/3.6.5 Linux/4.14.72-68.55.amzn1.x86_64 Botocore/1.10.84',
      resourceArn: 'arn:aws:forecast:us-west-2:acct-id:ds/forecast_test_script_ds',
      resourceArns: ['arn:aws:forecast:us-west-2:acct-id:ds/forecast_test_script_ds'],
      requestParameters: record.requestParameters,
      responseElements: record.responseElements,
      logFile: 'AWSLogs/x.json.gz',
    });
  });

  it.each([
    [
      'iotanalytics-create-channel',
      'iotanalytics',
      {
        eventName: 'CreateChannel',
        principal: 'arn:aws:iam::123456789012:role/AnalyticsRole',
        principalType: 'AssumedRole',
        actor: 'AnalyticsChannelTestFunction',
        mfaAuthenticated: false,
        resourceArn: 'arn:aws:iotanalytics:us-east-1:123456789012:channel/channel_channeltest',
      },
    ],
    [
      'iotanalytics-create-dataset',
      'iotanalytics',
      {
        eventName: 'CreateDataset',
        resourceArns: ['arn:aws:iotanalytics:us-east-1:123456789012:dataset/dataset_datasettest'],
      },
    ],
    [
      'lookoutmetrics-describe-anomaly-detector',
      'lookoutmetrics',
      {
        eventID: 'f2f879f8-xmpl-4475-9c0c-4291a389e14a',
        eventTime: '2021-01-09T00:18:12Z',
        principal: 'arn:aws:iam::123456789012:user/fred',
        readOnly: true,
        managementEvent: true,
        resourceArns: ['arn:aws:lookoutmetrics:us-east-2:123456789012:AnomalyDetector:my-detector-5m'],
      },
    ],
    [
      'lookoutvision-create-dataset',
      'lookoutvision',
      {
        principal: 'arn:aws:iam::123456789012:role/Admin',
        actor: 'MyUser',
        readOnly: false,
        responseElements: { status: 'CREATE_IN_PROGRESS' },
      },
    ],
  ])('normalizes the %s seed example', (name, service, expected) => {
    const item = toMlEvent(seeds[name] as Record<string, unknown>, service, context);

    expect(item).toMatchObject({ service, ...expected });
  });

  it('normalizes the real Bedrock InvokeModel into the documented item', () => {
    const item = toMlEvent(INVOKE_MODEL, 'bedrock', { logFile: TRAIL_LOG_FILE });

    expect(item).toEqual({
      eventID: 'a8d388e2-3111-44bf-b78f-b0e263dc3d25',
      eventTime: '2024-10-01T11:52:37Z',
      service: 'bedrock',
      keyShard: keyShardOf('bedrock', 'a8d388e2-3111-44bf-b78f-b0e263dc3d25'),
      eventSource: 'bedrock.amazonaws.com',
      eventName: 'InvokeModel',
      eventVersion: '1.10',
      eventType: 'AwsApiCall',
      managementEvent: true,
      readOnly: true,
      awsRegion: 'us-west-2',
      recipientAccountId: '111122223333',
      requestID: '0873fdcf-2c18-413a-9288-7e9bbbb8f29d',
      sourceIPAddress: '10.0.1.50',
      userAgent: INVOKE_MODEL.userAgent,
      tlsDetails: INVOKE_MODEL.tlsDetails,
      principal: 'arn:aws:iam::111122223333:role/genai-app-role',
      principalType: 'AssumedRole',
      principalId: 'AROAEXAMPLE:app',
      accessKeyId: 'ASIAEXAMPLE',
      sessionCreationDate: '2024-10-01T11:00:00Z',
      mfaAuthenticated: false,
      actor: 'app',
      requestParameters: { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
      additionalEventData: { inferenceRegion: 'us-west-2' },
      logFile:
        'AWSLogs/111122223333/CloudTrail/us-west-2/2024/10/01/111122223333_CloudTrail_us-west-2_20241001T1155Z_kQx3vG8sPz1LmN0a.json.gz',
    });
  });

  it('stores a typical 1 KB InvokeModel in one write unit: at most 1 KB as DynamoDB counts it', () => {
    const item = toMlEvent(INVOKE_MODEL_1KB, 'bedrock', { logFile: TRAIL_LOG_FILE });

    expect(Buffer.byteLength(JSON.stringify(INVOKE_MODEL_1KB))).toBeLessThanOrEqual(1024);
    expect(storedItemSize(item)).toBeLessThanOrEqual(1024);
  });

  it('stores an InvokeModel no larger than it was logged', () => {
    const item = toMlEvent(INVOKE_MODEL, 'bedrock', { logFile: TRAIL_LOG_FILE });

    expect(storedItemSize(item)).toBeLessThan(Buffer.byteLength(JSON.stringify(INVOKE_MODEL)));
  });

  it('keeps every index entry of the real InvokeModel under 1 KB, and leaves it out of the sparse indexes', () => {
    const item = toMlEvent(INVOKE_MODEL, 'bedrock', { logFile: TRAIL_LOG_FILE, retentionDays: 365 });

    const entries = GLOBAL_SECONDARY_INDEXES.map((index) => [index.indexName, indexEntryOf(item, index)]);

    for (const [name, entry] of entries) {
      if (entry !== undefined) expect(storedItemSize(entry as object), name as string).toBeLessThan(1024);
    }
    expect(entries.filter(([, entry]) => entry === undefined).map(([name]) => name)).toEqual([
      'byError',
      'byResource',
    ]);
  });

  it('leaves out the copies a reader derives: the caller account, the session ARN, the category', () => {
    const item = toMlEvent(INVOKE_MODEL, 'bedrock', { logFile: TRAIL_LOG_FILE });

    expect(item).not.toHaveProperty('principalAccountId');
    expect(item).not.toHaveProperty('principalArn');
    expect(item).not.toHaveProperty('eventCategory');
    // CloudTrail's eventSource is always kept: it is what jq, Athena and stream filters match on.
    expect(item.eventSource).toBe('bedrock.amazonaws.com');
  });

  it('keeps each of those when it says something the item does not', () => {
    const identity = INVOKE_MODEL.userIdentity as Record<string, unknown>;
    const record = {
      ...INVOKE_MODEL,
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventCategory: 'Data',
      recipientAccountId: '444455556666',
      userIdentity: { ...identity, arn: 'arn:aws:sts::111122223333:assumed-role/genai-app-role/other' },
    };

    expect(toMlEvent(record, 'bedrock', { logFile: TRAIL_LOG_FILE })).toMatchObject({
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventCategory: 'Data',
      managementEvent: true,
      principalAccountId: '111122223333',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/genai-app-role/other',
    });
  });

  it('shards a busy service by eventID and keeps a quiet one on shard 0', () => {
    const busy = Array.from({ length: 200 }, (_, index) =>
      toMlEvent(makeRecord({ eventID: `e-${index}` }), 'bedrock', context),
    );
    const quiet = toMlEvent(makeRecord({ eventID: 'e-1' }), 'forecast', context);

    expect(new Set(busy.map((item) => item.keyShard)).size).toBe(MAX_KEY_SHARDS);
    expect(busy[1]?.keyShard).toBe(toMlEvent(makeRecord({ eventID: 'e-1' }), 'bedrock', context).keyShard);
    expect(quiet.keyShard).toBe(0);
  });

  it('stores eventTime in UTC and keeps the logged form when it differed, its path changed', () => {
    const item = toMlEvent(makeRecord({ eventTime: '2024-06-02T22:15:00.5+02:00' }), 'bedrock', context);

    expect(item).toMatchObject({
      eventTime: '2024-06-02T20:15:00Z',
      eventTimeAsLogged: '2024-06-02T22:15:00.5+02:00',
      changedPaths: ['/eventTime'],
    });
  });

  it('keeps the evidence an investigator needs', () => {
    const record = makeRecord({
      sharedEventID: 'shared-1',
      vpcEndpointId: 'vpce-0abc',
      vpcEndpointAccountId: '444455556666',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:s',
        arn: 'arn:aws:sts::123456789012:assumed-role/R/s',
        onBehalfOf: {
          userId: 'u-1',
          identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-1',
        },
        sessionContext: { sourceIdentity: 'alice', attributes: { creationDate: '2024-06-02T20:00:00Z' } },
      },
    });

    expect(toMlEvent(record, 'bedrock', context)).toMatchObject({
      sharedEventID: 'shared-1',
      vpcEndpointId: 'vpce-0abc',
      vpcEndpointAccountId: '444455556666',
      sourceIdentity: 'alice',
      onBehalfOfUserId: 'u-1',
      identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-1',
      sessionCreationDate: '2024-06-02T20:00:00Z',
      actor: 'alice',
    });
  });

  it('makes the first resource ARN the primary one: resources[], else the response, else the request', () => {
    const fromResponse = makeRecord({
      resources: undefined,
      requestParameters: { modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/a' },
      responseElements: { jobArn: 'arn:aws:bedrock:us-east-1:123456789012:job/1' },
    });
    const none = makeRecord({
      resources: undefined,
      requestParameters: { modelId: 'm' },
      responseElements: null,
    });

    expect(toMlEvent(fromResponse, 'bedrock', context)).toMatchObject({
      resourceArn: 'arn:aws:bedrock:us-east-1:123456789012:job/1',
      resourceArns: [
        'arn:aws:bedrock:us-east-1:123456789012:job/1',
        'arn:aws:bedrock:us-east-1::foundation-model/a',
      ],
    });
    expect(toMlEvent(none, 'bedrock', context)).not.toHaveProperty('resourceArn');
  });

  it('stores additionalEventData by the payload rules: what DynamoDB refuses as JSON text, a cut one flagged', () => {
    const refused = makeRecord({ additionalEventData: { labels: { '': 'x' } } });
    const huge = makeRecord({ additionalEventData: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) } });

    const refusedItem = toMlEvent(refused, 'bedrock', context);
    const hugeItem = toMlEvent(huge, 'bedrock', context);

    expect(refusedItem.additionalEventData).toEqual({ labels: '{"":"x"}' });
    expect(refusedItem.changedPaths).toEqual(['/additionalEventData/labels']);
    expect(hugeItem.additionalEventDataTruncated).toBe(true);
    expect(Buffer.byteLength(hugeItem.additionalEventData as string)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(hugeItem.changedPaths).toEqual(['/additionalEventData']);
  });

  it("gives the same item when told the size of the record's text, as the reader tells it", () => {
    const realRecords = readFileSync(
      new URL('../fixtures/real-samples/records.jsonl', import.meta.url),
      'utf8',
    )
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { record: Record<string, unknown> }).record)
      .filter((record) => findRecordDefect(record) === undefined);
    const records = [
      ...realRecords,
      INVOKE_MODEL,
      INVOKE_MODEL_1KB,
      makeRecord({ additionalEventData: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) } }),
      makeRecord({
        requestParameters: { blob: 'é'.repeat(MAX_PAYLOAD_BYTES) },
        responseElements: { n: [1, 2] },
      }),
      makeRecord({ responseElements: { lists: Array.from({ length: 30_000 }, () => []) } }),
    ];
    expect(realRecords.length).toBeGreaterThan(20);

    for (const record of records) {
      const text = JSON.stringify(record);
      expect(toMlEvent(record, 'bedrock', context, Buffer.byteLength(text))).toStrictEqual(
        toMlEvent(record, 'bedrock', context),
      );
    }
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

  it("takes recipientAccountId as logged, else the caller's account, else the log file key's", () => {
    const recipient = makeRecord({ recipientAccountId: '111111111111' });
    const caller = makeRecord({ recipientAccountId: undefined });
    const neither = makeRecord({
      recipientAccountId: undefined,
      userIdentity: { type: 'AWSService', invokedBy: 'x' },
    });

    expect(toMlEvent(recipient, 's', context).recipientAccountId).toBe('111111111111');
    expect(toMlEvent(caller, 's', context).recipientAccountId).toBe('123456789012');
    expect(toMlEvent(neither, 's', context).recipientAccountId).toBe('999999999999');
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

  it("cuts a payload near its share where the item's exact size puts the cut, however its text is written", () => {
    // The same UTF-8 size written in two-byte and in one-byte characters: only the bytes count.
    const twoByte = { errorCode: 'E', errorMessage: 'é'.repeat(8_000) };
    const oneByte = { errorCode: 'E', errorMessage: 'e'.repeat(16_000) };
    const sizes = Array.from({ length: 60 }, (_, index) => 110_000 + 300 * index);

    const outcomes = (fields: Record<string, unknown>) =>
      sizes.map((size) => {
        const item = toMlEvent(
          makeRecord({ ...fields, requestParameters: { blob: 'q'.repeat(size) } }),
          'sagemaker',
          context,
        );
        return [size, item.requestParametersTruncated ?? false, storedItemSize(item)];
      });

    const twoByteOutcomes = outcomes(twoByte);
    expect(twoByteOutcomes).toEqual(outcomes(oneByte));
    expect(twoByteOutcomes.some(([, truncated]) => truncated)).toBe(true);
    expect(twoByteOutcomes.some(([, truncated]) => !truncated)).toBe(true);
  });

  it('is deterministic: the same record gives the same item', () => {
    const record = makeRecord();

    expect(toMlEvent(record, 'sagemaker', context)).toEqual(
      toMlEvent(structuredClone(record), 'sagemaker', context),
    );
  });
});

describe('collectResourceArns', () => {
  it('reads ARN and ARNPrefix from resources[], then ARN fields of the response, then of the request', () => {
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
      'arn:aws:bedrock:us-east-1:123456789012:job/1',
      'arn:aws:bedrock:us-east-1::foundation-model/a',
    ]);
  });
});

describe('collectResourceArns, by key', () => {
  it.each([
    ['modelArn', true],
    ['roleARN', true],
    ['targetArns', true],
    ['ARNS', true],
    ['learn', true],
    ['arn', true],
    ['arns', true],
    ['arnList', false],
    ['arnss', false],
    ['rn', false],
    ['s', false],
    ['', false],
    ['modelArn ', false],
  ])('takes the ARNs under a key %j: %s', (key, taken) => {
    const record = makeRecord({ requestParameters: { [key]: 'arn:aws:bedrock:us-east-1:1:model/m' } });
    record.responseElements = undefined;

    expect(collectResourceArns(record)).toEqual(taken ? ['arn:aws:bedrock:us-east-1:1:model/m'] : []);
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

  it.each([
    '2024-06-02T20:15:00Z',
    '2000-02-29T12:00:00Z',
    '2024-12-31T23:59:59Z',
    '0100-01-01T00:00:00Z',
    '0099-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1969-12-31T23:59:59Z',
  ])('reads %s, written as CloudTrail writes times, as Date.parse does', (eventTime) => {
    expect(parseEventTime(eventTime)).toBe(Date.parse(eventTime));
    expect(toSortableTime(eventTime)).toBe(eventTime);
  });

  it.each([
    '1900-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-06-02T24:00:00Z',
    '2024-06-02T20:60:00Z',
    '2024-06-02T20:15:60Z',
    '2024-00-02T20:15:00Z',
    '2024-06-00T20:15:00Z',
    '2024-06-02T2O:15:00Z',
  ])('rejects %s, written as CloudTrail writes times but no real time', (eventTime) => {
    expect(parseEventTime(eventTime)).toBeUndefined();
  });

  it.each(['yyyy-mm-ddThh:mm:ssZ', 'Nov 5, 2018 6:06:01 AM', '2024-13-45T99:00:00Z', ''])(
    'rejects %j',
    (text) => {
      expect(parseEventTime(text)).toBeUndefined();
    },
  );
});
