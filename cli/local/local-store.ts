import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../../lambda/core/errors';
import type { StaticCredentials } from '../aws-endpoints';
import {
  JAVA_WATCHDOG,
  killQuietly,
  LOCAL_CORS_ORIGIN,
  readReports,
  startDynamoDbLocal,
} from './dynamodb-local-server';
import {
  DynamoDbLocalError,
  dynamoDbLocalJavaArgs,
  EXIT_FOLDER_LOCKED,
  javaSpawnError,
} from './java-launcher';

/** Environment variable: seconds the embedded store stays up after its last request; 0 stops it with the command. */
export const STORE_IDLE_SECONDS_VARIABLE = 'MLTRAIL_STORE_IDLE_SECONDS';
/** Ten minutes: a session of queries reuses one store; an idle one gives its memory back. */
export const DEFAULT_STORE_IDLE_SECONDS = 600;
const STARTUP_TIMEOUT_MS = 60_000;
const POLL_MS = 50;
const REQUEST_TIMEOUT_MS = 2_000;
/** After `stop`, how long the store has to exit before it is killed. */
const STOP_TIMEOUT_MS = 15_000;
const MAX_HEARTBEAT_MS = 60_000;

/** The store's folder of database files, inside the data folder. */
export function storeDirOf(dataDir: string): string {
  return join(dataDir, 'dynamodb');
}

/** What a running store wrote about itself (`<data dir>/store.json`, mode 0600). */
export interface LocalStoreState {
  readonly pid: number;
  readonly port: number;
  readonly token: string;
  readonly dbPath: string;
  readonly idleTimeoutSeconds: number;
  readonly startedAt: string;
}

/** What a running store says of itself. */
export interface LocalStoreStatus {
  readonly pid: number;
  readonly port: number;
  readonly dbPath: string;
  readonly idleTimeoutSeconds: number;
  readonly idleSeconds: number;
  readonly requestsInFlight: number;
}

/** A store this command may use. */
export interface LocalStoreConnection {
  readonly endpoint: string;
  /** The access key id is the store's token: the store serves no other. */
  readonly credentials: StaticCredentials;
  readonly pid: number;
  /** Whether this command started it (else it was running already). */
  readonly started: boolean;
  /** 0 when the store stops with this command. */
  readonly idleTimeoutSeconds: number;
  /** Done with the store: a kept store keeps running until idle, a command's own one stops. */
  release(): Promise<void>;
}

/** The idle timeout from the environment; a value that is not a whole number of seconds fails. */
export function storeIdleSecondsOf(env: NodeJS.ProcessEnv): number {
  const text = env[STORE_IDLE_SECONDS_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_STORE_IDLE_SECONDS;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new ConfigurationError(
      `${STORE_IDLE_SECONDS_VARIABLE} must be a whole number of seconds (0: stop the store with each command), got "${text}"`,
    );
  }
  return seconds;
}

function stateFileOf(dataDir: string): string {
  return join(dataDir, 'store.json');
}

