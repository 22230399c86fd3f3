import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

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
 * An S3 client with connection, response and idle timeouts. Checksums only when required: the
 * same client then works against local S3-compatible servers, and GetObject never buffers a
 * whole body to validate it.
 */
export function createS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    maxAttempts: READ_MAX_ATTEMPTS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      socketTimeout: S3_SOCKET_TIMEOUT_MS,
    },
    ...config,
  });
}
