import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GLOBAL_SECONDARY_INDEXES,
  type IndexDefinition,
  KEY_ATTRIBUTES,
  projectedAttributesOf,
  TABLE_PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../../contract/table-schema';

/**
 * CreateTable input for the events table, from the same definition the CDK stack uses: the
 * eventID key, every index (the opt-in ones too: locally every question can be asked) with its
 * multi-attribute keys and list projection, on-demand billing and a NEW_AND_OLD_IMAGES stream.
 */
export function eventsTableDefinition(
  tableName: string,
  indexes: readonly IndexDefinition[] = GLOBAL_SECONDARY_INDEXES,
): CreateTableCommandInput {
  const used = new Set([
    TABLE_PARTITION_KEY.name,
    ...indexes.flatMap((index) => [...index.partitionKeys, ...index.sortKeys].map((key) => key.name)),
  ]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: KEY_ATTRIBUTES.filter((key) => used.has(key.name)).map((key) => ({
      AttributeName: key.name,
      AttributeType: key.type,
    })),
    KeySchema: [{ AttributeName: TABLE_PARTITION_KEY.name, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        ...index.partitionKeys.map((key) => ({ AttributeName: key.name, KeyType: 'HASH' as const })),
        ...index.sortKeys.map((key) => ({ AttributeName: key.name, KeyType: 'RANGE' as const })),
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projectedAttributesOf(index)] },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/**
 * Creates the events table with its time to live when it does not exist yet (for DynamoDB Local
 * and tests; the deployed table comes from the CDK stack). Returns the table's stream ARN.
 */
export async function ensureEventsTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<string | undefined> {
  try {
    await client.send(new CreateTableCommand(eventsTableDefinition(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return described.Table?.LatestStreamArn;
}

/** Whether the table exists (DescribeTable answers; ResourceNotFoundException says it does not). */
export async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}
