import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DynamoDbLocalError,
  findFreePort,
  LOCAL_CORS_ORIGIN,
  startDynamoDbLocal,
} from '../../cli/local/dynamodb-local-server';
import { PROJECT_ROOT } from '../support/factories';
import { isListening } from '../support/ports';
import { isRunning, runningDescendants, waitUntil } from '../support/processes';
import { runMltrail, temporaryFolder } from './cli-harness';

const JAVA_START_TIMEOUT_MS = 30_000;
// The watchdog gives Java 5 s to exit after SIGTERM before it kills it.
const JAVA_EXIT_TIMEOUT_MS = 15_000;

const starters: ChildProcess[] = [];

// A failed test must not leave its script (and so its Java) running.
afterEach(() => {
  for (const child of starters.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Starter {
  readonly child: ChildProcess;
  /** Lines the process printed so far. */
  readonly lines: () => string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs, in a Node process of its own, a script that starts DynamoDB Local, prints
 * `{"javaPid": N}` and then runs `then`.
 */
function startInOwnProcess(label: string, then: string): Starter {
  const script = [
    `import { startDynamoDbLocal } from ${JSON.stringify(join(PROJECT_ROOT, 'cli/local/dynamodb-local-server.ts'))};`,
    'const server = await startDynamoDbLocal();',
    'console.log(JSON.stringify({ javaPid: server.pid }));',
    then,
  ].join('\n');
  const file = join(temporaryFolder(label), `${label}.mts`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  starters.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines: () => stdout.split('\n').filter((line) => line.length > 0), exited };
}

async function printedJavaPid(starter: Starter): Promise<number> {
  const { child } = starter;
  await waitUntil(
    'the script printed the Java pid',
    () => starter.lines().length > 0 || child.exitCode !== null || child.signalCode !== null,
    JAVA_START_TIMEOUT_MS,
  );
  const [first] = starter.lines();
  if (first === undefined) throw new Error('the script exited before it printed the Java pid');
  return (JSON.parse(first) as { javaPid: number }).javaPid;
}

function waitUntilGone(pid: number): Promise<void> {
  return waitUntil(`Java (pid ${pid}) has exited`, () => !isRunning(pid), JAVA_EXIT_TIMEOUT_MS);
}

describe('DynamoDB Local launcher', () => {
  let blocker: Server;
  let busyPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    busyPort = await findFreePort();
    blocker = createServer((socket) => {
      sockets.add(socket);
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => blocker.listen(busyPort, '0.0.0.0', resolve));
  });

  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('fails naming a busy port it was told to use, rather than take another program for DynamoDB Local', async () => {
    await expect(startDynamoDbLocal({ port: busyPort })).rejects.toThrow(`port ${busyPort} is in use`);
  });

  it('stops its Java server and waits for it to exit', async () => {
    const server = await startDynamoDbLocal();

    await server.stop();

    expect(isRunning(server.pid)).toBe(false);
    await expect(isListening(server.port)).resolves.toBe(false);
  });

  it('stops its Java server when the process that started it crashes', async () => {
    const starter = startInOwnProcess('crash', "throw new Error('crash');");

    const javaPid = await printedJavaPid(starter);
    const exit = await starter.exited;

    expect(exit.code).not.toBe(0);
    await waitUntilGone(javaPid);
  });

  it('stops its Java server when the process that started it is killed with SIGKILL', async () => {
    const starter = startInOwnProcess('sigkill', 'setInterval(() => {}, 60_000);');
    const javaPid = await printedJavaPid(starter);

    starter.child.kill('SIGKILL');
    const exit = await starter.exited;

    expect(exit.signal).toBe('SIGKILL');
    await waitUntilGone(javaPid);
  });

  it('stops its Java server when the process that started it is interrupted during start-up', async () => {
    const starter = startInOwnProcess('sigint', 'setInterval(() => {}, 60_000);');
    const pid = starter.child.pid as number;
    let javaPids: number[] = [];
    await waitUntil(
      'Java has started',
      () => {
        javaPids = runningDescendants(pid, 'java');
        return javaPids.length > 0;
      },
      JAVA_START_TIMEOUT_MS,
    );

    starter.child.kill('SIGINT');
    const exit = await starter.exited;

    expect(exit.signal).toBe('SIGINT');
    expect(starter.lines()).toEqual([]);
    expect(javaPids).toHaveLength(1);
    await waitUntilGone(javaPids[0] as number);
  });

  it('lets no web page but a local one call the store from a browser', async () => {
    const preflight = (origin: string) =>
      fetch(inject('dynamoDbEndpoint'), {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-amz-target',
        },
      });

    const foreign = await preflight('http://attacker.example');
    const local = await preflight(LOCAL_CORS_ORIGIN);

    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(local.headers.get('access-control-allow-origin')).toBe(LOCAL_CORS_ORIGIN);
  });

  it('says what to install when java is missing, in one line', async () => {
    const path = process.env.PATH;
    process.env.PATH = temporaryFolder('no-java');
    try {
      const started = startDynamoDbLocal();

      await expect(started).rejects.toBeInstanceOf(DynamoDbLocalError);
      await expect(started).rejects.toThrow('java not found: install a Java 17 runtime');
    } finally {
      process.env.PATH = path;
    }
  });

  it('makes mltrail exit 1 with that line when the embedded store cannot start', async () => {
    const path = process.env.PATH;
    process.env.PATH = temporaryFolder('no-java');
    try {
      const run = await runMltrail([
        'ingest',
        temporaryFolder('logs'),
        '--data-dir',
        temporaryFolder('data'),
      ]);

      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^error: java not found: install a Java 17 runtime[^\n]*\n$/);
    } finally {
      process.env.PATH = path;
    }
  });
});
