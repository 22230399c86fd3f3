import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureEventsTable } from '../../cli/local/events-table';
import { createDocumentClient, createDynamoDbClient } from '../../lambda/adapters/aws-clients';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let tableCounter = 0;

/** Clients of the pipeline for a DynamoDB Local: `client` as the function writes, `documents` as the CLI reads. */
export function dynamoDbClientsFor(endpoint: string): {
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  endpoint: string;
} {
  const config = { endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  return { client: createDynamoDbClient(config), documents: createDocumentClient(config), endpoint };
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
