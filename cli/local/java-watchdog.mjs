// Runs a command (DynamoDB Local's Java) and stops it when this process's standard input closes.
// The process that started this watchdog holds the other end of that pipe, and the kernel closes
// it when that process ends for any reason (a crash, SIGKILL, Ctrl-C during start-up), so the
// command never outlives it.
//
//   node java-watchdog.mjs [--session-log <file>] <command> [args...]
//
// Writes one JSON line to stdout: {"pid": <pid of the command>} once it has started, or
// {"spawnError": {"code": "ENOENT", "message": "..."}} when it could not start. The command's
// stderr is this process's stderr, its stdout follows on this process's stdout. SIGTERM, SIGINT
// and SIGHUP stop the command; the watchdog exits once the command has, with its exit code
// (128 + the signal number when killed).
//
// With --session-log, the command runs in a session of its own (no terminal's Ctrl-C reaches it)
// with its stdout and stderr appended to <file>, and the line "release" on standard input lets it
// go: the watchdog exits 0 and the command runs on, on its own (a store that stops when idle).
// Until then it is watched as above, so that a start-up cut short leaves nothing behind.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { constants } from 'node:os';

/** How long the command has to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

const argv = process.argv.slice(2);
const logFile = argv[0] === '--session-log' ? argv[1] : undefined;
const [command, ...args] = logFile === undefined ? argv : argv.slice(2);
const log = logFile === undefined ? undefined : openSync(logFile, 'a', 0o600);
const child = spawn(command, args, {
  stdio: log === undefined ? ['ignore', 'pipe', 'inherit'] : ['ignore', log, log],
  detached: log !== undefined,
});
child.stdout?.pipe(process.stdout, { end: false });
let killTimer;
let finished = false;
let released = false;

function stopChild() {
  if (finished || released || killTimer !== undefined) return;
  child.kill('SIGTERM');
  killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
}

function finish(exitCode) {
  finished = true;
  clearTimeout(killTimer);
  process.exitCode = exitCode;
  // Nothing else holds the event loop open: the process exits once stdout is flushed.
  process.stdin.destroy();
}

function release() {
  if (finished || killTimer !== undefined) return;
  released = true;
  child.removeAllListeners('exit');
  child.unref();
  finish(0);
}

child.once('spawn', () => process.stdout.write(`${JSON.stringify({ pid: child.pid })}\n`));
child.once('error', (error) => {
  process.stdout.write(`${JSON.stringify({ spawnError: { code: error.code, message: error.message } })}\n`);
  finish(1);
});
child.once('exit', (code, signal) => finish(code ?? 128 + (constants.signals[signal] ?? 0)));

let input = '';
process.stdin.on('data', (chunk) => {
  input += chunk.toString();
  if (log !== undefined && input.split('\n').includes('release')) release();
});
// End of input, or a failed write to stdout, means the parent is gone.
process.stdin.once('end', stopChild);
process.stdin.once('close', stopChild);
process.stdin.once('error', stopChild);
process.stdout.once('error', stopChild);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stopChild);