function readState(dataDir: string): LocalStoreState | undefined {
  try {
    return JSON.parse(readFileSync(stateFileOf(dataDir), 'utf8')) as LocalStoreState;
  } catch (error) {
    // Written by an atomic rename, so either absent or whole; anything else is not ours.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: another user's process took the pid, so not our store.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/** Calls one of the store's own paths (see loopback-dynamodb-local.java); undefined when it does not answer. */
function callStore(
  state: Pick<LocalStoreState, 'port' | 'token'>,
  method: 'GET' | 'POST',
  path: string,
): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolvePromise) => {
    const call = request(
      {
        host: '127.0.0.1',
        port: state.port,
        method,
        path,
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          Authorization: `AWS4-HMAC-SHA256 Credential=${state.token}/19700101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => {
          try {
            resolvePromise(
              response.statusCode === 200 ? (JSON.parse(body) as Record<string, unknown>) : undefined,
            );
          } catch {
            resolvePromise(undefined);
          }
        });
      },
    );
    call.on('timeout', () => call.destroy());
    call.on('error', () => resolvePromise(undefined));
    call.end();
  });
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * The store that serves `dataDir`, when one runs and answers with its token for that very folder;
 * `touch` counts the check as a use, so the store cannot reach its idle timeout in between.
 */
async function runningStore(
  dataDir: string,
  touch: boolean,
): Promise<{ state: LocalStoreState; status: LocalStoreStatus } | undefined> {
  const state = readState(dataDir);
  if (!state) return undefined;
  const status = isAlive(state.pid)
    ? ((await callStore(state, touch ? 'POST' : 'GET', touch ? '/mltrail/touch' : '/mltrail/status')) as
        | LocalStoreStatus
        | undefined)
    : undefined;
  if (status && status.pid === state.pid && sameFolder(status.dbPath, storeDirOf(dataDir))) {
    return { state, status };
  }
  return undefined;
}

function credentialsOf(token: string): StaticCredentials {
  return { accessKeyId: token, secretAccessKey: token };
}

function connectionTo(state: LocalStoreState, started: boolean): LocalStoreConnection {
  // A command that holds the store longer than its idle timeout (a long ingest's quiet spells,
  // `local --serve`) keeps it up; a missed beat only means the next request says the store is gone.
  const beat = setInterval(
    () => void callStore(state, 'POST', '/mltrail/touch'),
    Math.min((state.idleTimeoutSeconds * 1_000) / 3, MAX_HEARTBEAT_MS),
  );
  beat.unref();
  return {
    endpoint: `http://127.0.0.1:${state.port}`,
    credentials: credentialsOf(state.token),
    pid: state.pid,
    started,
    idleTimeoutSeconds: state.idleTimeoutSeconds,
    async release() {
      clearInterval(beat);
    },
  };
}

function newToken(): string {
  // DynamoDB Local takes access key ids of letters and digits only.
  return randomBytes(24).toString('hex');
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

function waitForClose(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => child.once('close', (code) => resolvePromise(code)));
}

function logTail(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'store.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts a store that outlives this command until it has been idle for `idleTimeoutSeconds`. Java
 * runs under the watchdog until the store has written its state file, so that a start-up cut
 * short (Ctrl-C, SIGTERM, SIGKILL of this process) leaves no Java behind; then the watchdog lets
 * it go, and the store's own idle timer ends it.
 */
async function startKeptStore(dataDir: string, idleTimeoutSeconds: number): Promise<LocalStoreConnection> {
  // Absolute, so that its command line names the folder whatever the current folder (see stop).
  const storeDir = resolve(storeDirOf(dataDir));
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const token = newToken();
  const args = await dynamoDbLocalJavaArgs({
    port: 0,
    idleTimeoutSeconds,
    stateFile: resolve(stateFileOf(dataDir)),
    dataDir: storeDir,
    corsOrigin: LOCAL_CORS_ORIGIN,
  });
  const watchdog = spawn(
    process.execPath,
    [JAVA_WATCHDOG, '--session-log', join(dataDir, 'store.log'), 'java', ...args],
    { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, MLTRAIL_STORE_TOKEN: token } },
  );
  let spawnError: DynamoDbLocalError | undefined;
  readReports(watchdog.stdout, (report) => {
    if (report.spawnError) spawnError = javaSpawnError(report.spawnError);
  });
  let exitCode: number | null | undefined;
  void waitForClose(watchdog).then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const state = readState(dataDir);
    if (state?.token === token) {
      watchdog.stdin?.end('release\n');
      await waitForClose(watchdog);
      return connectionTo(state, true);
    }
    if (spawnError) throw spawnError;
    if (exitCode === EXIT_FOLDER_LOCKED) return waitForOtherStart(dataDir, deadline);
    if (exitCode !== undefined) {
      throw new DynamoDbLocalError(`DynamoDB Local exited with code ${exitCode}: ${logTail(dataDir)}`);
    }
    if (Date.now() > deadline) {
      watchdog.kill('SIGTERM');
      await waitForClose(watchdog);
      throw new DynamoDbLocalError(`DynamoDB Local did not listen within ${STARTUP_TIMEOUT_MS} ms`);
    }
    await sleep(POLL_MS);
  }
}

// Another command is starting the store of this folder (it holds the folder's lock): use theirs.
async function waitForOtherStart(dataDir: string, deadline: number): Promise<LocalStoreConnection> {
  for (;;) {
    const running = await runningStore(dataDir, true);
    if (running) return connectionTo(running.state, false);
    if (Date.now() > deadline) {
      throw new DynamoDbLocalError(
        `another store holds ${join(dataDir, 'store.json.lock')} but does not answer: mltrail local stop --data-dir ${dataDir}`,
      );
    }
    await sleep(POLL_MS * 4);
  }
}

/**
 * The embedded store of `dataDir` for one command: the running one when there is one (checked:
 * alive, answering with its token, serving this folder), otherwise a new one, which stays up for
 * `idleTimeoutSeconds` after its last request (0: it stops with the command).
 */
export async function openLocalStore(
  dataDir: string,
  idleTimeoutSeconds: number,
): Promise<LocalStoreConnection> {
  const running = await runningStore(dataDir, true);
  if (running) return connectionTo(running.state, false);
  if (idleTimeoutSeconds > 0) return startKeptStore(dataDir, idleTimeoutSeconds);
  const token = newToken();
  const server = await startDynamoDbLocal({ dataDir: storeDirOf(dataDir), accessKeyId: token });
  return {
    endpoint: server.endpoint,
    credentials: credentialsOf(token),
    pid: server.pid,
    started: true,
    idleTimeoutSeconds: 0,
    release: () => server.stop(),
  };
}

/** The running store of `dataDir` and what it says of itself, or undefined. */
export async function localStoreStatus(
  dataDir: string,
): Promise<{ state: LocalStoreState; status: LocalStoreStatus } | undefined> {
  return runningStore(dataDir, false);
}

function commandLineOf(pid: number): string {
  const listing = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  return listing.status === 0 ? listing.stdout.trim() : '';
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * Stops the kept store of `dataDir` and waits until its process has exited; returns its pid, or
 * undefined when none ran. A store that no longer answers is stopped by signal when its command
 * line names this folder (never another process that took its pid).
 */
export async function stopLocalStore(dataDir: string): Promise<number | undefined> {
  const state = readState(dataDir);
  if (!state) return undefined;
  const answered = (await runningStore(dataDir, false)) !== undefined;
  const ours =
    answered || (isAlive(state.pid) && commandLineOf(state.pid).includes(resolve(storeDirOf(dataDir))));
  if (!ours) {
    rmSync(stateFileOf(dataDir), { force: true });
    return undefined;
  }
  if (answered) await callStore(state, 'POST', '/mltrail/stop');
  else killQuietly(state.pid, 'SIGTERM');
  if (!(await waitUntilGone(state.pid, STOP_TIMEOUT_MS))) {
    killQuietly(state.pid, 'SIGKILL');
    await waitUntilGone(state.pid, STOP_TIMEOUT_MS);
  }
  if (existsSync(stateFileOf(dataDir)) && readState(dataDir)?.token === state.token) {
    rmSync(stateFileOf(dataDir), { force: true });
  }
  return state.pid;
}
