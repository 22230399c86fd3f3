import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the function's bundle (an esbuild alias,
 * see lib/function-bundling.ts): Lambda hands a function its role's credentials in the
 * environment, so the default chain's SSO, INI, process, login, web-identity and instance-metadata
 * providers would be shipped and loaded for nothing.
 */
export const defaultProvider: typeof import('@aws-sdk/credential-provider-node').defaultProvider = () =>
  fromEnv();
