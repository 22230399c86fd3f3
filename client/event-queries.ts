import {
  type AttributeValue,
  BatchGetItemCommand,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { toAttributeValue, unmarshallItem } from '../contract/item-marshaller';
import type { MlEventItem, MlEventSummary } from '../contract/ml-event-item';
import { TABLE_PARTITION_KEY } from '../contract/table-schema';
import {
  compareNewestFirst,
  decodeCursor,
  type EventPosition,
  encodeCursor,
  InvalidCursorError,
} from './event-cursor';
import {
  type EventCriteria,
  type EventQuery,
  EventQueryError,
  type PartitionValues,
  planQuery,
  type QueryPlan,
  storedValueOf,
} from './event-query-plan';
import { indexNamesOf, MissingIndexError, requireIndex } from './table-indexes';

/**
 * The query module: the one place that knows the events table's keys, shards and indexes. Every
 * access pattern is a Query of one index (never a Scan) fanned out over the key shards (and, for
 * a time range alone, over the services of the catalogue), merged newest first by
 * (eventTime, eventID). Results are what the index projects (MlEventSummary) unless full events
 * are asked for; then the items are read by eventID with BatchGetItem.
 */

export type { EventCriteria, EventPosition, EventQuery, QueryPlan };
export { EventQueryError, InvalidCursorError, indexNamesOf, MissingIndexError, planQuery };

/** The events table a query reads. */
export interface EventsTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** Options of one page. */
export interface PageOptions {
  /** Events in the page, 1 to 1,000. Default 50. */
  readonly limit?: number;
  /** The `cursor` of the previous page of the same query. */
  readonly cursor?: string;
  /** Full items (a BatchGetItem after the index Query) instead of summaries. */
  readonly full?: boolean;
}

/** One page of events, newest first. */
export interface EventPage<T> {
  readonly events: readonly T[];
  /** Present when more events may follow: pass it to get the next page. A page without it is the last. */
  readonly cursor?: string;
  /** Read capacity units the page consumed, as DynamoDB reported them. */
  readonly consumedReadUnits: number;
  /** Events the index listed whose item was gone by the time it was read (time to live, a delete). */
  readonly missingEventIDs: readonly string[];
}

/** Options of a whole result read as a stream. */
export interface StreamOptions {
  /** Full items instead of summaries. */
  readonly full?: boolean;
  /** Stop after this many events. Default: all of them. */
  readonly limit?: number;
  /** Told the read capacity of each request. */
  readonly onReadUnits?: (units: number) => void;
  /** Told each eventID the index listed whose item was gone when read; it is then left out. */
  readonly onMissingEvent?: (eventID: string) => void;
}

/** BatchGetItem left keys unprocessed after every retry. */
export class UnprocessedKeysError extends Error {
  override name = 'UnprocessedKeysError';
}

/** Longest page; DynamoDB's own cap on a Query's Limit is higher, this keeps a page's work bounded. */
export const MAX_PAGE_EVENTS = 1000;
const DEFAULT_PAGE_EVENTS = 50;
/** Keys per BatchGetItem: DynamoDB's limit. */
export const MAX_BATCH_GET_KEYS = 100;
/** Queries in flight at once across partitions. */
const MAX_CONCURRENT_QUERIES = 16;
/** A filtered Query reads at least this many entries before filtering, to fill a page in fewer requests. */
const MIN_FILTERED_READ = 100;
const BATCH_GET_ATTEMPTS = 8;
const BATCH_GET_BASE_DELAY_MS = 50;
const BATCH_GET_MAX_DELAY_MS = 2_000;

type RawItem = Record<string, AttributeValue>;

function unitsOf(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number {
  if (consumed === undefined) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce(
    (sum, each) => sum + (each.CapacityUnits ?? 0),
    0,
  );
}

function positionOf(item: RawItem): EventPosition {
  return {
    eventTime: item.eventTime?.S ?? '',
    eventID: item.eventID?.S ?? '',
    ...(item.errorCode?.S === undefined ? {} : { errorCode: item.errorCode.S }),
  };
}

interface QueryExpression {
  readonly KeyConditionExpression: string;
  readonly FilterExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, AttributeValue>;
}

// Always names (#a), never bare attribute names: service, principal, readOnly... include reserved words.
function expressionOf(plan: QueryPlan, partition: PartitionValues): QueryExpression {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const conditions = plan.index.partitionKeys.map((key, position) => {
    names[`#k${position}`] = key.name;
    values[`:k${position}`] = toAttributeValue(partition[key.name]);
    return `#k${position} = :k${position}`;
  });
  if (plan.since !== undefined || plan.until !== undefined) {
    names['#t'] = 'eventTime';
    if (plan.since !== undefined) values[':since'] = { S: plan.since };
    if (plan.until !== undefined) values[':until'] = { S: plan.until };
    conditions.push(
      plan.since !== undefined && plan.until !== undefined
        ? '#t BETWEEN :since AND :until'
        : plan.since !== undefined
          ? '#t >= :since'
          : '#t <= :until',
    );
  }
  const filters = Object.entries(plan.equals).map(([name, value], position) => {
    names[`#f${position}`] = name;
    values[`:f${position}`] = toAttributeValue(value);
    return `#f${position} = :f${position}`;
  });
  if (plan.errorsOnly) {
    names['#e'] = 'errorCode';
    filters.push('attribute_exists(#e)');
  }
  return {
    KeyConditionExpression: conditions.join(' AND '),
    ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** An ExclusiveStartKey that resumes a partition after `position`: the index keys and the table key. */
function startKeyOf(plan: QueryPlan, partition: PartitionValues, position: EventPosition): RawItem {
  const key: RawItem = {};
  for (const attribute of plan.index.partitionKeys) {
    key[attribute.name] = toAttributeValue(partition[attribute.name]);
  }
  for (const attribute of plan.index.sortKeys) {
    const value = position[attribute.name as keyof EventPosition];
    if (value === undefined)
      throw new InvalidCursorError(`the cursor has no ${attribute.name} for ${plan.index.indexName}`);
    key[attribute.name] = { S: value };
  }
  key[TABLE_PARTITION_KEY.name] = { S: position.eventID };
  return key;
}

/** One partition of the plan (one shard of one key value), read page by page. */
class PartitionReader {
  readonly buffer: RawItem[] = [];
  done = false;
  private startKey: RawItem | undefined;

  constructor(
    private readonly table: EventsTable,
    private readonly plan: QueryPlan,
    private readonly partition: PartitionValues,
    private readonly after: EventPosition | undefined,
    private readonly onReadUnits: (units: number) => void,
  ) {
    this.startKey = after === undefined ? undefined : startKeyOf(plan, partition, after);
  }

  /** Reads until an entry is buffered or the partition is done: a filter may leave a read empty. */
  async fill(limit: number): Promise<void> {
    const expression = expressionOf(this.plan, this.partition);
    const readLimit = expression.FilterExpression === undefined ? limit : Math.max(limit, MIN_FILTERED_READ);
    while (this.buffer.length === 0 && !this.done) {
      const output = await this.table.client
        .send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: this.plan.index.indexName,
            ...expression,
            ScanIndexForward: false,
            Limit: Math.min(readLimit, MAX_PAGE_EVENTS),
            ExclusiveStartKey: this.startKey,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        )
        .catch((error: unknown) => {
          throw missingIndexOr(error, this.table.tableName, this.plan);
        });
      this.onReadUnits(unitsOf(output.ConsumedCapacity));
      for (const item of output.Items ?? []) {
        // Resuming after a position is exclusive already; this guards the order the merge relies on.
        if (this.after === undefined || compareNewestFirst(this.after, positionOf(item)) < 0) {
          this.buffer.push(item);
        }
      }
      this.startKey = output.LastEvaluatedKey;
      if (this.startKey === undefined) this.done = true;
    }
  }

  head(): EventPosition | undefined {
    const first = this.buffer[0];
    return first === undefined ? undefined : positionOf(first);
  }
}

// A table that lacks an opt-in index answers a ValidationException; DescribeTable said so first
// unless the caller may not describe the table.
function missingIndexOr(error: unknown, tableName: string, plan: QueryPlan): unknown {
  if (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /specified index/i.test(error.message)
  ) {
    return new MissingIndexError(tableName, plan.index.indexName, plan.criterion);
  }
  return error;
}

async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_QUERIES, items.length) }, worker));
}

