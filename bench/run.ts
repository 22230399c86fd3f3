import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureLogFile } from './log-generator';

/**
 * `npm run bench`: reads generated CloudTrail logs of 50 MB and 500 MB (decompressed) three ways,
 * each in its own process (the median of three runs), and checks the targets as ratios measured
 * side by side in this run.
 * Exits 1 when a target is missed.
 */
const MB = 2 ** 20;
const DATA_DIR = join(import.meta.dirname, '.data');
const SIZES_MB = [50, 500] as const;

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

const fileOf = (sizeMb: number) => join(DATA_DIR, `cloudtrail-${sizeMb}mb.json.gz`);
for (const sizeMb of SIZES_MB) {
  process.stdout.write(`preparing ${fileOf(sizeMb)} (${sizeMb} MB decompressed)...\n`);
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
  process.stdout.write(
    `${`${mode} ${sizeMb} MB`.padEnd(18)} ${result.seconds.toFixed(2).padStart(7)} s  ${throughput.padStart(9)}  ` +
      `peak RSS ${result.peakRssMb.toFixed(0).padStart(5)} MB  heap ${result.peakHeapMb.toFixed(0).padStart(5)} MB  ` +
      `ML events ${result.events}${result.error ? `  error: ${result.error}` : ''}\n`,
  );
}

const get = (key: string) => results[key] as CaseResult;
const targets = [
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
let failed = 0;
process.stdout.write('\n');
for (const target of targets) {
  const ok = target.pass(target.value);
  if (!ok) failed += 1;
  process.stdout.write(
    `${ok ? 'PASS' : 'MISS'}  ${target.name}: ${target.value.toFixed(2)} (target ${target.goal})\n`,
  );
}
process.exitCode = failed > 0 ? 1 : 0;
