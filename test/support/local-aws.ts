import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureEventsTable } from '../../cli/local/events-table';
import { createDocumentClient } from '../../lambda/adapters/aws-clients';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let tableCounter = 0;

/** Clients for the DynamoDB Local the global setup started. */
export function localDynamoDb(): {
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  endpoint: string;
} {
  const endpoint = inject('dynamoDbEndpoint');
  const config = { endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  return { client: new DynamoDBClient(config), documents: createDocumentClient(config), endpoint };
}

/** Creates a fresh events table (keys, indexes, stream, TTL from the contract) and returns its name. */
export async function createTestTable(client: DynamoDBClient, label: string): Promise<string> {
  tableCounter += 1;
  const tableName = `${label}-${process.pid}-${tableCounter}`;
  await ensureEventsTable(client, tableName);
  return tableName;
}
