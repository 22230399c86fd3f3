import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

/** Share of records that belong to catalogued ML services, as in a busy mixed account. */
export const ML_EVENT_SHARE = 0.02;

const OTHER_SOURCES = [
  's3.amazonaws.com',
  'ec2.amazonaws.com',
  'sts.amazonaws.com',
  'kms.amazonaws.com',
  'lambda.amazonaws.com',
];
const ML_SOURCES = ['sagemaker.amazonaws.com', 'bedrock.amazonaws.com', 'comprehend.amazonaws.com'];

/** A deterministic pseudo-random sequence, so every run reads the same file. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One generated record: its text and, for an ML service's, the fields its item is keyed by. */
interface GeneratedRecord {
  readonly text: string;
  /** Set for records of catalogued ML services. */
  readonly mlEventKey?: string;
}

/**
 * What identifies an ML event, from the record fields the table's key is made of: for the sources
 * generated here (one per service), distinct keys are distinct items.
 */
export function mlEventKey(event: { eventID: string }): string {
  return event.eventID;
}

function generateRecord(n: number, random: () => number, mlShare = ML_EVENT_SHARE): GeneratedRecord {
  const isMl = random() < mlShare;
  const sources = isMl ? ML_SOURCES : OTHER_SOURCES;
  const eventSource = sources[Math.floor(random() * sources.length)] as string;
  const second = String(n % 60).padStart(2, '0');
  const minute = String(Math.floor(n / 60) % 60).padStart(2, '0');
  const eventTime = `2024-06-02T20:${minute}:${second}Z`;
  const eventID = `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const text = JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${n % 50}:session-${n % 7}`,
      arn: `arn:aws:sts::123456789012:assumed-role/Role${n % 50}/session-${n % 7}`,
      accountId: '123456789012',
      accessKeyId: `ASIAEXAMPLE${n % 1000}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROAEXAMPLE${n % 50}`,
          arn: `arn:aws:iam::123456789012:role/Role${n % 50}`,
          accountId: '123456789012',
          userName: `Role${n % 50}`,
        },
        attributes: { creationDate: '2024-06-02T19:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime,
    eventSource,
    eventName: isMl ? 'InvokeModel' : 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${n % 250}`,
    userAgent:
      'aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.9 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE',
    requestParameters: {
      bucketName: `bucket-${n % 20}`,
      key: `data/part-${n}.parquet`,
      modelId: isMl ? 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku' : undefined,
      'x-amz-expected-bucket-owner': '123456789012',
    },
    responseElements: null,
    additionalEventData: {
      bytesTransferredIn: 0,
      bytesTransferredOut: 1024 + (n % 4096),
      'x-amz-id-2': 'EXAMPLE'.repeat(8),
    },
    requestID: `REQ${n.toString(16).padStart(12, '0')}`,
    eventID,
    readOnly: true,
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::bucket-${n % 20}/data/part-${n}.parquet` }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '123456789012',
    eventCategory: 'Data',
  });
  return isMl ? { text, mlEventKey: mlEventKey({ eventID }) } : { text };
}

/** The text of a log file of about `bytes` bytes, produced piece by piece. */
export async function* logFileChunks(bytes: number, seed = 42): AsyncGenerator<string> {
  const random = seededRandom(seed);
  yield '{"Records":[';
  let written = 12;
  let n = 0;
  let batch: string[] = [];
  while (written < bytes) {
    const text = (n === 0 ? '' : ',') + generateRecord(n, random).text;
    batch.push(text);
    written += text.length;
    n += 1;
    if (batch.length === 1000) {
      yield batch.join('');
      batch = [];
    }
  }
  yield `${batch.join('')}]}`;
}

/** Writes a gzipped log of about `bytes` decompressed bytes to `path`, unless it is there already. */
export async function ensureLogFile(path: string, bytes: number): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  await pipeline(Readable.from(logFileChunks(bytes)), createGzip({ level: 6 }), createWriteStream(partial));
  renameSync(partial, path);
}

