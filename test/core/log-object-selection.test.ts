import { describe, expect, it } from 'vitest';
import { encodeS3EventKey } from '../../cli/s3-event-message';
import { decodeS3EventKey, selectLogObject } from '../../lambda/core/log-object-selection';
import { itOverSharedSamples, logObjectKey, readRealS3Keys, readSharedJsonl } from '../support/factories';

const LOG_FILE = /_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json\.gz$/;

/** Log files are ingested; folders, digests and other objects are skipped with their reason. */
function expectClassified(key: string): void {
  const selection = selectLogObject(key);

  if (LOG_FILE.test(key)) {
    expect(selection, key).toMatchObject({ ingest: true });
  } else if (key.endsWith('/')) {
    expect(selection, key).toEqual({ ingest: false, reason: 'folder' });
  } else if (key.includes('/CloudTrail-Digest/')) {
    expect(selection, key).toEqual({ ingest: false, reason: 'digest' });
  } else {
    expect(selection, key).toEqual({ ingest: false, reason: 'not-cloudtrail' });
  }
}

describe('selectLogObject', () => {
  it.each(readRealS3Keys().map((entry) => [entry.key]))('classifies the published key %s', (key) => {
    expectClassified(key);
  });

  itOverSharedSamples('classifies every published key of the shared corpus', () => {
    for (const { key } of readSharedJsonl<{ key: string }>('s3-key-paths.jsonl')) expectClassified(key);
  });

  it('reads account, region, date and prefix from an account-layout key', () => {
    const key =
      'panther-lab-cloudtrail/AWSLogs/888888888888/CloudTrail/us-west-2/2018/08/26/888888888888_CloudTrail_us-west-2_20180826T1410Z_inUwlhwpSGtlqmIN.json.gz';

    expect(selectLogObject(key)).toEqual({
      ingest: true,
      log: {
        prefix: 'panther-lab-cloudtrail',
        accountId: '888888888888',
        region: 'us-west-2',
        date: '2018-08-26',
        compressed: true,
      },
    });
  });

  it('reads the organization id of an organization-trail key', () => {
    const key = logObjectKey({
      organizationId: 'o-exampleorgid',
      accountId: '111122223333',
      region: 'eu-west-1',
    });

    expect(selectLogObject(key)).toMatchObject({
      ingest: true,
      log: { organizationId: 'o-exampleorgid', accountId: '111122223333', region: 'eu-west-1', prefix: '' },
    });
  });

  it('accepts an uncompressed .json log file', () => {
    const key = logObjectKey({}).replace(/\.gz$/, '');

    expect(selectLogObject(key)).toMatchObject({ ingest: true, log: { compressed: false } });
  });

  it.each([
    [
      'skips CloudTrail-Digest files',
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150817T150131Z.json.gz',
      'digest',
    ],
    [
      'skips CloudTrail-Insight files',
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/06/02/111122223333_CloudTrail-Insight_us-east-1_20240602T2020Z_AbCd1234.json.gz',
      'insight',
    ],
    ['skips folder markers', 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/', 'folder'],
    [
      'skips other objects',
      'AWSLogs/111122223333/elasticloadbalancing/us-east-1/2024/06/02/log.gz',
      'not-cloudtrail',
    ],
    [
      'skips a key whose file account differs from its folder account',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/999999999999_CloudTrail_us-east-1_20240602T2020Z_AbCd1234.json.gz',
      'not-cloudtrail',
    ],
  ])('%s', (_name, key, reason) => {
    expect(selectLogObject(key)).toEqual({ ingest: false, reason });
  });

  it('skips zero-byte objects', () => {
    expect(selectLogObject(logObjectKey({}), 0)).toEqual({ ingest: false, reason: 'empty' });
  });
});

describe('decodeS3EventKey', () => {
  it.each([
    ['a + as a space', 'my+trail+logs/AWSLogs/x.json.gz', 'my trail logs/AWSLogs/x.json.gz'],
    ['%XX bytes', 'caf%C3%A9%3Dlogs/AWSLogs/x.json.gz', 'café=logs/AWSLogs/x.json.gz'],
    ['an encoded plus as a plus', 'a%2Bb/AWSLogs/x.json.gz', 'a+b/AWSLogs/x.json.gz'],
    [
      'a key with nothing encoded as it is',
      'AWSLogs/123456789012/CloudTrail/x.json.gz',
      'AWSLogs/123456789012/CloudTrail/x.json.gz',
    ],
    ['a malformed escape as it is', 'bad%E0%A4%A/x', 'bad%E0%A4%A/x'],
  ])('decodes %s', (_name, encoded, decoded) => {
    expect(decodeS3EventKey(encoded)).toBe(decoded);
  });

  it('selects a URL-encoded organization-trail key once decoded', () => {
    const key = logObjectKey({ prefix: 'audit logs', organizationId: 'o-a1b2c3d4e5' });
    const encoded = encodeS3EventKey(key);

    expect(selectLogObject(decodeS3EventKey(encoded))).toMatchObject({
      ingest: true,
      log: { prefix: 'audit logs', organizationId: 'o-a1b2c3d4e5' },
    });
  });
});
