import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatCapacityReport, runCapacityModel } from './capacity';
import { MEMORY_BATCH_FILES, runHandlerMemoryCases } from './handler-memory';
import { runLocalStoreCases } from './local-store';
import { type BurstSpec, ensureBurstFiles, ensureLogFile } from './log-generator';

/**
 * `npm run bench [-- reader|load|memory|localstore ...]` (all when none is named):
 * - reader: reads generated CloudTrail logs of 50 MB and 500 MB (decompressed) three ways, each in
 *   its own process (the median of three runs), and checks the targets as ratios measured side by
 *   side in this run;
 * - load: a burst of 500 log files of 2,000 records through s3rver, the local queue and four
 *   handlers into DynamoDB Local; checks that every ML event is stored once and no message is lost;
 * - memory: the handler's peak RSS for an SQS batch of ten large files, per case;
 * - localstore: the wall time of one `mltrail query` process against the kept embedded store, side
 *   by side with the same query against a DynamoDB Local already running (and, for comparison,
 *   with a store started per command).
 * - capacity (`--capacity`, alone): the write capacity model of the table and its indexes for a hot
 *   InvokeModel workload (see capacity.ts); `--json` prints the report as JSON.
 * Exits 1 when a target is missed.
 */
const MB = 2 ** 20;
const DATA_DIR = join(import.meta.dirname, '.data');
const SIZES_MB = [50, 500] as const;
const GROUPS = ['reader', 'load', 'memory', 'localstore'] as const;
const LOAD_SPEC: BurstSpec = { files: 500, recordsPerFile: 2_000, seed: 42 };
const LOAD_CONCURRENCY = 4;
/** The function has 512 MB; this leaves room for a record near the limit and the runtime. */
const MAX_HANDLER_PEAK_RSS_MB = 400;

interface Target {
  readonly name: string;
  readonly value: number;
  readonly pass: (value: number) => boolean;
  readonly goal: string;
}

interface CaseResult {
  readonly mode: string;
  readonly compressedMb: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
  readonly events: number;
  readonly error?: string;
}

const RUNS_PER_CASE = 3;

function runOnce(mode: string, path: string): CaseResult {
  const output = execFileSync(
    process.execPath,
    ['--max-old-space-size=8192', '--import', 'tsx', join(import.meta.dirname, 'reader-case.ts'), mode, path],
    { encoding: 'utf8', maxBuffer: 16 * MB },
  );
  return JSON.parse(output.trim().split('\n').at(-1) as string) as CaseResult;
}

/** The run with the median time of a few, so that one noisy run does not decide a ratio. */
function runCase(mode: string, path: string): CaseResult {
  const runs = Array.from({ length: RUNS_PER_CASE }, () => runOnce(mode, path));
  runs.sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor(runs.length / 2)] as CaseResult;
}

const write = (text: string) => process.stdout.write(text);

async function runReaderCases(): Promise<Target[]> {
  const fileOf = (sizeMb: number) => join(DATA_DIR, `cloudtrail-${sizeMb}mb.json.gz`);
  for (const sizeMb of SIZES_MB) {
    write(`preparing ${fileOf(sizeMb)} (${sizeMb} MB decompressed)...\n`);
    await ensureLogFile(fileOf(sizeMb), sizeMb * MB);
  }

  const results: Record<string, CaseResult> = {};
  for (const [mode, sizeMb] of [
    ['mltrail', 50],
    ['mltrail', 500],
    ['parse-all', 500],
    ['naive', 500],
  ] as const) {
    const result = runCase(mode, fileOf(sizeMb));
    results[`${mode}@${sizeMb}`] = result;
    const throughput = result.error ? 'failed' : `${(sizeMb / result.seconds).toFixed(0)} MB/s`;
    write(
      `${`${mode} ${sizeMb} MB`.padEnd(18)} ${result.seconds.toFixed(2).padStart(7)} s  ${throughput.padStart(9)}  ` +
        `peak RSS ${result.peakRssMb.toFixed(0).padStart(5)} MB  heap ${result.peakHeapMb.toFixed(0).padStart(5)} MB  ` +
        `ML events ${result.events}${result.error ? `  error: ${result.error}` : ''}\n`,
    );
  }

  const get = (key: string) => results[key] as CaseResult;
  return [
    {
      name: 'memory does not grow with file size: peak RSS 500 MB / 50 MB',
      value: get('mltrail@500').peakRssMb / get('mltrail@50').peakRssMb,
      pass: (ratio: number) => ratio <= 1.5,
      goal: '<= 1.5',
    },
    {
      name: 'whole-file JSON.parse needs more memory: naive / mltrail peak RSS at 500 MB',
      value: get('naive@500').peakRssMb / get('mltrail@500').peakRssMb,
      pass: (ratio: number) => ratio >= 5,
      goal: '>= 5',
    },
    {
      name: 'cheap rejection pays: parse-all / mltrail time at 500 MB',
      value: get('parse-all@500').seconds / get('mltrail@500').seconds,
      pass: (ratio: number) => ratio >= 1.2,
      goal: '>= 1.2',
    },
    {
      name: 'streaming is faster than whole-file parsing: naive / mltrail time at 500 MB',
      value: get('naive@500').seconds / get('mltrail@500').seconds,
      pass: (ratio: number) => ratio >= 1.2,
      goal: '>= 1.2',
    },
    {
      name: 'same events found all three ways at 500 MB',
      value: Number(
        get('mltrail@500').events === get('naive@500').events &&
          get('naive@500').events === get('parse-all@500').events,
      ),
      pass: (same: number) => same === 1,
      goal: '= 1',
    },
  ];
}

