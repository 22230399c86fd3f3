import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Retries of throttled or failed requests made by the SDK itself, before our own retries. */
const SDK_MAX_ATTEMPTS = 8;

/** A DynamoDB document client that stores items as the contract says (absent values left out). */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS, retryMode: 'adaptive', ...config });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      convertClassInstanceToMap: false,
      allowImpreciseNumbers: true,
    },
    unmarshallOptions: { wrapNumbers: false },
  });
}

/**
 * An S3 client. Checksums only when required: the same client then works against local
 * S3-compatible servers, and GetObject never buffers a whole body to validate it.
 */
export function createS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    maxAttempts: SDK_MAX_ATTEMPTS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}
