import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';

/**
 * Log files made of the real sample records (test/fixtures/real-samples), resampled: each record
 * is a copy of a real one with a fresh eventID, requestID, eventTime, source address and access
 * key, and records come in bursts of the same call, as a busy trail logs them. That gives the
 * gzip ratio of real logs (about 10x), where records of one template compress far better.
 */
const REAL_RECORDS = join(import.meta.dirname, '../test/fixtures/real-samples/records.jsonl');
// A burst repeats one call this many times on average (a client paging, a job polling).
const MEAN_BURST_RECORDS = 6;

type JsonObject = Record<string, unknown>;

interface Templates {
  readonly ml: readonly JsonObject[];
  readonly other: readonly JsonObject[];
}

function readTemplates(): Templates {
  const ml: JsonObject[] = [];
  const other: JsonObject[] = [];
  for (const line of readFileSync(REAL_RECORDS, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { record } = JSON.parse(line) as { record: unknown };
    if (typeof record !== 'object' || record === null) continue;
    const eventSource = (record as JsonObject).eventSource;
    if (typeof eventSource !== 'string') continue;
    (DEFAULT_SERVICE_CATALOGUE.has(eventSource) ? ml : other).push(record as JsonObject);
  }
  return { ml, other };
}

/** A deterministic pseudo-random sequence, so every run reads the same file. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    state = (state ^ (state >>> 12)) >>> 0;
    return state / 2 ** 32;
  };
}

const hex = (random: () => number, digits: number) => {
  let text = '';
  for (let n = 0; n < digits; n++) text += Math.floor(random() * 16).toString(16);
  return text;
};

/** What a generated log holds, for checking a reader against. */
export interface ResampledLogManifest {
  readonly records: number;
  readonly mlRecords: number;
  /** sha256 of the ML records' eventIDs, one a line, in file order. */
  readonly mlEventIdsSha256: string;
  readonly decompressedBytes: number;
  readonly compressedBytes: number;
}

/** The text of a log of about `bytes` bytes with `mlShare` of its records from ML services. */
async function* resampledLogChunks(
  bytes: number,
  mlShare: number,
  seed: number,
  tally: { records: number; mlRecords: number; hash: ReturnType<typeof createHash>; bytes: number },
): AsyncGenerator<string> {
  const templates = readTemplates();
  const random = seededRandom(seed);
  const start = Date.parse('2024-06-02T20:00:00Z');
  let millis = 0;
  yield '{"Records":[';
  tally.bytes = 12;
  let batch: string[] = [];
  let burstLeft = 0;
  let template: JsonObject = templates.other[0] as JsonObject;
  let isMl = false;
  let burstIp = '';
  let burstKey = '';
  while (tally.bytes < bytes) {
    if (burstLeft === 0) {
      isMl = random() < mlShare;
      const pool = isMl ? templates.ml : templates.other;
      template = pool[Math.floor(random() * pool.length)] as JsonObject;
      // Geometric, at least one: the share of ML records stays mlShare.
      burstLeft = 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / MEAN_BURST_RECORDS));
      burstIp = `${10 + Math.floor(random() * 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
      burstKey = `ASIA${hex(random, 16).toUpperCase()}`;
    }
    burstLeft -= 1;
    millis += Math.floor(random() * 40);
    const eventID = `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
    const record: JsonObject = {
      ...template,
      eventTime: new Date(start + millis).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      sourceIPAddress: random() < 0.7 ? burstIp : template.sourceIPAddress,
      requestID: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`,
      eventID,
    };
    const identity = template.userIdentity as JsonObject | undefined;
    if (identity && typeof identity === 'object' && 'accessKeyId' in identity) {
      record.userIdentity = { ...identity, accessKeyId: burstKey };
    }
    const text = (tally.records === 0 ? '' : ',') + JSON.stringify(record);
    if (isMl) {
      tally.mlRecords += 1;
      tally.hash.update(`${eventID}\n`);
    }
    tally.records += 1;
    tally.bytes += text.length;
    batch.push(text);
    if (batch.length === 1000) {
      yield batch.join('');
      batch = [];
    }
  }
  tally.bytes += 2;
  yield `${batch.join('')}]}`;
}

/**
 * Writes a gzipped resampled log of about `bytes` decompressed bytes to `path` with its manifest
 * beside it (`<path>.manifest.json`), unless both are there already; returns the manifest.
 */
export async function ensureResampledLogFile(
  path: string,
  bytes: number,
  mlShare: number,
  seed = 7,
): Promise<ResampledLogManifest> {
  const manifestPath = `${path}.manifest.json`;
  if (existsSync(path) && existsSync(manifestPath)) {
    return JSON.parse(readFileSync(manifestPath, 'utf8')) as ResampledLogManifest;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tally = { records: 0, mlRecords: 0, hash: createHash('sha256'), bytes: 0 };
  const partial = `${path}.partial`;
  await pipeline(
    Readable.from(resampledLogChunks(bytes, mlShare, seed, tally)),
    createGzip({ level: 6 }),
    createWriteStream(partial),
  );
  renameSync(partial, path);
  const manifest: ResampledLogManifest = {
    records: tally.records,
    mlRecords: tally.mlRecords,
    mlEventIdsSha256: tally.hash.digest('hex'),
    decompressedBytes: tally.bytes,
    compressedBytes: statSync(path).size,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return manifest;
}
