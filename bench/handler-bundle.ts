import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_ENTRY } from '../contract/environment';
import { FUNCTION_BUNDLING } from '../lib/function-bundling';
import { median } from './process-usage';

const PROJECT_ROOT = join(import.meta.dirname, '..');
/** Rounds of fresh processes: the handler, the two references and the handler under source maps in each. */
const COLD_IMPORT_ROUNDS = 9;
const LOGGER_ONLY_ENTRY = 'bench/logger-only-handler.ts';
const DYNAMODB_CLIENT_ENTRY = 'bench/dynamodb-client-handler.ts';

/** The handler bundle as `cdk synth` builds it, and what loading it costs. */
export interface HandlerBundleFigures {
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Median of fresh processes: `require` of the bundle, handler built, clients and all. */
  readonly coldImportMs: number;
  /** The same under `--enable-source-maps`, as the deployed function runs. */
  readonly coldImportSourceMapsMs: number;
  /** Median cold import of a Logger-only function bundled the same way, in the same rounds. */
  readonly referenceColdImportMs: number;
  /** The same of a function that makes the handler's DynamoDB client and logs: the SDK's floor. */
  readonly dynamoDbClientColdImportMs: number;
  /** coldImportMs / referenceColdImportMs: what the handler adds, whatever the CPU. */
  readonly coldImportRatio: number;
  /** Source files in the bundle whose package is a credential provider. */
  readonly credentialProviders: readonly string[];
}

/**
 * Builds `entry` (default: the handler) with the ingest function's bundling options into
 * `outdir`/index.js, loaded as CommonJS as Lambda loads it: a function's directory has no
 * package.json, and the project's says `"type": "module"`, under which Node would load the bundle as
 * an ES module (its exports lost, its compile and load another's).
 */
export async function buildHandlerBundle(outdir: string, entry = HANDLER_ENTRY): Promise<string> {
  const options = FUNCTION_BUNDLING;
  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(options.esbuildArgs ?? {})) {
    const name = /^--alias:(.+)$/.exec(flag)?.[1];
    if (name && typeof value === 'string') alias[name] = value;
  }
  const outfile = join(outdir, 'index.js');
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    mainFields: options.mainFields,
    target: options.target,
    minify: options.minify,
    sourcemap: options.sourceMap,
    sourcesContent: options.sourcesContent,
    alias,
    outfile,
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  return outfile;
}

/** The environment a cold start of the bundle needs: settings and credentials, all made up. */
export const BUNDLE_ENV = {
  PATH: process.env.PATH ?? '',
  MLTRAIL_TABLE_NAME: 'bench-table',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  // The SDK warns once on Node 20; Lambda runs Node 22.
  NODE_NO_WARNINGS: '1',
};

/**
 * Milliseconds a fresh process takes to `require` the bundle, which must export a handler (a bundle
 * that loads but exports nothing would be timed for the wrong work).
 */
export function coldImportMs(bundle: string, nodeOptions: readonly string[] = []): number {
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(bundle)});const ms=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function')throw new Error('the bundle exports no handler');process.stdout.write(String(ms))`;
  return Number(
    execFileSync(process.execPath, [...nodeOptions, '-e', script], {
      encoding: 'utf8',
      env: BUNDLE_ENV,
      // A load that fails says why in the error, not on this process's stderr.
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * Size, cold import time (beside a Logger-only function and the SDK's floor, in the same rounds) and
 * bundled credential providers of the handler bundle; the references are built into subfolders of `outdir`.
 */
export async function measureHandlerBundle(outdir: string): Promise<HandlerBundleFigures> {
  const bundle = await buildHandlerBundle(outdir);
  const loggerOnly = await buildHandlerBundle(join(outdir, 'logger-only'), LOGGER_ONLY_ENTRY);
  const dynamoDbClient = await buildHandlerBundle(join(outdir, 'dynamodb-client'), DYNAMODB_CLIENT_ENTRY);
  const times = {
    handler: [] as number[],
    sourceMaps: [] as number[],
    loggerOnly: [] as number[],
    dynamoDbClient: [] as number[],
  };
  // Interleaved, so that a busy spell of the machine weighs on all of them alike.
  for (let round = 0; round < COLD_IMPORT_ROUNDS; round++) {
    times.handler.push(coldImportMs(bundle));
    times.loggerOnly.push(coldImportMs(loggerOnly));
    times.dynamoDbClient.push(coldImportMs(dynamoDbClient));
    times.sourceMaps.push(coldImportMs(bundle, ['--enable-source-maps']));
  }
  const sources = (JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] }).sources;
  const handlerMs = median(times.handler);
  const referenceMs = median(times.loggerOnly);
  return {
    bytes: statSync(bundle).size,
    sourceMapBytes: statSync(`${bundle}.map`).size,
    coldImportMs: handlerMs,
    coldImportSourceMapsMs: median(times.sourceMaps),
    referenceColdImportMs: referenceMs,
    dynamoDbClientColdImportMs: median(times.dynamoDbClient),
    coldImportRatio: handlerMs / referenceMs,
    credentialProviders: [
      ...new Set(
        sources.flatMap(
          (source) => /node_modules\/(@aws-sdk\/credential-provider-[^/]+)/.exec(source)?.[1] ?? [],
        ),
      ),
    ],
  };
}
