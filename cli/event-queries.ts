import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshallItem } from '../contract/item-marshaller';
import { keyShardsToRead } from '../contract/key-shards';
import { KEY_VALUE_MAX_BYTES, toKeyValue } from '../contract/key-values';
import type { MlEventItem } from '../contract/ml-event-item';
import {
  ACCOUNT_INDEX,
  EVENT_NAME_INDEX,
  type IndexDefinition,
  PRINCIPAL_INDEX,
  SERVICE_INDEX,
  TABLE_PARTITION_KEY,
} from '../contract/table-schema';

/** One access pattern: exactly one of service, principal or account; eventName needs service. */
export interface EventQuery {
  readonly service?: string;
  readonly principal?: string;
  readonly accountId?: string;
  readonly eventName?: string;
  /** Inclusive lower bound, an ISO date or time (`2024-06-01`, `2024-06-01T12:00:00Z`). */
  readonly since?: string;
  /** Inclusive upper bound, an ISO date or time; a date covers its whole day. */
  readonly until?: string;
  /** At most this many items. */
  readonly limit?: number;
}

/** A query that names no access pattern or two. */
export class EventQueryError extends Error {
  override name = 'EventQueryError';
}

interface Plan {
  readonly index: IndexDefinition;
  /** Values of the partition key's attributes before keyShard. */
  readonly values: readonly string[];
  readonly shards: readonly number[];
}

// A value over DynamoDB's key limit is stored as its start and a digest: query it the same way.
function partitionValue(value: string, name: keyof typeof KEY_VALUE_MAX_BYTES): string {
  return toKeyValue(value, KEY_VALUE_MAX_BYTES[name]);
}

function planOf(query: EventQuery): Plan {
  const chosen = [query.service, query.principal, query.accountId].filter((value) => value !== undefined);
  if (query.eventName !== undefined) {
    if (query.service === undefined || chosen.length !== 1) {
      throw new EventQueryError(
        'an event name is queried within one service: give service and eventName only',
      );
    }
    return {
      index: EVENT_NAME_INDEX,
      values: [query.service, partitionValue(query.eventName, 'eventName')],
      shards: keyShardsToRead(query.service),
    };
  }
  if (chosen.length !== 1) throw new EventQueryError('give exactly one of service, principal or accountId');
  if (query.service !== undefined)
    return { index: SERVICE_INDEX, values: [query.service], shards: keyShardsToRead(query.service) };
  if (query.principal !== undefined)
    return {
      index: PRINCIPAL_INDEX,
      values: [partitionValue(query.principal, 'principal')],
      shards: keyShardsToRead(),
    };
  return {
    index: ACCOUNT_INDEX,
    values: [partitionValue(query.accountId as string, 'recipientAccountId')],
    shards: keyShardsToRead(),
  };
}

// eventTime is `YYYY-MM-DDTHH:MM:SSZ`: '~' sorts after every character in it, so `<until>~`
// closes a range at the end of the day or second that `until` names.
function upperBound(until: string): string {
  return `${until}~`;
}

interface Entry {
  readonly eventTime: string;
  readonly eventID: string;
}

async function* shardEntries(
  client: DynamoDBClient,
  tableName: string,
  plan: Plan,
  shard: number,
  query: EventQuery,
): AsyncGenerator<Entry> {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const conditions: string[] = [];
  const partition = plan.index.partitionKeys;
  for (const [position, key] of partition.entries()) {
    names[`#p${position}`] = key.name;
    values[`:p${position}`] =
      key.type === 'N' ? { N: String(shard) } : { S: plan.values[position] as string };
    conditions.push(`#p${position} = :p${position}`);
  }
  const time = plan.index.sortKeys[0]?.name as string;
  if (query.since !== undefined || query.until !== undefined) names['#t'] = time;
  if (query.since !== undefined && query.until !== undefined) {
    conditions.push('#t BETWEEN :since AND :until');
    values[':since'] = { S: query.since };
    values[':until'] = { S: upperBound(query.until) };
  } else if (query.since !== undefined) {
    conditions.push('#t >= :since');
    values[':since'] = { S: query.since };
  } else if (query.until !== undefined) {
    conditions.push('#t <= :until');
    values[':until'] = { S: upperBound(query.until) };
  }
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: plan.index.indexName,
        KeyConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit === undefined ? undefined : Math.min(query.limit, 1000),
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      yield { eventTime: item.eventTime?.S as string, eventID: item.eventID?.S as string };
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
}

function newestFirst(a: Entry, b: Entry): number {
  if (a.eventTime !== b.eventTime) return a.eventTime < b.eventTime ? 1 : -1;
  return a.eventID < b.eventID ? 1 : a.eventID > b.eventID ? -1 : 0;
}

/** BatchGetItem takes at most 100 keys. */
const MAX_BATCH_GET_KEYS = 100;

async function fullItems(
  client: DynamoDBClient,
  tableName: string,
  entries: readonly Entry[],
): Promise<Map<string, MlEventItem>> {
  const items = new Map<string, MlEventItem>();
  for (let start = 0; start < entries.length; start += MAX_BATCH_GET_KEYS) {
    let keys: Record<string, AttributeValue>[] | undefined = entries
      .slice(start, start + MAX_BATCH_GET_KEYS)
      .map((entry) => ({ [TABLE_PARTITION_KEY.name]: { S: entry.eventID } }));
    while (keys !== undefined && keys.length > 0) {
      const response: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys } } }),
      );
      for (const item of response.Responses?.[tableName] ?? []) {
        const event = unmarshallItem(item);
        items.set(event.eventID, event);
      }
      keys = response.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

/**
 * Events of one access pattern, newest first, within the time range: every shard of the index is
 * read and merged, and the full items are fetched by eventID (indexes hold the list attributes).
 */
export async function* queryEvents(
  client: DynamoDBClient,
  tableName: string,
  query: EventQuery,
): AsyncGenerator<MlEventItem> {
  const plan = planOf(query);
  const entries: Entry[] = [];
  for (const shard of plan.shards) {
    let taken = 0;
    for await (const entry of shardEntries(client, tableName, plan, shard, query)) {
      entries.push(entry);
      taken += 1;
      if (query.limit !== undefined && taken >= query.limit) break;
    }
  }
  const selected = entries.sort(newestFirst).slice(0, query.limit ?? entries.length);
  const items = await fullItems(client, tableName, selected);
  for (const entry of selected) {
    const item = items.get(entry.eventID);
    if (item !== undefined) yield item;
  }
}
