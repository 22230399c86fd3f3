import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { formatCapacityReport, runCapacityModel } from './capacity';
import { measureHandlerBundle } from './handler-bundle';
import { MEMORY_BATCH_FILES, runHandlerMemoryCases } from './handler-memory';
import { runLocalStoreCases } from './local-store';
import { type BurstSpec, ensureBurstFiles } from './log-generator';
import { ensureResampledLogFile, type ResampledLogManifest } from './resampled-log';

/**
 * `npm run bench [-- reader|write|bundle|load|memory|localstore ...] [--quick] [--json]` (all of them when
 * none is named):
 * - reader: resampled CloudTrail logs (real sample records, fresh ids, bursts of one call: about
 *   10x gzip) of 100 MB and 1 GB at 1%, 10% and 50% ML records, read four ways, each run in a
 *   process of its own: `limit` (gunzip alone), `naive` (whole-file JSON.parse + filter),
 *   `parse-kept` (the function's split and its parse of each ML record, no normalization: the
 *   ceiling of a reader that parses what it keeps; reported, not a target), `mltrail` (the
 *   function's reader); CPU time from process.cpuUsage(), every thread counted;
 * - write: mltrail's writer and one PutItem per event against a stand-in endpoint on loopback
 *   answering after 10 ms;
 * - bundle: the handler bundle as `cdk synth` builds it: bytes, cold import time;
 * - load: a burst of 500 log files of 2,000 records through s3rver, the local queue and four
 *   handlers into DynamoDB Local; checks that every ML event is stored once and no message is lost;
 * - memory: the handler's peak RSS for an SQS batch of ten large files, per case;
 * - localstore: the wall time of one `mltrail query` process against the kept embedded store, side
 *   by side with the same query against a DynamoDB Local already running (and, for comparison,
 *   with a store started per command);
 * - capacity (`--capacity`, alone): the write capacity model of the table and its indexes for a hot
 *   InvokeModel workload (see capacity.ts); `--json` prints the report as JSON.
 * `--quick`: only the 100 MB 1% reader case (about a minute). `--json`: one JSON object on stdout
 * instead of the table. Targets are ratios measured side by side in the run; exits 1 when one is
 * missed.
 */
const MB = 2 ** 20;
const DATA_DIR = join(import.meta.dirname, '.data');
const GROUPS = ['reader', 'write', 'bundle', 'load', 'memory', 'localstore'] as const;
const LOAD_SPEC: BurstSpec = { files: 500, recordsPerFile: 2_000, seed: 42 };
const LOAD_CONCURRENCY = 4;
/** The function has 512 MB; this leaves room for a record near the limit and the runtime. */
const MAX_HANDLER_PEAK_RSS_MB = 400;
const READER_MODES = ['limit', 'naive', 'parse-kept', 'mltrail'] as const;
const SIZES_MB = [100, 1024] as const;
const ML_PERCENTS = [1, 10, 50] as const;
/** Processes per mode on a 100 MB file (the median counts); a 1 GB file is read by one. */
const RUNS_PER_SMALL_CASE = 3;
/**
 * Reads of a 100 MB file per process: the last one counts, as a function's container reads a file
 * once it has read others; the first (on a cold process) is reported beside it. A 1 GB read is
 * long enough to warm up in: one.
 */
const PASSES_PER_SMALL_RUN = 3;

interface Target {
  readonly name: string;
  readonly value: number;
  readonly pass: (value: number) => boolean;
  readonly goal: string;
}

/** What one process printed for one read. */
interface CaseRun {
  readonly mode: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly coldSeconds: number;
  readonly coldCpuSeconds: number;
  readonly passes: number;
  readonly records: number;
  readonly peakRssMb: number;
  readonly events: number;
  readonly eventIdsSha256: string;
  readonly error?: string;
}

/** One mode on one file, as reported. */
interface ModeFigures {
  readonly mbPerS: number;
  readonly cpuMbPerS: number;
  /** CPU MB/s of the first read of a fresh process (the same as cpuMbPerS when it read once). */
  readonly coldCpuMbPerS: number;
  /** Records of the file per wall second (gunzip alone parses none: the rate it would allow). */
  readonly recordsPerS: number;
  readonly peakRssMb: number;
  /** ML events found, and whether exactly the generated ones, in order; absent for `limit`, which looks for none. */
  readonly events?: number;
  readonly sameEventsAsGenerated?: boolean;
  readonly error?: string;
}

