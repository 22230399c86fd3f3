import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The folder the samples are written to. */
export const SAMPLES_DIR = dirname(fileURLToPath(import.meta.url));
const SEED_RECORDS_DIR = resolve(SAMPLES_DIR, '../test/fixtures/seed-records');
const DETECTION_RECORDS_DIR = resolve(SAMPLES_DIR, '../test/fixtures/detections');

/** One sample object: its key below the trail bucket and its gzipped bytes. */
export interface SampleFile {
  readonly key: string;
  readonly bytes: Buffer;
}

interface LogFilePlan {
  /** Seed fixture names (without extension) whose records the file holds. */
  readonly seeds: readonly string[];
  readonly accountId: string;
  readonly organizationId?: string;
}

/** The organization id of the sample written in an organization trail's layout. */
export const SAMPLE_ORGANIZATION_ID = 'o-exampleorg1';

/** One log file per seed service; Personalize's in an organization trail's layout. */
const LOG_FILES: readonly LogFilePlan[] = [
  { seeds: ['forecast-create-dataset'], accountId: '111111111111' },
  {
    seeds: ['personalize-list-dataset-groups'],
    accountId: '123456789012',
    organizationId: SAMPLE_ORGANIZATION_ID,
  },
  { seeds: ['iotanalytics-create-dataset', 'iotanalytics-create-channel'], accountId: '123456789012' },
  { seeds: ['lookoutmetrics-describe-anomaly-detector'], accountId: '123456789012' },
  { seeds: ['lookoutvision-create-dataset'], accountId: '123456789012' },
  // A real Bedrock record that the detections alert on (npm start shows the alert).
  { seeds: ['bedrock-delete-model-invocation-logging-configuration'], accountId: '123123123123' },
];

const DIGEST_TRAIL_NAME = 'mltrail-sample';
const DELIVERY_DELAY_MS = 5 * 60_000;

// The Personalize example is published with a missing closing quote after `access-key`.
function readSeed(name: string): Record<string, unknown> {
  if (name.startsWith('bedrock-')) {
    // Published by Panther with the export's time form (`2025-01-21 17:49:47.000000000`); a log
    // file holds CloudTrail's own (`2025-01-21T17:49:47Z`).
    const record = JSON.parse(readFileSync(join(DETECTION_RECORDS_DIR, `${name}.json`), 'utf8'));
    const logged = record.eventTime as string;
    return { ...record, eventTime: `${logged.slice(0, 10)}T${logged.slice(11, 19)}Z` };
  }
  if (name === 'personalize-list-dataset-groups') {
    const text = readFileSync(join(SEED_RECORDS_DIR, `${name}.invalid.json.txt`), 'utf8');
    return JSON.parse(text.replace('"access-key,', '"access-key",'));
  }
  return JSON.parse(readFileSync(join(SEED_RECORDS_DIR, `${name}.json`), 'utf8'));
}

function compactTime(date: Date, seconds: boolean): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${seconds ? iso.slice(17, 19) : ''}Z`;
}

// CloudTrail names a file by its delivery time and a random id; here both derive from the content.
function logFileKey(plan: LogFilePlan, records: readonly Record<string, unknown>[], body: string): string {
  const first = records[0] as { eventTime: string; awsRegion: string };
  const delivered = new Date(Date.parse(first.eventTime) + DELIVERY_DELAY_MS);
  const [year, month, day] = delivered.toISOString().slice(0, 10).split('-');
  const id = createHash('sha256')
    .update(body)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
  const organization = plan.organizationId ? `${plan.organizationId}/` : '';
  const region = first.awsRegion;
  return `AWSLogs/${organization}${plan.accountId}/CloudTrail/${region}/${year}/${month}/${day}/${plan.accountId}_CloudTrail_${region}_${compactTime(delivered, false)}_${id}.json.gz`;
}

// A digest file in CloudTrail's format for one log file; readers must skip it.
function digestFor(log: SampleFile, accountId: string, eventTimes: readonly string[]): SampleFile {
  const region = /\/CloudTrail\/([a-z0-9-]+)\//.exec(log.key)?.[1] as string;
  const start = new Date(Math.floor(Date.parse(eventTimes[0] as string) / 3_600_000) * 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  const [year, month, day] = end.toISOString().slice(0, 10).split('-');
  const key = `AWSLogs/${accountId}/CloudTrail-Digest/${region}/${year}/${month}/${day}/${accountId}_CloudTrail-Digest_${region}_${DIGEST_TRAIL_NAME}_${region}_${compactTime(end, true)}.json.gz`;
  const sorted = [...eventTimes].sort();
  const digest = {
    awsAccountId: accountId,
    digestStartTime: start.toISOString().replace('.000', ''),
    digestEndTime: end.toISOString().replace('.000', ''),
    digestS3Bucket: 'mltrail-local-trail',
    digestS3Object: key,
    digestPublicKeyFingerprint: '00000000000000000000000000000000',
    digestSignatureAlgorithm: 'SHA256withRSA',
    newestEventTime: sorted[sorted.length - 1],
    oldestEventTime: sorted[0],
    previousDigestS3Bucket: null,
    previousDigestS3Object: null,
    previousDigestHashValue: null,
    previousDigestHashAlgorithm: null,
    previousDigestSignature: null,
    logFiles: [
      {
        s3Bucket: 'mltrail-local-trail',
        s3Object: log.key,
        hashValue: createHash('sha256').update(log.bytes).digest('hex'),
        hashAlgorithm: 'SHA-256',
        newestEventTime: sorted[sorted.length - 1],
        oldestEventTime: sorted[0],
      },
    ],
  };
  return { key, bytes: gzipSync(JSON.stringify(digest)) };
}

/**
 * The bundled sample objects: one gzipped log file per seed service, built from the seed records
 * of the project's fixtures, in CloudTrail's key layout, and one digest file. Deterministic: gzip
 * writes no time stamp and names derive from the content.
 */
export function buildSamples(): SampleFile[] {
  const files: SampleFile[] = [];
  for (const plan of LOG_FILES) {
    const records = plan.seeds.map(readSeed);
    const body = JSON.stringify({ Records: records });
    files.push({ key: logFileKey(plan, records, body), bytes: gzipSync(body) });
  }
  const lookoutMetrics = files[3] as SampleFile;
  const seed = readSeed('lookoutmetrics-describe-anomaly-detector') as { eventTime: string };
  files.push(digestFor(lookoutMetrics, '123456789012', [seed.eventTime]));
  return files;
}

/** Rewrites `samples/AWSLogs/` with {@link buildSamples}. */
export function writeSamples(): void {
  rmSync(join(SAMPLES_DIR, 'AWSLogs'), { recursive: true, force: true });
  for (const file of buildSamples()) {
    const path = join(SAMPLES_DIR, file.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.bytes);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeSamples();
  process.stdout.write(`wrote ${buildSamples().length} files under ${join(SAMPLES_DIR, 'AWSLogs')}\n`);
}
