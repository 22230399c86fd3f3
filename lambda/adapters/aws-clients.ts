import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import {
  booleanSelector,
  NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS,
  NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS,
  SelectorType,
} from '@smithy/core/config';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3GetObjectClient, type S3GetObjectClientConfig } from './s3-get-object';

/**
 * Longest wait for a TCP (and TLS) connection, in ms. Within a Region a connection to DynamoDB or
 * S3 takes tens of ms; 3 s tolerates a slow start and still leaves several tries in a deadline.
 */
export const CONNECTION_TIMEOUT_MS = 3_000;

/**
 * Longest wait for DynamoDB's answer to one request, in ms, and the longest a socket may then sit
 * idle. A BatchWriteItem of 25 items (at most 16 MB) is answered well within a second; without a
 * limit a frozen server holds a request for the SDK's default socket timeout of 300 s.
 */
export const DYNAMODB_REQUEST_TIMEOUT_MS = 10_000;

/** Longest wait for S3's response headers (GetObject's first byte, a listing page), in ms. */
export const S3_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Longest an S3 socket may sit idle, in ms. A log file's body is read only as fast as the table
 * takes its items, so while the writer waits out throttling the body's socket is idle by design:
 * this limit is long, to catch a dead connection, not a slow table.
 */
export const S3_SOCKET_TIMEOUT_MS = 120_000;

/**
 * Attempts the SDK makes per DynamoDB write request: one, no retry of its own. The event writer
 * retries throttling, transient errors and UnprocessedItems itself, against the file's deadline,
 * and counts and logs each retry; SDK retries inside one send would spend that deadline unseen
 * (at 30% throttling, 8 adaptive SDK attempts once used up a 60 s deadline in 2 sends).
 */
export const DYNAMODB_WRITE_MAX_ATTEMPTS = 1;

/**
 * Attempts per request of the readers (S3, the CLI's queries), which have no retries of their
 * own: the SDK's standard default, each attempt bounded by the timeouts above.
 */
export const READ_MAX_ATTEMPTS = 3;

const DYNAMODB_REQUEST_HANDLER = {
  connectionTimeout: CONNECTION_TIMEOUT_MS,
  requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS,
  // Since @smithy/node-http-handler 4.4 a passed requestTimeout only logs a warning without this.
  throwOnRequestTimeout: true,
  socketTimeout: DYNAMODB_REQUEST_TIMEOUT_MS,
};

/** The DynamoDB client the event writer sends through: timeouts on every request, no SDK retries. */
export function createDynamoDbClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: DYNAMODB_WRITE_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: DYNAMODB_REQUEST_HANDLER,
    ...config,
  });
}

/**
 * The DynamoDB client the CLI's queries read through: timeouts on every request and the SDK's
 * standard retries. Items are unmarshalled by `unmarshallItem`, exactly (see item-marshaller.ts).
 */
export function createDynamoDbReadClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: READ_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: DYNAMODB_REQUEST_HANDLER,
    ...config,
  });
}

/**
 * The HTTP handler options of every S3 request (the function's reads, the CLI's listings and
 * reads): connection, response-header and idle timeouts.
 */
export const S3_REQUEST_HANDLER = {
  connectionTimeout: CONNECTION_TIMEOUT_MS,
  requestTimeout: S3_REQUEST_TIMEOUT_MS,
  throwOnRequestTimeout: true,
  socketTimeout: S3_SOCKET_TIMEOUT_MS,
};

/** Settings of {@link createS3ObjectReader}; each one has the function's default. */
export type S3ObjectReaderConfig = Partial<Omit<S3GetObjectClientConfig, 'requestHandler'>>;

// The SDK's environment settings of an S3 client's endpoint (a function has no profile to read):
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (LocalStack sets one), FIPS, dual-stack.
function configuredEndpointUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (booleanSelector(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', SelectorType.ENV)) return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The function's S3 reader: GetObject alone, signed with the credentials Lambda puts in the
 * environment, in the Region of `AWS_REGION`, with the S3 timeouts and READ_MAX_ATTEMPTS
 * attempts; the endpoint settings of the environment apply as they would to an SDK client.
 */
export function createS3ObjectReader(config: S3ObjectReaderConfig = {}): S3GetObjectClient {
  const { env } = process;
  const region = config.region ?? env.AWS_REGION;
  if (!region) throw new Error('AWS_REGION environment variable is not set');
  return new S3GetObjectClient({
    region,
    credentials: config.credentials ?? fromEnv(),
    endpoint: config.endpoint ?? configuredEndpointUrl(env),
    forcePathStyle: config.forcePathStyle,
    useFipsEndpoint:
      config.useFipsEndpoint ?? NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS.environmentVariableSelector(env),
    useDualstackEndpoint:
      config.useDualstackEndpoint ??
      NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS.environmentVariableSelector(env),
    maxAttempts: config.maxAttempts ?? READ_MAX_ATTEMPTS,
    requestHandler: new NodeHttpHandler(S3_REQUEST_HANDLER),
  });
}
