/** Region of every local server. */
export const LOCAL_REGION = 'us-east-1';

/** Static credentials. */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * Credentials for local servers only: s3rver accepts no other key, DynamoDB Local (`-sharedDb`)
 * accepts any.
 */
export const LOCAL_CREDENTIALS: StaticCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether an endpoint URL points at this machine. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** SDK client settings shared by the DynamoDB, S3 and SQS clients. */
export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: StaticCredentials;
}

/**
 * Client settings for an endpoint: a loopback endpoint gets the local region and dummy
 * credentials (no AWS account is needed for local work); any other endpoint, or none, uses the
 * SDK's default credential chain and region, unless a region is given.
 */
export function clientSettingsFor(endpoint?: string, region?: string): ClientSettings {
  if (endpoint && isLoopbackEndpoint(endpoint)) {
    return { endpoint, region: region ?? LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  }
  return { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}
