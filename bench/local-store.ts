import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_SAMPLES_DIR } from '../cli/commands/local';
import { startDynamoDbLocal } from '../cli/local/dynamodb-local-server';
import { stopLocalStore } from '../cli/local/local-store';
import { median } from './process-usage';

const PROJECT_ROOT = join(import.meta.dirname, '..');
const WARM_RUNS = 7;
const COLD_RUNS = 3;
const QUERY = ['query', '--service', 'forecast'];

/** One case's median wall time of a whole `mltrail query` process, in seconds. */
export interface LocalStoreFigure {
  readonly name: string;
  readonly medianSeconds: number;
  readonly runs: readonly number[];
}

async function timeMltrail(args: readonly string[], env: Record<string, string>): Promise<number> {
  const started = process.hrtime.bigint();
  const exit = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/mltrail.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (exit.code !== 0) throw new Error(`mltrail ${args.join(' ')} exited ${exit.code}: ${exit.output}`);
  return seconds;
}

async function measure(
  name: string,
  runs: number,
  args: readonly string[],
  env: Record<string, string>,
): Promise<LocalStoreFigure> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) times.push(await timeMltrail(args, env));
  return { name, medianSeconds: median(times), runs: times };
}

/**
 * The same `mltrail query`, each run a whole CLI process as a person types it: against a DynamoDB
 * Local that is already running (`--endpoint`), against the embedded store kept from the previous
 * command, and against an embedded store started for each command (`MLTRAIL_STORE_IDLE_SECONDS=0`,
 * what every command did before the store was kept).
 */
export async function runLocalStoreCases(): Promise<LocalStoreFigure[]> {
  const folder = mkdtempSync(join(tmpdir(), 'mltrail-bench-localstore-'));
  const dataDir = join(folder, 'data');
  const running = await startDynamoDbLocal();
  try {
    const endpoint = ['--endpoint', running.endpoint];
    await timeMltrail(['ingest', BUNDLED_SAMPLES_DIR, ...endpoint], {});
    const kept = { MLTRAIL_STORE_IDLE_SECONDS: '600' };
    await timeMltrail(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dataDir], kept);
    const figures = [
      await measure('running DynamoDB Local (--endpoint)', WARM_RUNS, [...QUERY, ...endpoint], {}),
      await measure('embedded store, kept', WARM_RUNS, [...QUERY, '--data-dir', dataDir], kept),
    ];
    await stopLocalStore(dataDir);
    figures.push(
      await measure('embedded store, started per command', COLD_RUNS, [...QUERY, '--data-dir', dataDir], {
        MLTRAIL_STORE_IDLE_SECONDS: '0',
      }),
    );
    return figures;
  } finally {
    await stopLocalStore(dataDir);
    await running.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
