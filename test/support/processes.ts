import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

const POLL_MS = 50;

function processTable(): { pid: number; ppid: number; stat: string; command: string }[] {
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,comm='], { encoding: 'utf8' });
  if (listing.status !== 0) throw new Error(`ps failed: ${listing.stderr || listing.error?.message}`);
  return listing.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([pid, ppid, stat, ...command]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      stat: stat ?? '',
      command: basename(command.join(' ')),
    }));
}

/** Whether the process runs; one that has exited but is not yet reaped (a zombie) does not. */
export function isRunning(pid: number): boolean {
  const entry = processTable().find((row) => row.pid === pid);
  return entry !== undefined && !entry.stat.startsWith('Z');
}

/** The running descendants of `pid` (children, their children...) whose command is `command`. */
export function runningDescendants(pid: number, command: string): number[] {
  const table = processTable();
  const found: number[] = [];
  const parents = [pid];
  for (let parent = parents.pop(); parent !== undefined; parent = parents.pop()) {
    for (const row of table.filter((entry) => entry.ppid === parent)) {
      parents.push(row.pid);
      if (row.command === command && !row.stat.startsWith('Z')) found.push(row.pid);
    }
  }
  return found;
}

/** Polls `condition` until it holds; fails, saying what was awaited, after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
