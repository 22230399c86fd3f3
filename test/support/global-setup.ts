import 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../cli/local/dynamodb-local-server';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/** Starts one in-memory DynamoDB Local for the whole run; each test file makes its own tables. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', server.endpoint);
  return () => server.stop();
}
