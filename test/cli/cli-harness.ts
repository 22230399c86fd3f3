import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { type CliContext, processContext, type SqsSender } from '../../cli/cli-context';
import { runCli } from '../../cli/program';

/** A CLI run's exit code and what it wrote. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Parts of the context a test replaces. */
export interface CliOverrides {
  readonly createSqsClient?: CliContext['createSqsClient'];
  readonly createS3Client?: CliContext['createS3Client'];
  readonly env?: NodeJS.ProcessEnv;
  readonly isTTY?: boolean;
}

/** Runs the CLI in this process with captured output. */
export async function runMltrail(args: readonly string[], overrides: CliOverrides = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const real = processContext();
  const context: CliContext = {
    ...real,
    ...overrides,
    env: overrides.env ?? real.env,
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      isTTY: overrides.isTTY ?? false,
      columns: 120,
      write: (text: string) => {
        stderr += text;
      },
    },
  };
  const exitCode = await runCli(args, context);
  return { exitCode, stdout, stderr };
}

/** The lines of JSON output, parsed. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

const temporaryFolders: string[] = [];

// Registered when a test file imports this module: the file's folders go when its tests are done.
afterAll(() => {
  for (const folder of temporaryFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file's tests. */
export function temporaryFolder(label: string): string {
  const folder = mkdtempSync(join(tmpdir(), `mltrail-${label}-`));
  temporaryFolders.push(folder);
  return folder;
}

/** Writes files (key -> bytes) below a folder. */
export function writeTree(root: string, files: Readonly<Record<string, Buffer | string>>): void {
  for (const [key, bytes] of Object.entries(files)) {
    const path = join(root, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}

/** An SQS client stand-in: answers each command with `respond` and keeps every command sent. */
export function stubSqsClient(
  respond: (command: { constructor: { name: string }; input: unknown }) => unknown,
) {
  const commands: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      commands.push({ name: command.constructor.name, input: command.input as Record<string, unknown> });
      return respond(command);
    },
  } as unknown as SqsSender;
  return { client, commands };
}

/** Wraps an S3 client and keeps the prefix of every ListObjectsV2 request. */
export function recordListedPrefixes(s3: S3Client): { client: S3Client; prefixes: string[] } {
  const prefixes: string[] = [];
  const send = s3.send.bind(s3);
  const client = Object.create(s3) as S3Client;
  client.send = ((command: { constructor: { name: string }; input: { Prefix?: string } }) => {
    if (command.constructor.name === 'ListObjectsV2Command') prefixes.push(command.input.Prefix ?? '');
    return send(command as never);
  }) as S3Client['send'];
  return { client, prefixes };
}
