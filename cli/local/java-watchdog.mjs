// Runs a command (DynamoDB Local's Java) and stops it when this process's standard input closes.
// The process that started this watchdog holds the other end of that pipe, and the kernel closes
// it when that process ends for any reason (a crash, SIGKILL, Ctrl-C during start-up), so the
// command never outlives it.
//
//   node java-watchdog.mjs <command> [args...]
//
// Writes one JSON line to stdout: {"pid": <pid of the command>} once it has started, or
// {"spawnError": {"code": "ENOENT", "message": "..."}} when it could not start. The command's
// stderr is this process's stderr. SIGTERM, SIGINT and SIGHUP stop the command; the watchdog
// exits once the command has, with its exit code (128 + the signal number when killed).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** How long the command has to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
let killTimer;
let finished = false;

function stopChild() {
  if (finished || killTimer !== undefined) return;
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

child.once('spawn', () => process.stdout.write(`${JSON.stringify({ pid: child.pid })}\n`));
child.once('error', (error) => {
  process.stdout.write(`${JSON.stringify({ spawnError: { code: error.code, message: error.message } })}\n`);
  finish(1);
});
child.once('exit', (code, signal) => finish(code ?? 128 + (constants.signals[signal] ?? 0)));

// End of input, or a failed write to stdout, means the parent is gone.
process.stdin.once('end', stopChild);
process.stdin.once('close', stopChild);
process.stdin.once('error', stopChild);
process.stdout.once('error', stopChild);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stopChild);
