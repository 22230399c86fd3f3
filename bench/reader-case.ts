import { createReadStream, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ingestLogFile } from '../lambda/core/ingest-log-file';
import { readLogRecords } from '../lambda/core/log-file-reader';
import { findRecordDefect, toMlEvent } from '../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';

/**
 * One measured read of a log file, in a process of its own so that its memory is its own.
 * Prints one JSON line: mode, decompressed MB, seconds, peak RSS and heap (MB), ML events.
 *
 * Modes: `mltrail` (the streaming reader with cheap rejection, as the function runs it),
 * `parse-all` (the same stream, but every record parsed), `naive` (gunzip the whole file, then
 * JSON.parse it: what most scripts do).
 */
const [mode, path] = process.argv.slice(2) as [string, string];
const catalogue = DEFAULT_SERVICE_CATALOGUE;
const context = { logFile: `file://${path}` };
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
};
const sampler = setInterval(sample, 10);

async function runMltrail(): Promise<number> {
  let events = 0;
  await ingestLogFile(
    { body: createReadStream(path, { highWaterMark: 256 * 1024 }), ...context },
    catalogue,
    {
      put: async () => {
        events += 1;
      },
    },
  );
  return events;
}

async function runParseAll(): Promise<number> {
  let events = 0;
  for await (const raw of readLogRecords(createReadStream(path, { highWaterMark: 256 * 1024 }))) {
    const record = JSON.parse(raw.bytes.toString('utf8')) as Record<string, unknown>;
    const service = catalogue.get(record.eventSource as string);
    if (service && !findRecordDefect(record)) {
      toMlEvent(record, service, context);
      events += 1;
    }
  }
  return events;
}

function runNaive(): number {
  const log = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    Records: Record<string, unknown>[];
  };
  let events = 0;
  for (const record of log.Records) {
    const service = catalogue.get(record.eventSource as string);
    if (service && !findRecordDefect(record)) {
      toMlEvent(record, service, context);
      events += 1;
    }
  }
  return events;
}

const started = process.hrtime.bigint();
let events = 0;
let error: string | undefined;
try {
  events = mode === 'mltrail' ? await runMltrail() : mode === 'parse-all' ? await runParseAll() : runNaive();
} catch (cause) {
  error = (cause as Error).message.slice(0, 120);
}
sample();
clearInterval(sampler);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `${JSON.stringify({
    mode,
    compressedMb: statSync(path).size / 2 ** 20,
    seconds,
    peakRssMb: peakRss / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    events,
    error,
  })}\n`,
);