async function checkedPlan(table: EventsTable, query: EventQuery): Promise<QueryPlan> {
  const plan = planQuery(query);
  try {
    await requireIndex(table.client, table.tableName, plan.index, plan.criterion);
  } catch (error) {
    // A caller allowed to Query but not to DescribeTable: the Query itself tells a missing index.
    if (!(error instanceof Error && error.name === 'AccessDeniedException')) throw error;
  }
  return plan;
}

/**
 * Index entries of every partition of a plan, merged newest first. Each partition is read a few
 * entries at first, then again only when the next entry may come from it.
 */
class MergedPartitions {
  private readonly readers: PartitionReader[];

  constructor(
    table: EventsTable,
    plan: QueryPlan,
    after: EventPosition | undefined,
    onReadUnits: (units: number) => void,
  ) {
    this.readers = plan.partitions.map(
      (partition) => new PartitionReader(table, plan, partition, after, onReadUnits),
    );
  }

  /** Reads each partition's first entries: about `wanted` spread over them, at least two each. */
  async start(wanted: number): Promise<void> {
    const firstRead = Math.min(wanted, Math.ceil(wanted / this.readers.length) + 1);
    await inPool(this.readers, (reader) => reader.fill(firstRead));
  }

  /** The next entry, newest first; first reads again (up to `refill` entries) each partition emptied. */
  async next(refill: number): Promise<RawItem | undefined> {
    const emptied = this.readers.filter((reader) => reader.buffer.length === 0 && !reader.done);
    await inPool(emptied, (reader) => reader.fill(refill));
    let best: PartitionReader | undefined;
    let bestHead: EventPosition | undefined;
    for (const reader of this.readers) {
      const head = reader.head();
      if (head !== undefined && (bestHead === undefined || compareNewestFirst(head, bestHead) < 0)) {
        best = reader;
        bestHead = head;
      }
    }
    return best?.buffer.shift();
  }