type CaseFigures = Record<(typeof READER_MODES)[number], ModeFigures>;

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const quick = args.includes('--quick');
const requested = args.filter((arg) => !arg.startsWith('--'));
// With --json the table goes to stderr, so that stdout holds the one object.
const write = (text: string) => (asJson ? process.stderr : process.stdout).write(text);

/** The case script, bundled once as the function is: no TypeScript loader in the measured process. */
async function bundleReaderCase(): Promise<string> {
  const outfile = join(DATA_DIR, 'reader-case.mjs');
  mkdirSync(DATA_DIR, { recursive: true });
  await build({
    entryPoints: [join(import.meta.dirname, 'reader-case.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

function runOnce(script: string, mode: string, path: string, passes: number): CaseRun {
  const output = execFileSync(
    process.execPath,
    ['--max-old-space-size=4096', script, mode, path, String(passes)],
    {
      encoding: 'utf8',
      maxBuffer: 16 * MB,
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1) as string) as CaseRun;
}

/** The run with the median CPU time of a few, so that one noisy run does not decide a ratio. */
function runCase(script: string, mode: string, path: string, runs: number, passes: number): CaseRun {
  const all = Array.from({ length: runs }, () => runOnce(script, mode, path, passes));
  all.sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  return all[Math.floor(all.length / 2)] as CaseRun;
}

function figuresOf(mode: string, run: CaseRun, manifest: ResampledLogManifest): ModeFigures {
  const mb = manifest.decompressedBytes / MB;
  return {
    mbPerS: run.error ? 0 : mb / run.seconds,
    cpuMbPerS: run.error ? 0 : mb / run.cpuSeconds,
    coldCpuMbPerS: run.error ? 0 : mb / run.coldCpuSeconds,
    recordsPerS: run.error ? 0 : manifest.records / run.seconds,
    peakRssMb: run.peakRssMb,
    ...(mode === 'limit'
      ? {}
      : {
          events: run.events,
          sameEventsAsGenerated:
            run.eventIdsSha256 === manifest.mlEventIdsSha256 && run.events === manifest.mlRecords,
        }),
    ...(run.error ? { error: run.error } : {}),
  };
}

const caseName = (sizeMb: number, mlPercent: number) =>
  `${sizeMb >= 1024 ? `${sizeMb / 1024}gb` : `${sizeMb}mb`}-${mlPercent}pct-ml`;

async function runReaderCases(report: Record<string, unknown>): Promise<Target[]> {
  const script = await bundleReaderCase();
  const cases = quick
    ? [[100, 1] as const]
    : SIZES_MB.flatMap((sizeMb) => ML_PERCENTS.map((mlPercent) => [sizeMb, mlPercent] as const));
  const results: Record<string, CaseFigures> = {};
  const ratios: string[] = [];
  for (const [sizeMb, mlPercent] of cases) {
    const name = caseName(sizeMb, mlPercent);
    const path = join(DATA_DIR, `resampled-${name}.json.gz`);
    write(`preparing ${path}...\n`);
    const manifest = await ensureResampledLogFile(path, sizeMb * MB, mlPercent / 100);
    const gzipRatio = manifest.decompressedBytes / manifest.compressedBytes;
    ratios.push(`${name}: ${gzipRatio.toFixed(1)}x`);
    write(
      `${name}: ${(manifest.decompressedBytes / MB).toFixed(0)} MB (${(manifest.compressedBytes / MB).toFixed(1)} MB gzipped, ` +
        `${gzipRatio.toFixed(1)}x), ${manifest.records} records, ${manifest.mlRecords} ML\n`,
    );
    const runs = sizeMb >= 1024 ? 1 : RUNS_PER_SMALL_CASE;
    const figures = {} as Record<string, ModeFigures>;
    for (const mode of READER_MODES) {
      const passes = sizeMb >= 1024 ? 1 : PASSES_PER_SMALL_RUN;
      const result = figuresOf(mode, runCase(script, mode, path, runs, passes), manifest);
      figures[mode] = result;
      write(
        `  ${mode.padEnd(10)} ${result.error ? 'failed'.padStart(20) : `${result.mbPerS.toFixed(0).padStart(5)} MB/s, CPU ${result.cpuMbPerS.toFixed(0).padStart(4)} MB/s (cold ${result.coldCpuMbPerS.toFixed(0).padStart(4)})`}  ` +
          `${(result.recordsPerS / 1000).toFixed(0).padStart(5)}k records/s  peak RSS ${result.peakRssMb.toFixed(0).padStart(5)} MB` +
          `${mode === 'limit' ? '' : `  ML events ${result.events}${result.sameEventsAsGenerated ? ' (as generated)' : ' (NOT as generated)'}`}` +
          `${result.error ? `  error: ${result.error}` : ''}\n`,
      );
    }
    results[name] = figures as CaseFigures;
    const { limit, mltrail, 'parse-kept': parseKept } = figures as CaseFigures;
    write(
      `  mltrail / gunzip alone, CPU: ${(mltrail.cpuMbPerS / limit.cpuMbPerS).toFixed(2)}; ` +
        `first read of a fresh process: ${(mltrail.coldCpuMbPerS / limit.coldCpuMbPerS).toFixed(2)}; ` +
        `parse-kept / gunzip alone: ${(parseKept.cpuMbPerS / limit.cpuMbPerS).toFixed(2)}; ` +
        `mltrail / parse-kept: ${(mltrail.cpuMbPerS / parseKept.cpuMbPerS).toFixed(2)}\n`,
    );
  }
  report.reader = results;
  report.gzipRatios = ratios;

  const targets: Target[] = [];
  const cpuRatio = (name: string, over: 'limit' | 'naive') =>
    (results[name]?.mltrail.cpuMbPerS ?? 0) / (results[name]?.[over].cpuMbPerS || Number.NaN);
  for (const name of Object.keys(results)) {
    const figures = results[name] as CaseFigures;
    const mlPercent = Number(/-(\d+)pct/.exec(name)?.[1]);
    if (mlPercent === 1 || mlPercent === 50) {
      const goal = mlPercent === 1 ? 0.5 : 0.3;
      targets.push({
        name: `reader ${name}: mltrail / gunzip alone, CPU MB/s`,
        value: cpuRatio(name, 'limit'),
        pass: (ratio) => ratio >= goal,
        goal: `>= ${goal}`,
      });
    }
    targets.push({
      name: `reader ${name}: the events found are the generated ones (mltrail, parse-kept${figures.naive.error ? '' : ' and naive'})`,
      value: Number(
        figures.mltrail.sameEventsAsGenerated &&
          figures['parse-kept'].sameEventsAsGenerated &&
          (figures.naive.error !== undefined || figures.naive.sameEventsAsGenerated),
      ),
      pass: (same) => same === 1,
      goal: '= 1',
    });
  }
  if (results[caseName(100, 1)]) {
    targets.push({
      name: `reader ${caseName(100, 1)}: mltrail / whole-file JSON.parse, CPU MB/s`,
      value: cpuRatio(caseName(100, 1), 'naive'),
      pass: (ratio) => ratio >= 2,
      goal: '>= 2',
    });
  }
  for (const mlPercent of ML_PERCENTS) {
    const small = results[caseName(100, mlPercent)];
    const large = results[caseName(1024, mlPercent)];
    if (!small || !large) continue;
    targets.push({
      name: `reader ${caseName(1024, mlPercent)}: mltrail peak RSS (MB)`,
      value: large.mltrail.peakRssMb,
      pass: (mb) => mb <= 128,
      goal: '<= 128',
    });
    targets.push({
      name: `reader ${mlPercent}% ML: mltrail peak RSS 1 GB / 100 MB`,
      value: large.mltrail.peakRssMb / small.mltrail.peakRssMb,
      pass: (ratio) => ratio <= 1.2,
      goal: '<= 1.2',
    });
  }
  return targets;
}

interface WriteFigures {
  readonly mltrailItemsPerS: number;
  readonly mltrailCpuMsPerItem: number;
  readonly putItemItemsPerS: number;
  readonly putItemCpuMsPerItem: number;
}

async function runWriteCase(report: Record<string, unknown>): Promise<Target[]> {
  const path = join(DATA_DIR, 'resampled-write-50pct-ml.json.gz');
  await ensureResampledLogFile(path, 16 * MB, 0.5);
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'write-case.ts'), path, '5000', '300'],
    { encoding: 'utf8', maxBuffer: 16 * MB, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const figures = JSON.parse(output.trim().split('\n').at(-1) as string) as WriteFigures;
  report.write = figures;
  write(
    `write (stand-in endpoint answering after 10 ms): mltrail ${figures.mltrailItemsPerS.toFixed(0)} items/s, ` +
      `CPU ${figures.mltrailCpuMsPerItem.toFixed(3)} ms/item; one PutItem per event ${figures.putItemItemsPerS.toFixed(0)} items/s, ` +
      `CPU ${figures.putItemCpuMsPerItem.toFixed(3)} ms/item\n`,
  );
  return [
    {
      name: 'write: mltrail / one PutItem per event, items/s',
      value: figures.mltrailItemsPerS / figures.putItemItemsPerS,
      pass: (ratio) => ratio >= 10,
      goal: '>= 10',
    },
  ];
}

async function runBundleCase(report: Record<string, unknown>): Promise<Target[]> {
  const figures = await measureHandlerBundle(join(DATA_DIR, 'handler-bundle'));
  report.bundle = figures;
  write(
    `bundle: ${(figures.bytes / 1024).toFixed(0)} KB (source map ${(figures.sourceMapBytes / 1024).toFixed(0)} KB), ` +
      `cold import ${figures.coldImportMs.toFixed(0)} ms (${figures.coldImportSourceMapsMs.toFixed(0)} ms with source maps; ` +
      `a Logger-only function ${figures.referenceColdImportMs.toFixed(0)} ms, ratio ${figures.coldImportRatio.toFixed(2)}; ` +
      `Logger and the DynamoDB client alone ${figures.dynamoDbClientColdImportMs.toFixed(0)} ms), ` +
      `credential providers: ${figures.credentialProviders.join(', ')}\n`,
  );
  return [
    { name: 'bundle: bytes', value: figures.bytes, pass: (bytes) => bytes <= 300 * 1024, goal: '<= 307200' },
    { name: 'bundle: cold import (ms)', value: figures.coldImportMs, pass: (ms) => ms <= 40, goal: '<= 40' },
    {
      name: 'bundle: credential providers other than the environment',
      value: figures.credentialProviders.filter((name) => !name.endsWith('-env')).length,
      pass: (count) => count === 0,
      goal: '= 0',
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

if (args.includes('--capacity')) {
  const capacity = runCapacityModel();
  process.stdout.write(
    asJson ? `${JSON.stringify(capacity, null, 2)}\n` : `${formatCapacityReport(capacity).join('\n')}\n`,
  );
  const overLimit = capacity.targets.filter(
    (target) => target.peakWcuPerKeyValueSecond > capacity.maxWcuPerKeyValue,
  );
  for (const target of overLimit)
    process.stderr.write(
      `MISS  ${target.target}: ${target.peakWcuPerKeyValueSecond} WCU on one key value in one second\n`,
    );
  process.exit(overLimit.length > 0 || capacity.typicalInvokeModel.wruDefaultIndexes > 3 ? 1 : 0);
}
const unknown = requested.filter((group) => !(GROUPS as readonly string[]).includes(group));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench case(s): ${unknown.join(', ')}; choose from ${GROUPS.join(', ')}\n`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : quick ? ['reader'] : GROUPS;
const report: Record<string, unknown> = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  date: new Date().toISOString(),
};
const targets: Target[] = [];
if (selected.includes('reader')) targets.push(...(await runReaderCases(report)));
if (selected.includes('write')) targets.push(...(await runWriteCase(report)));
if (selected.includes('bundle')) targets.push(...(await runBundleCase(report)));
if (selected.includes('load')) targets.push(...runLoadCase());
if (selected.includes('memory')) targets.push(...(await runMemoryCases()));
if (selected.includes('localstore')) targets.push(...(await runLocalStoreGroup()));

let failed = 0;
write('\n');
const outcomes = targets.map((target) => {
  const pass = target.pass(target.value);
  if (!pass) failed += 1;
  write(`${pass ? 'PASS' : 'MISS'}  ${target.name}: ${target.value.toFixed(2)} (target ${target.goal})\n`);
  return { name: target.name, value: target.value, goal: target.goal, pass };
});
report.targets = outcomes;
if (asJson) process.stdout.write(`${JSON.stringify(report)}\n`);
process.exitCode = failed > 0 ? 1 : 0;
