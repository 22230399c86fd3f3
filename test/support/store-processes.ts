import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from './factories';

/** Pids of the running Java processes whose command line names `folder` (DynamoDB Local's -dbPath). */
export function javaProcessesOf(folder: string): number[] {
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,stat=,comm=,args='], { encoding: 'utf8' });
  if (listing.status !== 0) throw new Error(`ps failed: ${listing.stderr || listing.error?.message}`);
  return listing.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, stat, comm, ...args]) =>
        comm === 'java' && !stat?.startsWith('Z') && args.join(' ').includes(folder),
    )
    .map(([pid]) => Number(pid));
}

/** A CLI process of its own, with what it printed so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `command args` in the project folder with extra environment variables. */
export function spawnCli(command: string, args: readonly string[], env: Record<string, string>): CliProcess {
  const child = spawn(command, [...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** `node --import tsx bin/mltrail.ts args`, as `npx mltrail` runs it. */
export function spawnMltrail(args: readonly string[], env: Record<string, string>): CliProcess {
  return spawnCli(process.execPath, ['--import', 'tsx', 'bin/mltrail.ts', ...args], env);
}
