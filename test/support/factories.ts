import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { it } from 'vitest';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared real CloudTrail corpus beside the project: present on CI, absent on a bare clone. */
export const SHARED_SAMPLES_DIR = resolve(PROJECT_ROOT, '../shared/cloudtrail-samples');
/** Whether {@link SHARED_SAMPLES_DIR} is there; the corpus-wide sweeps run only then. */
export const HAS_SHARED_SAMPLES = existsSync(join(SHARED_SAMPLES_DIR, 'records.jsonl'));
export const SEED_RECORDS_DIR = join(PROJECT_ROOT, 'test/fixtures/seed-records');
export const REAL_SAMPLES_DIR = join(PROJECT_ROOT, 'test/fixtures/real-samples');

/** Where a real sample was published. */
export interface SampleSource {
  readonly repository: string;
  readonly commit: string;
  readonly file: string;
}

/** A real record of `test/fixtures/real-samples/records.jsonl`, with what is odd about it. */
export interface RealRecord {
  readonly shapes: readonly string[];
  readonly source: SampleSource;
  readonly record: Record<string, unknown>;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** Reads a JSON Lines file of the shared corpus; only inside {@link itOverSharedSamples}. */
export function readSharedJsonl<T = unknown>(name: string): T[] {
  if (!HAS_SHARED_SAMPLES)
    throw new Error(`${SHARED_SAMPLES_DIR} not found: read it only in a test of itOverSharedSamples`);
  return readJsonl<T>(join(SHARED_SAMPLES_DIR, name));
}

/**
 * A test over a whole file of the shared corpus. Where the corpus is absent it is skipped, and its
 * title says why, so that a fresh clone passes and shows what it did not run.
 */
export function itOverSharedSamples(title: string, sweep: () => Promise<void> | void): void {
  const reason = `skipped: ${relative(PROJECT_ROOT, SHARED_SAMPLES_DIR)} not found`;
  it.runIf(HAS_SHARED_SAMPLES)(HAS_SHARED_SAMPLES ? title : `${title} (${reason})`, sweep);
}

/** The real records kept as fixtures, a few per odd shape. */
export function readRealRecords(): RealRecord[] {
  return readJsonl<RealRecord>(join(REAL_SAMPLES_DIR, 'records.jsonl'));
}

/** The real CloudTrail-Digest file body kept as a fixture. */
export function readRealDigest(): unknown {
  return JSON.parse(readFileSync(join(REAL_SAMPLES_DIR, 'digest.json'), 'utf8')).body;
}

/** Real code blocks that look like CloudTrail JSON but are not a log file. */
export function readRealMalformedSnippets(): { source: SampleSource; text: string }[] {
  return readJsonl(join(REAL_SAMPLES_DIR, 'malformed-snippets.jsonl'));
}

/** Real S3 keys of CloudTrail objects and folders. */
export function readRealS3Keys(): { key: string; organizationTrail: boolean; source: SampleSource }[] {
  return readJsonl(join(REAL_SAMPLES_DIR, 's3-key-paths.jsonl'));
}

/** Real bare `userIdentity` examples. */
export function readRealUserIdentities(): unknown[] {
  return readJsonl<{ userIdentity: unknown }>(join(REAL_SAMPLES_DIR, 'user-identity-fragments.jsonl')).map(
    (fragment) => fragment.userIdentity,
  );
}

/** The valid seed records, by fixture name (without `.json`). */
/** A JSON fixture of test/fixtures, by file name. */
export function readJsonFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures', name), 'utf8')) as T;
}

export function readSeedRecords(): Record<string, Record<string, unknown>> {
  const records: Record<string, Record<string, unknown>> = {};
  for (const name of readdirSync(SEED_RECORDS_DIR).filter((file) => file.endsWith('.json'))) {
    records[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(SEED_RECORDS_DIR, name), 'utf8'));
  }
  return records;
}

/** The Personalize seed as published: not valid JSON. */
export function readInvalidPersonalizeSeed(): string {
  return readFileSync(join(SEED_RECORDS_DIR, 'personalize-list-dataset-groups.invalid.json.txt'), 'utf8');
}

/** A log file body `{"Records":[...]}` holding the given records (objects or raw JSON texts). */
export function logFileText(records: readonly unknown[]): string {
  const parts = records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record)));
  return `{"Records":[${parts.join(',')}]}`;
}

/** The same, gzipped as CloudTrail delivers it. */
export function gzippedLogFile(records: readonly unknown[]): Buffer {
  return gzipSync(logFileText(records));
}

/** Yields a buffer in chunks of `size` bytes, as a stream would. */
export async function* chunked(bytes: Buffer | string, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

/** A CloudTrail log file key in the account layout, or the organization layout with `organizationId`. */
export function logObjectKey(options: {
  accountId?: string;
  region?: string;
  date?: string;
  organizationId?: string;
  prefix?: string;
  id?: string;
}): string {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const [year, month, day] = (options.date ?? '2024-06-02').split('-');
  const org = options.organizationId ? `${options.organizationId}/` : '';
  const prefix = options.prefix ? `${options.prefix}/` : '';
  const id = options.id ?? 'AbCdEfGh12345678';
  return `${prefix}AWSLogs/${org}${accountId}/CloudTrail/${region}/${year}/${month}/${day}/${accountId}_CloudTrail_${region}_${year}${month}${day}T2020Z_${id}.json.gz`;
}

/** A minimal valid CloudTrail record of a service, for tests that need many. */
export function makeRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:session',
      arn: 'arn:aws:sts::123456789012:assumed-role/MlRole/session',
      accountId: '123456789012',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/MlRole', userName: 'MlRole' },
      },
    },
    eventTime: '2024-06-02T20:15:00Z',
    eventSource: 'sagemaker.amazonaws.com',
    eventName: 'CreateTrainingJob',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { trainingJobName: 'job-1' },
    responseElements: { trainingJobArn: 'arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1' },
    requestID: 'req-1',
    eventID: 'evt-1',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
    recipientAccountId: '123456789012',
    ...overrides,
  };
}

/**
 * An S3 event as EventBridge delivers it (to a rule's SQS or Lambda target), shaped as in
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html; the key is as stored.
 */
export function s3EventBridgeEvent(options: {
  bucket: string;
  key: string;
  detailType?: string;
  /** `null` leaves the size out, as S3 does for deletions. */
  size?: number | null;
}): Record<string, unknown> {
  const size = options.size === undefined ? 1234 : options.size;
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': options.detailType ?? 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2024-06-02T20:20:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${options.bucket}`],
    detail: {
      version: '0',
      bucket: { name: options.bucket },
      object: {
        key: options.key,
        ...(size === null ? {} : { size }),
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: 'cloudtrail.amazonaws.com',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}