interface LoadFigures {
  readonly files: number;
  readonly records: number;
  readonly mlRecords: number;
  readonly distinctMlEvents: number;
  readonly inFileDuplicates: number;
  readonly crossFileDuplicates: number;
  readonly compressedMb: number;
  readonly seconds: number;
  readonly itemsInTable: number;
  readonly missingItems: number;
  readonly unexpectedItems: number;
  readonly filesIngested: number;
  readonly acknowledgedFiles: number;
  readonly redelivered: number;
  readonly deadLetters: number;
  readonly failedDeliveries: number;
  readonly notDone: number;
  readonly batches: number;
  readonly mostBatchesInFlight: number;
  readonly stream: Readonly<Record<string, number>>;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly dynamoDbCpuSeconds: number;
  readonly dynamoDbPeakRssMb: number;
}

function runLoadCase(): Target[] {
  const dir = join(DATA_DIR, `burst-${LOAD_SPEC.files}x${LOAD_SPEC.recordsPerFile}-seed${LOAD_SPEC.seed}`);
  write(`preparing ${dir} (${LOAD_SPEC.files} files of ${LOAD_SPEC.recordsPerFile} records)...\n`);
  ensureBurstFiles(dir, LOAD_SPEC);
  // execFileSync: nothing in this process serves the child.
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'load-case.ts'), dir, String(LOAD_CONCURRENCY)],
    { encoding: 'utf8', maxBuffer: 16 * MB },
  );
  const load = JSON.parse(output.trim().split('\n').at(-1) as string) as LoadFigures;
  write(
    `load: ${load.files} files (${load.compressedMb.toFixed(0)} MB gzipped), ${load.records} records, ` +
      `${load.mlRecords} ML records of ${load.distinctMlEvents} distinct events ` +
      `(${load.inFileDuplicates} repeats in a file, ${load.crossFileDuplicates} in the next file), ` +
      `${LOAD_CONCURRENCY} handlers (${load.mostBatchesInFlight} busy at most), ${load.batches} batches\n` +
      `  ${load.seconds.toFixed(1)} s: ${(load.files / load.seconds).toFixed(1)} files/s, ` +
      `${(load.records / load.seconds).toFixed(0)} records/s, ${(load.itemsInTable / load.seconds).toFixed(0)} ML events/s\n` +
      `  handlers + s3rver + queue (one process): CPU ${load.cpuSeconds.toFixed(1)} s, peak RSS ${load.peakRssMb.toFixed(0)} MB\n` +
      `  DynamoDB Local: CPU ${load.dynamoDbCpuSeconds.toFixed(1)} s, peak RSS ${load.dynamoDbPeakRssMb.toFixed(0)} MB\n` +
      `  table: ${load.itemsInTable} items (${load.missingItems} missing, ${load.unexpectedItems} unexpected); ` +
      `stream: ${JSON.stringify(load.stream)}\n` +
      `  messages: ${load.acknowledgedFiles} files acknowledged, ${load.filesIngested} ingested, ${load.redelivered} redelivered, ` +
      `${load.failedDeliveries} failed deliveries, ${load.deadLetters} dead-lettered, ${load.notDone} left\n`,
  );
  return [
    {
      name: 'load: one item per distinct ML event (missing + unexpected items)',
      value: load.missingItems + load.unexpectedItems + Math.abs(load.itemsInTable - load.distinctMlEvents),
      pass: (wrong: number) => wrong === 0,
      goal: '= 0',
    },
    {
      name: 'load: no message lost (files not acknowledged as ingested, failed, dead-lettered or left)',
      value:
        load.files -
        Math.min(load.acknowledgedFiles, load.filesIngested) +
        load.failedDeliveries +
        load.deadLetters +
        load.notDone,
      pass: (lost: number) => lost === 0,
      goal: '= 0',
    },
  ];
}

