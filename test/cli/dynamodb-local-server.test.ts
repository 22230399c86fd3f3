import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DynamoDbLocalError,
  findFreePort,
  LOCAL_CORS_ORIGIN,
  startDynamoDbLocal,
} from '../../cli/local/dynamodb-local-server';
import { PROJECT_ROOT } from '../support/factories';
import { isListening } from '../support/ports';
import { runMltrail, temporaryFolder } from './cli-harness';

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

  it('stops its Java server when the process that started it crashes', async () => {
    const script = [
      `import { startDynamoDbLocal } from ${JSON.stringify(join(PROJECT_ROOT, 'cli/local/dynamodb-local-server.ts'))};`,
      'const server = await startDynamoDbLocal();',
      'console.log(server.port);',
      "throw new Error('crash');",
    ].join('\n');
    const file = join(temporaryFolder('crash'), 'crash.mts');
    writeFileSync(file, script);

    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });

    const port = Number(run.stdout.trim());
    expect(run.status).not.toBe(0);
    expect(port).toBeGreaterThan(0);
    await expect(isListening(port)).resolves.toBe(false);
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
      const run = await runMltrail(['query', '--service', 'forecast', '--data-dir', temporaryFolder('data')]);

      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^error: java not found: install a Java 17 runtime[^\n]*\n$/);
    } finally {
      process.env.PATH = path;
    }
  });
});
