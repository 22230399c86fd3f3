import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the bundle: Lambda gives a function its
 * role's credentials in the environment, so the default chain's other providers (SSO, INI files,
 * login, processes, web identity, instance metadata) and the nested STS/SSO clients they need are
 * left out: about 110 KB of the bundle, and their load at every cold start.
 */
export const ENV_CREDENTIALS_ENTRY = 'lambda/adapters/env-credentials.ts';

/**
 * Stands in for `@smithy/core/event-streams`, which the SDK loads only for an operation that
 * streams events (none of DynamoDB's): its dynamic import alone made esbuild wrap the SDK's modules
 * in lazy initializers, 19 KB and a few ms of every cold start.
 */
export const NO_EVENT_STREAMS_ENTRY = 'lambda/adapters/no-event-streams.ts';

/**
 * How the functions (ingest and detections) are bundled (by esbuild, locally): one minified CommonJS file with the
 * SDK inside and a source map. The map is `--enable-source-maps`'s input (NodejsFunction sets it
 * when `sourceMap` is on), so a stack trace names the TypeScript file and line.
 */
export const FUNCTION_BUNDLING: BundlingOptions = {
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Ship the SDK versions the tests ran against, not whichever the runtime carries.
  bundleAwsSDK: true,
  // esbuild runs in the project root: the path is relative to it.
  esbuildArgs: {
    '--alias:@aws-sdk/credential-provider-node': `./${ENV_CREDENTIALS_ENTRY}`,
    '--alias:@smithy/core/event-streams': `./${NO_EVENT_STREAMS_ENTRY}`,
  },
};
