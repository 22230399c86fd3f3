import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../cli/commands/local';
import { type LocalStoreState, stopLocalStore } from '../../cli/local/local-store';
import { createDynamoDbReadClient } from '../../lambda/adapters/aws-clients';
import { waitUntil } from '../support/processes';
import { type CliProcess, javaProcessesOf, spawnCli, spawnMltrail } from '../support/store-processes';
import { temporaryFolder } from './cli-harness';

const START_TIMEOUT_MS = 90_000;
// The watchdog gives Java 5 s after SIGTERM; the machine may be busy.
const GONE_TIMEOUT_MS = 30_000;
const KEPT = { MLTRAIL_STORE_IDLE_SECONDS: '600' };

const processes: CliProcess[] = [];
const dataDirs: string[] = [];

afterEach(() => {
  for (const cli of processes.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

// A failed test must not leave a kept store for its idle timeout.
afterAll(async () => {
  for (const dataDir of dataDirs) await stopLocalStore(dataDir);
});

function dataDir(label: string): string {
  const dir = temporaryFolder(label);
  dataDirs.push(dir);
  return dir;
}

function run(args: readonly string[], env: Record<string, string>): CliProcess {
  const cli = spawnMltrail(args, env);
  processes.push(cli);
  return cli;
}

async function succeeds(cli: CliProcess): Promise<string> {
  const exit = await cli.exited;
  if (exit.code !== 0) throw new Error(`mltrail exited ${exit.code ?? exit.signal}: ${cli.output()}`);
  return cli.output();
}

function stateOf(dir: string): LocalStoreState {
  return JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')) as LocalStoreState;
}

function javaOf(dir: string): Promise<void> {
  return waitUntil(`a Java of ${dir} runs`, () => javaProcessesOf(dir).length > 0, START_TIMEOUT_MS);
}

function noJavaOf(dir: string, timeoutMs = GONE_TIMEOUT_MS): Promise<void> {
  return waitUntil(`no Java of ${dir} is left`, () => javaProcessesOf(dir).length === 0, timeoutMs);
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const nonLoopbackAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === 'IPv4')?.address;

describe('the kept embedded store', () => {
  it('is reused by the next command, which then answers without starting Java', async () => {
    const dir = dataDir('reuse');
    await succeeds(run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir], KEPT));
    const first = stateOf(dir);

    const output = await succeeds(run(['query', '--service', 'forecast', '--data-dir', dir], KEPT));

    expect(output).toContain('CreateDataset');
    expect(stateOf(dir).pid).toBe(first.pid);
    expect(javaProcessesOf(dir)).toEqual([first.pid]);
    await stopLocalStore(dir);
  });

  it('is not taken for the store of another data folder', async () => {
    const served = dataDir('served');
    const other = dataDir('other');
    await succeeds(run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', served], KEPT));
    await succeeds(run(['ingest', join(BUNDLED_SAMPLES_DIR, 'AWSLogs'), '--data-dir', other], KEPT));
    const ownPid = stateOf(other).pid;
    await stopLocalStore(other);
    // A state file copied from another folder names a live store that serves that folder.
    copyFileSync(join(served, 'store.json'), join(other, 'store.json'));

    await succeeds(run(['query', '--service', 'forecast', '--data-dir', other], KEPT));

    expect(stateOf(other).pid).not.toBe(stateOf(served).pid);
    expect(stateOf(other).pid).not.toBe(ownPid);
    await stopLocalStore(served);
    await stopLocalStore(other);
  });

  it('listens on loopback only, and serves only requests signed with its token', async () => {
    const dir = dataDir('loopback');
    await succeeds(run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir], KEPT));
    const state = stateOf(dir);
    const endpoint = `http://127.0.0.1:${state.port}`;
    const client = (accessKeyId: string) =>
      createDynamoDbReadClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey: accessKeyId },
      });

    const withToken = await client(state.token).send(new ListTablesCommand({}));
    const withoutToken = client('local').send(new ListTablesCommand({}));

    expect(withToken.TableNames).toContain('mltrail-events');
    await expect(withoutToken).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(connects('127.0.0.1', state.port)).resolves.toBe(true);
    if (nonLoopbackAddress === undefined) {
      console.warn('no non-loopback IPv4 address on this machine: the refused-connection check is skipped');
    } else {
      await expect(connects(nonLoopbackAddress, state.port)).resolves.toBe(false);
    }
    await stopLocalStore(dir);
  });

  it('writes its state file for its owner only', async () => {
    const dir = dataDir('state-mode');

    await succeeds(run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir], KEPT));

    expect(statSync(join(dir, 'store.json')).mode & 0o077).toBe(0);
    await stopLocalStore(dir);
  });

  it('is stopped by mltrail local stop, and local status says whether it runs', async () => {
    const dir = dataDir('stop');
    await succeeds(run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir], KEPT));
    const running = await succeeds(run(['local', 'status', '--data-dir', dir], KEPT));

    const stopped = await succeeds(run(['local', 'stop', '--data-dir', dir], KEPT));
    const after = await succeeds(run(['local', 'status', '--data-dir', dir], KEPT));

    expect(running).toMatch(/^running: DynamoDB Local at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
    expect(stopped).toMatch(/^stopped the store of .* \(pid \d+\)/);
    expect(javaProcessesOf(dir)).toEqual([]);
    expect(after).toMatch(/^not running: no store serves /);
    expect(existsSync(join(dir, 'store.json'))).toBe(false);
  });

  it('exits by itself after its idle timeout, though the command that started it was killed with SIGKILL', async () => {
    const dir = dataDir('idle');
    const serve = run(['local', '--serve', '--data-dir', dir], { MLTRAIL_STORE_IDLE_SECONDS: '3' });
    await waitUntil('the pipeline serves', () => serve.output().includes('press Ctrl-C'), START_TIMEOUT_MS);
    const { pid } = stateOf(dir);

    serve.child.kill('SIGKILL');
    await serve.exited;

    expect(javaProcessesOf(dir)).toEqual([pid]);
    await noJavaOf(dir, 60_000);
    expect(existsSync(join(dir, 'store.json'))).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)(
    'leaves no Java behind when the command is sent %s during start-up',
    async (signal) => {
      const dir = dataDir(`startup-${signal}`);
      const ingest = run(['ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir], KEPT);
      await javaOf(dir);

      ingest.child.kill(signal);
      await ingest.exited;

      await noJavaOf(dir);
      expect(existsSync(join(dir, 'store.json'))).toBe(false);
    },
  );
});

describe('the embedded store that stops with its command (MLTRAIL_STORE_IDLE_SECONDS=0)', () => {
  it('leaves no Java behind when the npm wrapper is sent SIGTERM', async () => {
    const dir = dataDir('npm-sigterm');
    const npm = spawnCli('npm', ['run', '-s', 'mltrail', '--', 'local', '--serve', '--data-dir', dir], {
      MLTRAIL_STORE_IDLE_SECONDS: '0',
    });
    processes.push(npm);
    await waitUntil('the pipeline serves', () => npm.output().includes('press Ctrl-C'), START_TIMEOUT_MS);
    expect(javaProcessesOf(dir)).toHaveLength(1);

    npm.child.kill('SIGTERM');
    await npm.exited;

    await noJavaOf(dir);
  });

  it('leaves no Java behind when the npm wrapper is sent SIGTERM during start-up', async () => {
    const dir = dataDir('npm-startup');
    const npm = spawnCli(
      'npm',
      ['run', '-s', 'mltrail', '--', 'ingest', BUNDLED_SAMPLES_DIR, '--data-dir', dir],
      {
        MLTRAIL_STORE_IDLE_SECONDS: '0',
      },
    );
    processes.push(npm);
    await javaOf(dir);

    npm.child.kill('SIGTERM');
    await npm.exited;

    await noJavaOf(dir);
  });
});