/** The shape of a burst of log files from a busy trail. */
export interface BurstSpec {
  readonly files: number;
  /** Records in each file, duplicates included. */
  readonly recordsPerFile: number;
  /** Share of records that belong to catalogued ML services. @default 0.01 */
  readonly mlShare?: number;
  /** Share of ML events logged a second time later in the same file. @default 0.05 */
  readonly inFileDuplicateShare?: number;
  /** Share of ML events logged again in the next file. @default 0.05 */
  readonly crossFileDuplicateShare?: number;
  /** @default 42 */
  readonly seed?: number;
}

/** One log file of a burst. */
export interface BurstLogFile {
  /** Key in CloudTrail's account layout below `AWSLogs/`. */
  readonly key: string;
  /** The gzipped file, as CloudTrail delivers it. */
  readonly body: Buffer;
  readonly records: number;
  /** Keys of its ML records, once per record: a duplicate is listed again. */
  readonly mlEventKeys: readonly string[];
}

/** What a burst holds, for checking the table against. */
export class BurstTally {
  /** Every ML event, once. */
  readonly distinctMlEventKeys = new Set<string>();
  /** Events that appear in two files (their second item overwrites the first). */
  readonly crossFileDuplicateKeys = new Set<string>();
  files = 0;
  records = 0;
  /** ML records, duplicates included. */
  mlRecords = 0;
  /** ML records that repeat one earlier in the same file. */
  inFileDuplicates = 0;
  /** ML records that repeat one of another file. */
  crossFileDuplicates = 0;
  private readonly seenInEarlierFiles = new Set<string>();

  /** Counts the next file of the burst. */
  add(file: Pick<BurstLogFile, 'records' | 'mlEventKeys'>): void {
    const seenHere = new Set<string>();
    this.files += 1;
    this.records += file.records;
    for (const key of file.mlEventKeys) {
      this.mlRecords += 1;
      if (seenHere.has(key)) {
        this.inFileDuplicates += 1;
      } else if (this.seenInEarlierFiles.has(key)) {
        this.crossFileDuplicates += 1;
        this.crossFileDuplicateKeys.add(key);
      }
      seenHere.add(key);
      this.distinctMlEventKeys.add(key);
    }
    for (const key of seenHere) this.seenInEarlierFiles.add(key);
  }
}

// A repeat lands within this many records of the original: sometimes in the same 25-item write.
const MAX_REPEAT_DISTANCE = 200;
const BURST_DAY = '2024/06/02';

function burstFileKey(index: number): string {
  const account = '123456789012';
  const region = index % 3 === 0 ? 'eu-west-1' : 'us-east-1';
  const minutes = index * 5;
  const hh = String(Math.floor(minutes / 60) % 24).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  const id = `Burst${String(index).padStart(6, '0')}`;
  return `AWSLogs/${account}/CloudTrail/${region}/${BURST_DAY}/${account}_CloudTrail_${region}_20240602T${hh}${mm}Z_${id}.json.gz`;
}

/**
 * The log files of a burst, one at a time, the same for the same spec: records as above, some ML
 * events logged twice in one file and some again in the next file, as CloudTrail may deliver them.
 */
export function* burstLogFiles(spec: BurstSpec): Generator<BurstLogFile> {
  const random = seededRandom(spec.seed ?? 42);
  const mlShare = spec.mlShare ?? 0.01;
  const inFileShare = spec.inFileDuplicateShare ?? 0.05;
  const crossFileShare = spec.crossFileDuplicateShare ?? 0.05;
  let n = 0;
  let carried: GeneratedRecord[] = [];
  for (let fileIndex = 0; fileIndex < spec.files; fileIndex += 1) {
    const due = carried.map((record) => ({ at: Math.floor(random() * spec.recordsPerFile), record }));
    const next: GeneratedRecord[] = [];
    const texts: string[] = [];
    const mlEventKeys: string[] = [];
    const emit = (record: GeneratedRecord) => {
      texts.push(record.text);
      if (record.mlEventKey) mlEventKeys.push(record.mlEventKey);
    };
    while (texts.length < spec.recordsPerFile) {
      const repeat = due.findIndex((entry) => entry.at <= texts.length);
      if (repeat !== -1) {
        emit((due.splice(repeat, 1)[0] as { record: GeneratedRecord }).record);
        continue;
      }
      const record = generateRecord(n, random, mlShare);
      n += 1;
      emit(record);
      if (!record.mlEventKey) continue;
      if (random() < inFileShare) {
        due.push({ at: texts.length + Math.floor(random() * MAX_REPEAT_DISTANCE), record });
      }
      if (random() < crossFileShare) next.push(record);
    }
    carried = next;
    yield {
      key: burstFileKey(fileIndex),
      body: gzipSync(`{"Records":[${texts.join(',')}]}`),
      records: texts.length,
      mlEventKeys,
    };
  }
}

