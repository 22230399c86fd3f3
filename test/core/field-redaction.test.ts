import { describe, expect, it } from 'vitest';
import { type FieldRedaction, redactRecord, truncateIpAddress } from '../../lambda/core/field-redaction';
import { toMlEvent } from '../../lambda/core/ml-event';
import { makeRecord } from '../support/factories';

const context = { logFile: 's3://trail-bucket/AWSLogs/x.json.gz', logAccountId: '999999999999' };
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

function recordWithSecrets(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = makeRecord();
  return makeRecord({
    userIdentity: { ...(base.userIdentity as object), accessKeyId: ACCESS_KEY_ID },
    sourceIPAddress: '203.0.113.77',
    requestParameters: {
      modelId: 'anthropic.claude-3',
      body: 'my secret prompt',
      roleArn: 'arn:aws:iam::123456789012:role/Hidden',
    },
    responseElements: {
      trainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1',
      output: 'a secret answer',
    },
    ...overrides,
  });
}

describe('truncateIpAddress', () => {
  it.each([
    ['an IPv4 address to its /24', '203.0.113.77', '203.0.113.0/24'],
    ['an IPv6 address to its /48', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::/48'],
    ['a compressed IPv6 address to its /48', '2001:db8::1', '2001:db8::/48'],
    ['an IPv4-mapped IPv6 address to its IPv4 /24', '::ffff:198.51.100.7', '::ffff:198.51.100.0/120'],
    ['an upper-case IPv6 address to its lower-case /48', '2001:DB8:ABCD:1::1', '2001:db8:abcd::/48'],
    ['the unspecified IPv6 address to ::/48', '::', '::/48'],
    ['a service name not at all', 'bedrock.amazonaws.com', 'bedrock.amazonaws.com'],
    ['AWS Internal not at all', 'AWS Internal', 'AWS Internal'],
    ['a value that only looks like an address not at all', '203.0.113', '203.0.113'],
  ])('cuts %s', (_, address, expected) => {
    expect(truncateIpAddress(address)).toBe(expected);
  });
});

describe('redactRecord', () => {
  it.each<[string, FieldRedaction | undefined, (item: ReturnType<typeof toMlEvent>) => void]>([
    [
      'keeps every field when no redaction is set',
      undefined,
      (item) => {
        expect(item.accessKeyId).toBe(ACCESS_KEY_ID);
        expect(item.sourceIPAddress).toBe('203.0.113.77');
        expect(item.requestParameters).toMatchObject({ body: 'my secret prompt' });
      },
    ],
    [
      'keeps every field under the default policy',
      { accessKeyIds: 'keep', sourceIpAddresses: 'keep' },
      (item) => {
        expect(item.accessKeyId).toBe(ACCESS_KEY_ID);
        expect(item.sourceIPAddress).toBe('203.0.113.77');
      },
    ],
    [
      'drops the access key id',
      { accessKeyIds: 'drop' },
      (item) => {
        expect(item).not.toHaveProperty('accessKeyId');
        expect(item.principal).toBe('arn:aws:iam::123456789012:role/MlRole');
      },
    ],
    [
      'truncates the source address',
      { sourceIpAddresses: 'truncate' },
      (item) => expect(item.sourceIPAddress).toBe('203.0.113.0/24'),
    ],
    [
      'drops the source address',
      { sourceIpAddresses: 'drop' },
      (item) => expect(item).not.toHaveProperty('sourceIPAddress'),
    ],
    [
      'keeps only the allowed request parameters, and no resource ARN from the others',
      { requestParameterKeys: ['modelId'] },
      (item) => {
        expect(item.requestParameters).toEqual({ modelId: 'anthropic.claude-3' });
        expect(item.resourceArns).toEqual(['arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1']);
      },
    ],
    [
      'stores empty request parameters for an empty allow-list',
      { requestParameterKeys: [] },
      (item) => expect(item.requestParameters).toEqual({}),
    ],
    [
      'keeps only the allowed response elements',
      { responseElementKeys: ['trainingJobArn'] },
      (item) =>
        expect(item.responseElements).toEqual({
          trainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1',
        }),
    ],
  ])('%s', (_, redaction, check) => {
    const item = toMlEvent(recordWithSecrets(), 'sagemaker', { ...context, redaction });

    check(item);
    expect(item).not.toHaveProperty('changedPaths');
  });

  it('drops every spelling of a field a reader would fall back to', () => {
    const record = recordWithSecrets({ sourceipaddress: '192.0.2.1' });

    const redacted = redactRecord(record, { sourceIpAddresses: 'drop' });

    expect(redacted).not.toHaveProperty('sourceIPAddress');
    expect(redacted).not.toHaveProperty('sourceipaddress');
  });

  it('stores no request parameters when they are not an object and an allow-list is set', () => {
    const item = toMlEvent(recordWithSecrets({ requestParameters: 'a secret string' }), 'sagemaker', {
      ...context,
      redaction: { requestParameterKeys: ['modelId'] },
    });

    expect(item).not.toHaveProperty('requestParameters');
  });

  it('leaves the logged record unchanged and gives the same item every time', () => {
    const record = recordWithSecrets();
    const logged = structuredClone(record);
    const redaction: FieldRedaction = {
      accessKeyIds: 'drop',
      sourceIpAddresses: 'truncate',
      requestParameterKeys: ['modelId'],
    };

    const first = toMlEvent(record, 'sagemaker', { ...context, redaction });
    const second = toMlEvent(structuredClone(logged), 'sagemaker', { ...context, redaction });

    expect(record).toEqual(logged);
    expect(second).toEqual(first);
  });
});
