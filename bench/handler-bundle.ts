import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_ENTRY } from '../contract/environment';
import { FUNCTION_BUNDLING } from '../lib/function-bundling';

const PROJECT_ROOT = join(import.meta.dirname, '..');
const COLD_IMPORTS = 7;

/** The handler bundle as `cdk synth` builds it, and what loading it costs. */
export interface HandlerBundleFigures {
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Median of fresh processes: `require` of the bundle, handler built, clients and all. */
  readonly coldImportMs: number;
  /** Source files in the bundle whose package is a credential provider. */
  readonly credentialProviders: readonly string[];
}

/** Builds the handler with the ingest function's bundling options into `outdir`/index.js. */
export async function buildHandlerBundle(outdir: string): Promise<string> {
  const options = FUNCTION_BUNDLING;
  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(options.esbuildArgs ?? {})) {
    const name = /^--alias:(.+)$/.exec(flag)?.[1];
    if (name && typeof value === 'string') alias[name] = value;
  }
  const outfile = join(outdir, 'index.js');
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [HANDLER_ENTRY],
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

/** Size, cold import time and bundled credential providers of the handler bundle. */
export async function measureHandlerBundle(outdir: string): Promise<HandlerBundleFigures> {
  const bundle = await buildHandlerBundle(outdir);
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times = Array.from({ length: COLD_IMPORTS }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: BUNDLE_ENV })),
  ).sort((a, b) => a - b);
  const sources = (JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] }).sources;
  return {
    bytes: statSync(bundle).size,
    sourceMapBytes: statSync(`${bundle}.map`).size,
    coldImportMs: times[Math.floor(times.length / 2)] as number,
    credentialProviders: [
      ...new Set(
        sources.flatMap(
          (source) => /node_modules\/(@aws-sdk\/credential-provider-[^/]+)/.exec(source)?.[1] ?? [],
        ),
      ),
    ],
  };
}
