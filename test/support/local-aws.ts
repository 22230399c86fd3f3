import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { ensureEventsTable } from '../../cli/local/events-table';
import { createS3Client } from '../../cli/s3-client';
import {
  createDynamoDbClient,
  createDynamoDbReadClient,
  createS3ObjectReader,
} from '../../lambda/adapters/aws-clients';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let tableCounter = 0;

/**
 * Clients for a DynamoDB Local: `client` as the function writes, `readClient` as the CLI reads,
 * and `documents`, a document client over it for tests that scan plain items.
 */
export function dynamoDbClientsFor(endpoint: string): {
  client: DynamoDBClient;
  readClient: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  endpoint: string;
} {
  const config = { endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  const readClient = createDynamoDbReadClient(config);
  return {
    client: createDynamoDbClient(config),
    readClient,
    documents: DynamoDBDocumentClient.from(readClient, { marshallOptions: { removeUndefinedValues: true } }),
    endpoint,
  };
}

/** Clients for the DynamoDB Local the global setup started. */
export function localDynamoDb(): ReturnType<typeof dynamoDbClientsFor> {
  return dynamoDbClientsFor(inject('dynamoDbEndpoint'));
}

/** Creates a fresh events table (keys, indexes, stream, TTL from the contract) and returns its name. */
export async function createTestTable(client: DynamoDBClient, label: string): Promise<string> {
  tableCounter += 1;
  const tableName = `${label}-${process.pid}-${tableCounter}`;
  await ensureEventsTable(client, tableName);
  return tableName;
}

/** An S3 client of s3rver at `endpoint`, set up as the local pipeline sets up its own. */
export function localS3Client(endpoint: string): S3Client {
  return createS3Client({ ...clientSettingsFor(endpoint), forcePathStyle: true });
}

/** The function's S3 reader, pointed at s3rver at `endpoint` as the local pipeline points its own. */
export function localS3ObjectReader(endpoint: string): S3GetObjectClient {
  return createS3ObjectReader({ ...clientSettingsFor(endpoint), forcePathStyle: true });
}
