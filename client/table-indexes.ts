import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type IndexDefinition, OPTIONAL_INDEXES_CONTEXT_KEY } from '../contract/table-schema';
import type { CriterionName } from './event-query-plan';

/** The table lacks the opt-in index a query needs; the message names the context key that adds it. */
export class MissingIndexError extends Error {
  override name = 'MissingIndexError';
  constructor(
    readonly tableName: string,
    readonly indexName: string,
    /** What asked for it: `actor`, `account`, `eventName`, ... */
    readonly criterion: string,
  ) {
    super(
      `a query by ${criterion} needs the table's ${indexName} index, which table ${tableName} lacks: redeploy with -c ${OPTIONAL_INDEXES_CONTEXT_KEY}=${indexName}`,
    );
  }
}

const described = new WeakMap<DynamoDBClient, Map<string, Promise<ReadonlySet<string>>>>();

/** The names of the table's global secondary indexes: one DescribeTable per client and table. */
export function indexNamesOf(client: DynamoDBClient, tableName: string): Promise<ReadonlySet<string>> {
  let tables = described.get(client);
  if (tables === undefined) {
    tables = new Map();
    described.set(client, tables);
  }
  let names = tables.get(tableName);
  if (names === undefined) {
    names = client
      .send(new DescribeTableCommand({ TableName: tableName }))
      .then(
        (output) =>
          new Set((output.Table?.GlobalSecondaryIndexes ?? []).flatMap((index) => index.IndexName ?? [])),
      );
    const cache = tables;
    // A failed DescribeTable is not kept: the next query asks again.
    names.catch(() => cache.delete(tableName));
    tables.set(tableName, names);
  }
  return names;
}

/** Throws MissingIndexError when `index` is opt-in and the table lacks it. Default indexes always exist. */
export async function requireIndex(
  client: DynamoDBClient,
  tableName: string,
  index: IndexDefinition,
  criterion: CriterionName | 'time',
): Promise<void> {
  if (!index.optional) return;
  if (!(await indexNamesOf(client, tableName)).has(index.indexName)) {
    throw new MissingIndexError(tableName, index.indexName, criterion);
  }
}
