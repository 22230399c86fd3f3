import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ingestLogFile } from '../lambda/core/ingest-log-file';
import { readLogRecordBatches, readLogRecords } from '../lambda/core/log-file-reader';
import { findRecordDefect, toMlEvent } from '../lambda/core/ml-event';
import { parseRecordJson } from '../lambda/core/record-json';
import { DEFAULT_SERVICE_CATALOGUE, serviceOf } from '../lambda/core/service-catalogue';

/**
 * Measured reads of a log file, in a process of its own so that its memory is its own: `passes`
 * reads one after the other (default 1), the first on a cold process (V8 has compiled nothing
 * yet), the last as a function's container reads a file once it has read others. Prints one JSON
 * line: mode, decompressed MB, seconds and CPU seconds (process.cpuUsage: every thread, zlib's
 * pool included) of the first and of the last read, records, peak RSS (maxRSS, MB) after the
 * first read, ML events and the sha256 of their eventIDs in file order.
 *
 * Modes: `limit` (gunzip alone, the file read in 256 KiB chunks: the floor), `mltrail` (the
 * function's reader, as it runs, on a body handed over as HTTPS delivers it), `parse-kept` (the
 * function's split of the same body, then its parse of each ML record and nothing more: what any
 * reader that parses the records it keeps spends before it normalizes one, the ceiling of
 * mltrail's own design), `parse-all` (the same stream, every record parsed), `naive` (gunzip the
 * whole file, then JSON.parse it and filter: what most scripts do).
 */
const [mode, path, passArgument] = process.argv.slice(2) as [string, string, string | undefined];
const passes = Number(passArgument ?? 1);
const CHUNK_BYTES = 256 * 1024;
/**
 * The function's body arrives as an S3 GetObject response does over HTTPS: in TLS records of 16 KiB,
 * each a buffer of its own (a local HTTPS server's 8 MB response reached a Node client as 511
 * pieces of 16,384 bytes and two shorter ones). The file is read in 1 MiB blocks into one buffer
 * used again, and each record copied out of it: the file system's own cost per read (a thread-pool
 * round trip, about 45 us of CPU per 16 KiB read here, 280 ms per GB of log) is not the reader's,
 * and no block lives long enough to reach V8's old space, as no socket buffer does.
 */
const TLS_RECORD_BYTES = 16 * 1024;
const FILE_BLOCK_BYTES = 1024 * 1024;

async function* httpsLikeBody(file: string): AsyncGenerator<Buffer> {
  const block = Buffer.allocUnsafeSlow(FILE_BLOCK_BYTES);
  const descriptor = openSync(file, 'r');
  try {
    for (let read = readSync(descriptor, block); read > 0; read = readSync(descriptor, block)) {
      for (let offset = 0; offset < read; offset += TLS_RECORD_BYTES) {
        yield Buffer.from(block.subarray(offset, Math.min(read, offset + TLS_RECORD_BYTES)));
      }
    }
  } finally {
    closeSync(descriptor);
  }
}
const catalogue = DEFAULT_SERVICE_CATALOGUE;
const context = { logFile: `file://${path}` };

interface Found {
  decompressedBytes: number;
  records: number;
  events: number;
  readonly ids: ReturnType<typeof createHash>;
}

let found: Found = { decompressedBytes: 0, records: 0, events: 0, ids: createHash('sha256') };
const foundEvent = (eventId: string) => {
  found.events += 1;
  found.ids.update(`${eventId}\n`);
};

async function runLimit(): Promise<void> {
  const gunzip = createReadStream(path, { highWaterMark: CHUNK_BYTES }).pipe(
    createGunzip({ chunkSize: CHUNK_BYTES }),
  );
  for await (const chunk of gunzip) found.decompressedBytes += (chunk as Buffer).length;
}

async function runMltrail(): Promise<void> {
  const body = httpsLikeBody(path);
  const summary = await ingestLogFile({ body, ...context }, catalogue, {
    put: async (item) => foundEvent(item.eventID),
  });
  found.records = summary.records;
}

/** As ingestLogFile splits and parses (its options, its checks), with no normalization after. */
async function runParseKept(): Promise<void> {
  const keepEventSource = (eventSource: string) => serviceOf(catalogue, eventSource) !== undefined;
  const options = { keepEventSource, skippedEventIds: () => false, checkKeptRecords: false };
  for await (const batch of readLogRecordBatches(httpsLikeBody(path), options)) {
    for (const raw of batch) {
      found.records += 1;
      if (raw.skipped || raw.dropped || raw.syntaxError) continue;
      if (!isUtf8(raw.bytes)) throw new Error(`record ${raw.index} is not valid UTF-8`);
      const record = parseRecordJson(raw.bytes.toString('utf8'), raw.holdsNumber) as Record<string, unknown>;
      if (serviceOf(catalogue, record.eventSource as string)) foundEvent(record.eventID as string);
    }
  }
}

async function runParseAll(): Promise<void> {
  for await (const raw of readLogRecords(httpsLikeBody(path))) {
    found.records += 1;
    found.decompressedBytes += raw.bytes.length;
    const record = JSON.parse(raw.bytes.toString('utf8')) as Record<string, unknown>;
    const service = catalogue.get(record.eventSource as string);
    if (service && !findRecordDefect(record)) foundEvent(toMlEvent(record, service, context).eventID);
  }
}

function runNaive(): void {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  found.decompressedBytes = text.length;
  const log = JSON.parse(text) as { Records: Record<string, unknown>[] };
  for (const record of log.Records) {
    found.records += 1;
    const service = catalogue.get(record.eventSource as string);
    if (service && !findRecordDefect(record)) foundEvent(toMlEvent(record, service, context).eventID);
  }
}

interface PassFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function readOnce(): Promise<PassFigures> {
  found = { decompressedBytes: 0, records: 0, events: 0, ids: createHash('sha256') };
  const started = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  if (mode === 'limit') await runLimit();
  else if (mode === 'mltrail') await runMltrail();
  else if (mode === 'parse-kept') await runParseKept();
  else if (mode === 'parse-all') await runParseAll();
  else if (mode === 'naive') runNaive();
  else throw new Error(`unknown mode ${mode}`);
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

const figures: PassFigures[] = [];
let firstPeakRssMb = 0;
let error: string | undefined;
try {
  for (let pass = 0; pass < passes; pass++) {
    figures.push(await readOnce());
    if (pass === 0) firstPeakRssMb = process.resourceUsage().maxRSS / 1024;
  }
} catch (cause) {
  error = (cause as Error).message.slice(0, 120);
  firstPeakRssMb ||= process.resourceUsage().maxRSS / 1024;
}
const cold = figures[0] ?? { seconds: 0, cpuSeconds: 0 };
const warm = figures.at(-1) ?? cold;
process.stdout.write(
  `${JSON.stringify({
    mode,
    compressedMb: statSync(path).size / 2 ** 20,
    seconds: warm.seconds,
    cpuSeconds: warm.cpuSeconds,
    coldSeconds: cold.seconds,
    coldCpuSeconds: cold.cpuSeconds,
    passes: figures.length,
    records: found.records,
    peakRssMb: firstPeakRssMb,
    events: found.events,
    eventIdsSha256: found.ids.digest('hex'),
    error,
  })}\n`,
);