async function runMemoryCases(): Promise<Target[]> {
  write(`memory: peak RSS of the handler given one SQS batch of ${MEMORY_BATCH_FILES} files, per case\n`);
  const results = await runHandlerMemoryCases(DATA_DIR);
  for (const result of results) {
    write(
      `  ${result.name.padEnd(20)} ${result.seconds.toFixed(1).padStart(6)} s  ` +
        `peak RSS ${result.peakRssMb.toFixed(0).padStart(5)} MB  ` +
        `${result.compressedMb.toFixed(1).padStart(5)} MB gzipped each: ${result.description}` +
        `${result.problem ? `  PROBLEM: ${result.problem}` : ''}\n`,
    );
  }
  return results.map((result) => ({
    name: `memory: peak RSS of a batch of ${MEMORY_BATCH_FILES}, ${result.name}${result.problem ? ` (${result.problem})` : ''}`,
    // A case whose files did not all come through measures nothing: it misses.
    value: result.problem ? Number.POSITIVE_INFINITY : result.peakRssMb,
    pass: (mb: number) => mb <= MAX_HANDLER_PEAK_RSS_MB,
    goal: `<= ${MAX_HANDLER_PEAK_RSS_MB} MB`,
  }));
}

/** The kept store answers about as fast as a DynamoDB Local that is already running. */
const MAX_KEPT_STORE_RATIO = 1.5;

async function runLocalStoreGroup(): Promise<Target[]> {
  write('localstore: median wall time of a whole `mltrail query --service forecast` process\n');
  const figures = await runLocalStoreCases();
  for (const figure of figures) {
    write(
      `  ${figure.name.padEnd(40)} ${figure.medianSeconds.toFixed(2).padStart(6)} s  ` +
        `(runs: ${figure.runs.map((seconds) => seconds.toFixed(2)).join(', ')})\n`,
    );
  }
  const [running, kept] = figures;
  return [
    {
      name: 'localstore: kept embedded store / running DynamoDB Local, query wall time',
      value: (kept?.medianSeconds ?? Number.POSITIVE_INFINITY) / (running?.medianSeconds ?? 1),
      pass: (ratio: number) => ratio <= MAX_KEPT_STORE_RATIO,
      goal: `<= ${MAX_KEPT_STORE_RATIO}`,
    },
  ];
}

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
if (flags.has('--capacity')) {
  const report = runCapacityModel();
  write(
    flags.has('--json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${formatCapacityReport(report).join('\n')}\n`,
  );
  const overLimit = report.targets.filter(
    (target) => target.peakWcuPerKeyValueSecond > report.maxWcuPerKeyValue,
  );
  for (const target of overLimit)
    process.stderr.write(
      `MISS  ${target.target}: ${target.peakWcuPerKeyValueSecond} WCU on one key value in one second\n`,
    );
  process.exit(overLimit.length > 0 || report.typicalInvokeModel.wruDefaultIndexes > 3 ? 1 : 0);
}
const requested = process.argv.slice(2);
const unknown = requested.filter((group) => !(GROUPS as readonly string[]).includes(group));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench case(s): ${unknown.join(', ')}; choose from ${GROUPS.join(', ')}\n`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : GROUPS;
const targets: Target[] = [];
if (selected.includes('reader')) targets.push(...(await runReaderCases()));
if (selected.includes('load')) targets.push(...runLoadCase());
if (selected.includes('memory')) targets.push(...(await runMemoryCases()));
if (selected.includes('localstore')) targets.push(...(await runLocalStoreGroup()));

let failed = 0;
write('\n');
for (const target of targets) {
  const ok = target.pass(target.value);
  if (!ok) failed += 1;
  write(`${ok ? 'PASS' : 'MISS'}  ${target.name}: ${target.value.toFixed(2)} (target ${target.goal})\n`);
}
process.exitCode = failed > 0 ? 1 : 0;
