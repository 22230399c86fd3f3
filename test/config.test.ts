import { describe, expect, it } from 'vitest';
import { ENV } from '../contract/environment';
import { loadConfig } from '../lambda/config';
import { ConfigurationError } from '../lambda/core/errors';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';

describe('loadConfig', () => {
  it('reads the table name and defaults the rest', () => {
    const config = loadConfig({ [ENV.TABLE_NAME]: 'events' });

    expect(config).toEqual({
      tableName: 'events',
      catalogue: DEFAULT_SERVICE_CATALOGUE,
      retentionDays: 0,
      writeConcurrency: 4,
      limits: { maxRecordBytes: 16 * 1024 * 1024, maxDecompressedBytes: 2 * 1024 ** 3 },
      redaction: { accessKeyIds: 'keep', sourceIpAddresses: 'keep' },
    });
  });

  it('reads which sensitive fields are stored', () => {
    const config = loadConfig({
      [ENV.TABLE_NAME]: 'events',
      [ENV.ACCESS_KEY_IDS]: 'drop',
      [ENV.SOURCE_IP_ADDRESSES]: 'truncate',
      [ENV.REQUEST_PARAMETER_KEYS]: '["modelId","guardrailIdentifier"]',
      [ENV.RESPONSE_ELEMENT_KEYS]: '[]',
    });

    expect(config.redaction).toEqual({
      accessKeyIds: 'drop',
      sourceIpAddresses: 'truncate',
      requestParameterKeys: ['modelId', 'guardrailIdentifier'],
      responseElementKeys: [],
    });
  });

  it.each([
    [ENV.ACCESS_KEY_IDS, 'mask', 'MLTRAIL_ACCESS_KEY_IDS must be one of keep, drop, got "mask"'],
    [
      ENV.SOURCE_IP_ADDRESSES,
      'hash',
      'MLTRAIL_SOURCE_IP_ADDRESSES must be one of keep, truncate, drop, got "hash"',
    ],
    [
      ENV.REQUEST_PARAMETER_KEYS,
      'modelId,body',
      'MLTRAIL_REQUEST_PARAMETER_KEYS must be a JSON array of key names, got "modelId,body"',
    ],
    [
      ENV.RESPONSE_ELEMENT_KEYS,
      '["a",1]',
      'MLTRAIL_RESPONSE_ELEMENT_KEYS must be a JSON array of key names, got "["a",1]"',
    ],
  ])('fails fast naming %s when it is %s', (name, value, message) => {
    expect(() => loadConfig({ [ENV.TABLE_NAME]: 'events', [name]: value })).toThrow(
      new ConfigurationError(message),
    );
  });

  it('reads the record limit and the decompressed ceiling', () => {
    const config = loadConfig({
      [ENV.TABLE_NAME]: 'events',
      [ENV.MAX_RECORD_BYTES]: '1048576',
      [ENV.MAX_LOG_FILE_BYTES]: '500000000',
    });

    expect(config.limits).toEqual({ maxRecordBytes: 1_048_576, maxDecompressedBytes: 500_000_000 });
  });

  it('reads the log bucket and its owner, which the deployed function is given', () => {
    const config = loadConfig({
      [ENV.TABLE_NAME]: 'events',
      [ENV.LOG_BUCKET]: 'trail-logs',
      [ENV.LOG_BUCKET_OWNER]: '111122223333',
    });

    expect(config).toMatchObject({ logBucket: 'trail-logs', logBucketOwner: '111122223333' });
  });

  it('reads any bucket, without an expected owner, when neither is set (the CLI)', () => {
    const config = loadConfig({ [ENV.TABLE_NAME]: 'events' });

    expect(config.logBucket).toBeUndefined();
    expect(config.logBucketOwner).toBeUndefined();
  });

  it('fails fast naming a missing table name', () => {
    expect(() => loadConfig({})).toThrow(
      new ConfigurationError('MLTRAIL_TABLE_NAME environment variable is not set'),
    );
  });

  it('replaces the catalogue, then merges extra services over it', () => {
    const config = loadConfig({
      [ENV.TABLE_NAME]: 'events',
      [ENV.SERVICE_CATALOGUE]: '{"forecast.amazonaws.com":"forecast"}',
      [ENV.EXTRA_SERVICES]: '{"healthlake.amazonaws.com":"healthlake"}',
    });

    expect([...config.catalogue]).toEqual([
      ['forecast.amazonaws.com', 'forecast'],
      ['healthlake.amazonaws.com', 'healthlake'],
    ]);
  });

  it('extends the default catalogue', () => {
    const config = loadConfig({
      [ENV.TABLE_NAME]: 'events',
      [ENV.EXTRA_SERVICES]: '{"healthlake.amazonaws.com":"healthlake"}',
    });

    expect(config.catalogue.get('healthlake.amazonaws.com')).toBe('healthlake');
    expect(config.catalogue.get('bedrock.amazonaws.com')).toBe('bedrock');
  });

  it.each([
    [ENV.SERVICE_CATALOGUE, 'not json', /MLTRAIL_SERVICE_CATALOGUE is not valid JSON/],
    [ENV.SERVICE_CATALOGUE, '["forecast"]', /MLTRAIL_SERVICE_CATALOGUE must be a JSON object/],
    [
      ENV.EXTRA_SERVICES,
      '{"forecast":"forecast"}',
      /"forecast" is not an eventSource; use the host CloudTrail logs/,
    ],
    [
      ENV.EXTRA_SERVICES,
      '{"x.amazonaws.com":"Bad Name"}',
      /service name for "x.amazonaws.com" must be lowercase/,
    ],
    [ENV.SERVICE_CATALOGUE, '{}', /the service catalogue is empty/],
    [ENV.RETENTION_DAYS, '-1', /MLTRAIL_RETENTION_DAYS must be a whole number >= 0, got "-1"/],
    [ENV.RETENTION_DAYS, '1.5', /MLTRAIL_RETENTION_DAYS must be a whole number/],
    [ENV.WRITE_CONCURRENCY, '0', /MLTRAIL_WRITE_CONCURRENCY must be a whole number >= 1/],
    [ENV.MAX_RECORD_BYTES, '10', /MLTRAIL_MAX_RECORD_BYTES must be a whole number >= 1024/],
    [ENV.MAX_LOG_FILE_BYTES, 'lots', /MLTRAIL_MAX_LOG_FILE_BYTES must be a whole number/],
    [ENV.LOG_BUCKET_OWNER, '1111', /MLTRAIL_LOG_BUCKET_OWNER must be a 12-digit account id, got "1111"/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [ENV.TABLE_NAME]: 'events', [name]: value })).toThrow(message);
  });
});
