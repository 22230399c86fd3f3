import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { dayRangeOf } from '../../cli/date-range';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import { listLogObjects } from '../../cli/s3-log-lister';
import { logObjectKey } from '../support/factories';
import { recordListedPrefixes } from './cli-harness';

const BUCKET = 'lister-bucket';

const keys = {
  june1: logObjectKey({ date: '2024-06-01', id: 'June1' }),
  june2West: logObjectKey({ date: '2024-06-02', region: 'us-west-2', id: 'June2West' }),
  july: logObjectKey({ date: '2024-07-01', id: 'July1' }),
  lastYear: logObjectKey({ date: '2023-12-31', id: 'Dec31' }),
  otherAccount: logObjectKey({ date: '2024-06-01', accountId: '111122223333', id: 'Other1' }),
  org: logObjectKey({
    date: '2024-06-02',
    organizationId: 'o-a1b2c3d4e5',
    accountId: '444455556666',
    id: 'Org1',
  }),
  prefixed: logObjectKey({ prefix: 'team/trail', date: '2024-06-01', id: 'Prefixed1' }),
  digest:
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/01/123456789012_CloudTrail-Digest_us-east-1_t_us-east-1_20240601T0100Z.json.gz',
  elsewhere: 'exports/2024/06/01/report.csv',
};

describe('S3 log listing', () => {
  let s3Server: LocalS3Server;
  let s3: S3Client;

  const list = async (prefix: string, since?: string, until?: string) => {
    const recorder = recordListedPrefixes(s3);
    const found: string[] = [];
    for await (const object of listLogObjects(recorder.client, BUCKET, prefix, dayRangeOf(since, until))) {
      found.push(object.key);
    }
    return { keys: found.sort(), prefixes: recorder.prefixes };
  };

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    for (const key of Object.values(keys)) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
    }
  });

  afterAll(() => s3Server.stop());

  it('walks every account, organization account and region under AWSLogs/, never the digests', async () => {
    const result = await list('');

    expect(result.keys).toEqual(
      [keys.june1, keys.june2West, keys.july, keys.lastYear, keys.otherAccount, keys.org].sort(),
    );
    expect(result.prefixes.every((prefix) => prefix.startsWith('AWSLogs/'))).toBe(true);
    expect(result.prefixes.some((prefix) => prefix.includes('CloudTrail-Digest'))).toBe(false);
  });

  it('opens only the year, month and day folders that overlap the range', async () => {
    const result = await list('', '2024-06-02', '2024-06-30');

    expect(result.keys).toEqual([keys.june2West, keys.org].sort());
    expect(result.prefixes).not.toContain('AWSLogs/123456789012/CloudTrail/us-east-1/2023/');
    expect(result.prefixes).not.toContain('AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/');
    expect(result.prefixes).not.toContain('AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/01/');
  });

  it("starts below the trail's key prefix", async () => {
    expect((await list('team/trail/')).keys).toEqual([keys.prefixed]);
  });

  it.each([
    [
      'AWSLogs/123456789012',
      [
        logObjectKey({ date: '2024-06-01', id: 'June1' }),
        logObjectKey({ date: '2024-06-02', region: 'us-west-2', id: 'June2West' }),
      ],
    ],
    [
      'AWSLogs/123456789012/CloudTrail/us-west-2/',
      [logObjectKey({ date: '2024-06-02', region: 'us-west-2', id: 'June2West' })],
    ],
    [
      'AWSLogs/o-a1b2c3d4e5',
      [
        logObjectKey({
          date: '2024-06-02',
          organizationId: 'o-a1b2c3d4e5',
          accountId: '444455556666',
          id: 'Org1',
        }),
      ],
    ],
    [
      'AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/01',
      [logObjectKey({ date: '2024-06-01', id: 'June1' })],
    ],
  ])('starts at a folder of the layout: %s', async (prefix, expected) => {
    const result = await list(prefix, '2024-06-01', '2024-06-30');

    expect(result.keys).toEqual(expected);
  });

  it('refuses a prefix that is not a folder of the layout', async () => {
    await expect(list('AWSLogs/123456789012/CloudTrail-Digest')).rejects.toThrow(
      "is not a folder of CloudTrail's layout",
    );
  });
});