  /** Whether a partition may hold more entries. */
  hasMore(): boolean {
    return this.readers.some((reader) => reader.buffer.length > 0 || !reader.done);
  }
}

/** Full items of `eventIDs`, in that order; an eventID whose item is gone is in `missing`. */
export async function getEvents(
  table: EventsTable,
  eventIDs: readonly string[],
  onReadUnits: (units: number) => void = () => {},
): Promise<{ items: MlEventItem[]; missing: string[] }> {
  const found = new Map<string, MlEventItem>();
  const unique = [...new Set(eventIDs.map((id) => storedValueOf(TABLE_PARTITION_KEY.name, id)))];
  for (let start = 0; start < unique.length; start += MAX_BATCH_GET_KEYS) {
    let keys: RawItem[] = unique
      .slice(start, start + MAX_BATCH_GET_KEYS)
      .map((id) => ({ [TABLE_PARTITION_KEY.name]: { S: id } }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt === BATCH_GET_ATTEMPTS) {
        throw new UnprocessedKeysError(
          `BatchGetItem left ${keys.length} keys of ${table.tableName} unprocessed after ${BATCH_GET_ATTEMPTS} attempts`,
        );
      }
      if (attempt > 0) await backoff(attempt);
      const output = await table.client.send(
        new BatchGetItemCommand({
          RequestItems: { [table.tableName]: { Keys: keys } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      onReadUnits(unitsOf(output.ConsumedCapacity));
      for (const raw of output.Responses?.[table.tableName] ?? []) {
        const item = unmarshallItem(raw);
        found.set(item.eventID, item);
      }
      keys = output.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
    }
  }
  const items: MlEventItem[] = [];
  const missing: string[] = [];
  for (const id of eventIDs) {
    const item = found.get(storedValueOf(TABLE_PARTITION_KEY.name, id));
    if (item === undefined) missing.push(id);
    else items.push(item);
  }
  return { items, missing };
}

// Exponential backoff with full jitter, as AWS advises for UnprocessedKeys.
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BATCH_GET_MAX_DELAY_MS, BATCH_GET_BASE_DELAY_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** One event by CloudTrail's eventID (a GetItem), or undefined when the table has none. */
export async function getEvent(table: EventsTable, eventID: string): Promise<MlEventItem | undefined> {
  const output = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { [TABLE_PARTITION_KEY.name]: { S: storedValueOf(TABLE_PARTITION_KEY.name, eventID) } },
    }),
  );
  return output.Item === undefined ? undefined : unmarshallItem(output.Item);
}

function pageLimitOf(limit: number | undefined): number {
  const value = limit ?? DEFAULT_PAGE_EVENTS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_EVENTS) {
    throw new EventQueryError(`a page holds 1 to ${MAX_PAGE_EVENTS} events, not ${value}`);
  }
  return value;
}