/** What {@link ensureBurstFiles} wrote, for checking a table against. */
export interface BurstManifest {
  readonly spec: BurstSpec;
  /** Keys of the files, in upload order; each file is at `<dir>/<key>`. */
  readonly keys: readonly string[];
  readonly records: number;
  readonly mlRecords: number;
  readonly inFileDuplicates: number;
  readonly crossFileDuplicates: number;
  readonly distinctMlEventKeys: readonly string[];
  readonly crossFileDuplicateKeys: readonly string[];
  readonly compressedBytes: number;
}

const MANIFEST = 'manifest.json';

/** Writes the files of a burst below `dir` with a manifest, unless a manifest of the same spec is there. */
export function ensureBurstFiles(dir: string, spec: BurstSpec): BurstManifest {
  const manifestPath = join(dir, MANIFEST);
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BurstManifest;
    if (JSON.stringify(manifest.spec) === JSON.stringify(spec)) return manifest;
  }
  rmSync(dir, { recursive: true, force: true });
  const tally = new BurstTally();
  const keys: string[] = [];
  let compressedBytes = 0;
  for (const file of burstLogFiles(spec)) {
    tally.add(file);
    keys.push(file.key);
    compressedBytes += file.body.length;
    mkdirSync(dirname(join(dir, file.key)), { recursive: true });
    writeFileSync(join(dir, file.key), file.body);
  }
  const manifest: BurstManifest = {
    spec,
    keys,
    records: tally.records,
    mlRecords: tally.mlRecords,
    inFileDuplicates: tally.inFileDuplicates,
    crossFileDuplicates: tally.crossFileDuplicates,
    distinctMlEventKeys: [...tally.distinctMlEventKeys],
    crossFileDuplicateKeys: [...tally.crossFileDuplicateKeys],
    compressedBytes,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return manifest;
}

/**
 * The text of a log file holding one record of about `recordBytes` bytes, most of it in
 * requestParameters as many small objects (a pipeline definition, say): the costliest shape to
 * parse for its size.
 */
export function largeRecordLogText(recordBytes: number, eventSource: string): string {
  const head = JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::123456789012:assumed-role/PipelineRole/session',
      accountId: '123456789012',
    },
    eventTime: '2024-06-02T20:15:00Z',
    eventSource,
    eventName: 'CreatePipeline',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-python/1.34.0',
    requestID: 'large-record-request',
    eventID: `large-record-${recordBytes}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
  });
  const steps: string[] = [];
  let size = head.length;
  for (let n = 0; size < recordBytes; n += 1) {
    const step = `{"name":"step-${n}","type":"Processing","inputs":["s3://bucket/data/part-${n}.parquet"],"retry":${n % 3}}`;
    steps.push(step);
    size += step.length + 1;
  }
  return `{"Records":[${head.slice(0, -1)},"requestParameters":{"pipelineName":"large","steps":[${steps.join(',')}]}}]}`;
}

/** Writes a gzipped {@link largeRecordLogText} to `path`, unless it is there already. */
export function ensureLargeRecordLogFile(path: string, recordBytes: number, eventSource: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.partial`, gzipSync(largeRecordLogText(recordBytes, eventSource)));
  renameSync(`${path}.partial`, path);
}
