import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDK_JSON_CONTEXT } from './pipeline-app';

const run = promisify(execFile);

let outdir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

// The one synthesis that does everything `npx cdk synth` does in the app: real esbuild bundling
// (no Docker), the built-in CloudFormation validation and the cdk-nag checks, both failing on a finding.
beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'mltrail-synth-'));
  await run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(CDK_JSON_CONTEXT) },
  });
  template = JSON.parse(await readFile(join(outdir, 'MlTrail.template.json'), 'utf8'));
}, 120_000);

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

/** The directory of the ingest function's bundled asset. */
async function ingestFunctionAssetDir(): Promise<string> {
  const [ingestFunction] = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs22.x',
  );
  if (ingestFunction === undefined) throw new Error('no nodejs22.x function in the template');
  const s3Key = (ingestFunction.Properties.Code as { S3Key: string }).S3Key;
  return join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
}

describe('bin/app.ts', () => {
  it('synthesizes with no finding from the CloudFormation validation or cdk-nag, and one warning: no alarm topic', async () => {
    const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap(
      (pluginReport: { pluginName: string; violations?: { ruleName: string; severity: string }[] }) =>
        (pluginReport.violations ?? []).map(({ ruleName, severity }) => ({
          plugin: pluginReport.pluginName,
          ruleName,
          severity,
        })),
    );
    expect(violations).toEqual([
      { plugin: 'Construct Annotations', ruleName: 'Annotation::mltrail:noAlarmTopic', severity: 'warning' },
    ]);
  });

  it('bundles the handler locally into one minified CommonJS file with a source map and the AWS SDK inside', async () => {
    const assetDir = await ingestFunctionAssetDir();
    expect((await readdir(assetDir)).sort()).toEqual(['index.js', 'index.js.map']);
    const bundle = await readFile(join(assetDir, 'index.js'), 'utf8');
    // Booleans, not the bundle itself, so a failure does not print half a megabyte.
    expect(/module\.exports=/.test(bundle)).toBe(true);
    expect(/\/\/# sourceMappingURL=index\.js\.map\s*$/.test(bundle)).toBe(true);
    expect(bundle.length).toBeLessThan(1_000_000);
    const sdkRequires = [...bundle.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((match) => match[1]);
    // The SDK asks for this optional native signer inside a try block; every other SDK module is inside.
    expect(sdkRequires.filter((name) => name !== '@aws-sdk/signature-v4-crt')).toEqual([]);
  });

  it('bundles only the environment credential provider, no S3 client and no event streams, and its source map names the TypeScript file of a thrown error', async () => {
    const assetDir = await ingestFunctionAssetDir();
    const { sources } = JSON.parse(await readFile(join(assetDir, 'index.js.map'), 'utf8')) as {
      sources: string[];
    };
    const providers = new Set(
      sources.flatMap(
        (source) => /node_modules\/(@aws-sdk\/credential-provider-[^/]+)/.exec(source)?.[1] ?? [],
      ),
    );
    expect([...providers]).toEqual(['@aws-sdk/credential-provider-env']);
    // The function reads S3 through its own GetObject, and nothing it calls streams events.
    const unused = sources.filter((source) =>
      /node_modules\/(@aws-sdk\/client-s3|@smithy\/core\/dist-es\/submodules\/event-streams)\//.test(source),
    );
    expect(unused).toEqual([]);

    // Lambda runs a NodejsFunction with a source map under --enable-source-maps; without its
    // settings the handler throws at load, and the stack names the file and line that threw.
    const failure = await run(process.execPath, ['--enable-source-maps', join(assetDir, 'index.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' },
    }).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toContain('MLTRAIL_TABLE_NAME environment variable is not set');
    expect(failure?.stderr).toMatch(/lambda\/config\.ts:\d+:\d+/);
  });
});