/**
 * One page of a query's events, newest first. Pass the page's `cursor` back (with the same query)
 * for the next: across pages every event comes exactly once, in order.
 */
export async function queryEventPage(
  table: EventsTable,
  query: EventQuery,
  options?: PageOptions & { readonly full?: false },
): Promise<EventPage<MlEventSummary>>;
export async function queryEventPage(
  table: EventsTable,
  query: EventQuery,
  options: PageOptions & { readonly full: true },
): Promise<EventPage<MlEventItem>>;
export async function queryEventPage(
  table: EventsTable,
  query: EventQuery,
  options: PageOptions = {},
): Promise<EventPage<MlEventSummary | MlEventItem>> {
  const limit = pageLimitOf(options.limit);
  const plan = await checkedPlan(table, query);
  const after = options.cursor === undefined ? undefined : decodeCursor(plan, options.cursor);
  let consumedReadUnits = 0;
  const count = (units: number) => {
    consumedReadUnits += units;
  };
  const merge = new MergedPartitions(table, plan, after, count);
  await merge.start(limit);
  const entries: RawItem[] = [];
  while (entries.length < limit) {
    const entry = await merge.next(limit - entries.length);
    if (entry === undefined) break;
    entries.push(entry);
  }
  const last = entries.at(-1);
  const more = entries.length === limit && merge.hasMore();
  const summaries = entries.map((entry) => unmarshallItem(entry) as unknown as MlEventSummary);
  let events: (MlEventSummary | MlEventItem)[] = summaries;
  let missingEventIDs: string[] = [];
  if (options.full) {
    const { items, missing } = await getEvents(
      table,
      summaries.map((summary) => summary.eventID),
      count,
    );
    events = items;
    missingEventIDs = missing;
  }
  return {
    events,
    ...(more && last !== undefined ? { cursor: encodeCursor(plan, positionOf(last)) } : {}),
    consumedReadUnits,
    missingEventIDs,
  };
}

/**
 * Every event of a query, newest first, read as it is consumed (stop early and nothing more is
 * read). Summaries unless `full`; full items are read by eventID in batches of up to 100.
 */
export function queryEvents(
  table: EventsTable,
  query: EventQuery,
  options: StreamOptions & { readonly full: true },
): AsyncGenerator<MlEventItem>;
export function queryEvents(
  table: EventsTable,
  query: EventQuery,
  options?: StreamOptions & { readonly full?: false },
): AsyncGenerator<MlEventSummary>;
export function queryEvents(
  table: EventsTable,
  query: EventQuery,
  options?: StreamOptions,
): AsyncGenerator<MlEventSummary | MlEventItem>;
export async function* queryEvents(
  table: EventsTable,
  query: EventQuery,
  options: StreamOptions = {},
): AsyncGenerator<MlEventSummary | MlEventItem> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const onReadUnits = options.onReadUnits ?? (() => {});
  const plan = await checkedPlan(table, query);
  const merge = new MergedPartitions(table, plan, undefined, onReadUnits);
  const batch = Math.min(limit, options.full ? MAX_BATCH_GET_KEYS : MAX_PAGE_EVENTS);
  await merge.start(batch);
  let yielded = 0;
  let summaries: MlEventSummary[] = [];
  const flush = async function* () {
    const { items, missing } = await getEvents(
      table,
      summaries.map((summary) => summary.eventID),
      onReadUnits,
    );
    summaries = [];
    for (const id of missing) options.onMissingEvent?.(id);
    yield* items;
  };
  for (;;) {
    const wanted = limit - yielded - summaries.length;
    if (wanted <= 0) break;
    const entry = await merge.next(Math.min(wanted, batch));
    if (entry === undefined) break;
    const summary = unmarshallItem(entry) as unknown as MlEventSummary;
    if (!options.full) {
      yielded += 1;
      yield summary;
      continue;
    }
    summaries.push(summary);
    if (summaries.length === MAX_BATCH_GET_KEYS) {
      yielded += summaries.length;
      yield* flush();
    }
  }
  if (options.full && summaries.length > 0) yield* flush();
}
