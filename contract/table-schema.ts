/**
 * The single definition of the events table's keys and indexes. The CDK construct, the Lambda
 * writer, the local store, the query module and the stream kit all read it, so they cannot drift.
 *
 * - The table's key is CloudTrail's own `eventID`: one event is one item, re-ingesting a file
 *   rewrites the same items, and `mltrail show <eventID>` is a GetItem.
 * - Every index has a multi-attribute key (DynamoDB's composite GSI keys): a partition key of the
 *   item's own attributes (`service`, `principal`, ...) plus `keyShard`, and the sort key
 *   `eventTime`, `eventID`. No attribute is a copy of another made for a key.
 * - `keyShard` spreads the events of a busy service over `MAX_KEY_SHARDS` partition values of
 *   every index (see `key-shards.ts`), so one principal, model or account can send far more than
 *   one partition's 1,000 WCU/s. Quiet services are always shard 0.
 * - Indexes project the list view's attributes only (`LIST_ATTRIBUTES`): a list costs no more
 *   than the keys, and the full event is a BatchGetItem by `eventID`.
 */

/** An attribute of a key: its name and DynamoDB type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index: its name, its multi-attribute keys and when it exists. */
export interface IndexDefinition {
  readonly indexName: string;
  /** The partition key's attributes, in order; a query gives each one a value. */
  readonly partitionKeys: readonly KeyAttribute[];
  /** The sort key's attributes, in order; a range applies to the first. */
  readonly sortKeys: readonly KeyAttribute[];
  /** Opt-in indexes exist only when the stack's `optionalIndexes` names them. */
  readonly optional: boolean;
  /** Which events the index holds, for the README and errors: an item lacking a key attribute is not indexed. */
  readonly holds: string;
}

/** The table's partition key, and its only key. */
export const TABLE_PARTITION_KEY: KeyAttribute = { name: 'eventID', type: 'S' };

/** The shard of an item's index keys: a number in `[0, MAX_KEY_SHARDS)`. */
export const SHARD_ATTRIBUTE: KeyAttribute = { name: 'keyShard', type: 'N' };

const EVENT_TIME: KeyAttribute = { name: 'eventTime', type: 'S' };
const EVENT_ID: KeyAttribute = TABLE_PARTITION_KEY;
const SERVICE: KeyAttribute = { name: 'service', type: 'S' };

/** The sort key of every index: newest first by eventTime, ties by eventID. */
export const TIME_SORT_KEYS: readonly KeyAttribute[] = [EVENT_TIME, EVENT_ID];

/** All events of one service. `service = forecast, keyShard = 0` in the console. */
export const SERVICE_INDEX: IndexDefinition = {
  indexName: 'byService',
  partitionKeys: [SERVICE, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: false,
  holds: 'every event',
};

/** All events of one principal (the role, user, service, identity-store user, ...). */
export const PRINCIPAL_INDEX: IndexDefinition = {
  indexName: 'byPrincipal',
  partitionKeys: [{ name: 'principal', type: 'S' }, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: false,
  holds: 'every event',
};

/** Failed calls of one service: sparse, an item without `errorCode` is not in it. */
export const ERROR_INDEX: IndexDefinition = {
  indexName: 'byError',
  partitionKeys: [SERVICE, SHARD_ATTRIBUTE],
  sortKeys: [...TIME_SORT_KEYS, { name: 'errorCode', type: 'S' }],
  optional: false,
  holds: 'events with an errorCode',
};

/** Events whose primary resource is one ARN: sparse, only events with a resource ARN. */
export const RESOURCE_INDEX: IndexDefinition = {
  indexName: 'byResource',
  partitionKeys: [{ name: 'resourceArn', type: 'S' }, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: false,
  holds: 'events with a resource ARN',
};

/** All events delivered to one account. Opt-in. */
export const ACCOUNT_INDEX: IndexDefinition = {
  indexName: 'byAccount',
  partitionKeys: [{ name: 'recipientAccountId', type: 'S' }, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: true,
  holds: 'every event',
};

/** One event name of one service. Opt-in. */
export const EVENT_NAME_INDEX: IndexDefinition = {
  indexName: 'byEventName',
  partitionKeys: [SERVICE, { name: 'eventName', type: 'S' }, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: true,
  holds: 'every event',
};

/** Everything one human did, across the roles they assumed. Opt-in. */
export const ACTOR_INDEX: IndexDefinition = {
  indexName: 'byActor',
  partitionKeys: [{ name: 'actor', type: 'S' }, SHARD_ATTRIBUTE],
  sortKeys: TIME_SORT_KEYS,
  optional: true,
  holds: 'events with an actor',
};

/** Every global secondary index, in a stable order. */
export const GLOBAL_SECONDARY_INDEXES: readonly IndexDefinition[] = [
  SERVICE_INDEX,
  PRINCIPAL_INDEX,
  ERROR_INDEX,
  RESOURCE_INDEX,
  ACCOUNT_INDEX,
  EVENT_NAME_INDEX,
  ACTOR_INDEX,
];

/** The names of the opt-in indexes, as the `optionalIndexes` prop and context key take them. */
export type OptionalIndexName = 'byAccount' | 'byEventName' | 'byActor';

/** The opt-in indexes. */
export const OPTIONAL_INDEXES: readonly IndexDefinition[] = GLOBAL_SECONDARY_INDEXES.filter(
  (index) => index.optional,
);

/** The context key (and construct prop) that adds opt-in indexes: `-c optionalIndexes=byActor,byAccount`. */
export const OPTIONAL_INDEXES_CONTEXT_KEY = 'optionalIndexes';

/** The indexes a table has: the default ones and the opt-in ones named. */
export function indexesOf(optionalIndexes: readonly OptionalIndexName[]): readonly IndexDefinition[] {
  return GLOBAL_SECONDARY_INDEXES.filter(
    (index) => !index.optional || optionalIndexes.includes(index.indexName as OptionalIndexName),
  );
}

/**
 * The non-key attributes every index projects: what a list of events shows and filters on
 * (`--source-ip`, `--access-key`, `--read-only`, `--event-region`). Small enough that an index
 * entry stays within one write unit (1 KB).
 */
export const LIST_ATTRIBUTES: readonly string[] = [
  'service',
  'eventName',
  'principal',
  'principalType',
  'actor',
  'recipientAccountId',
  'awsRegion',
  'errorCode',
  'sourceIPAddress',
  'accessKeyId',
  'readOnly',
  'resourceArn',
];

/** The non-key attributes one index projects: the list attributes that are not its keys. */
export function projectedAttributesOf(index: IndexDefinition): readonly string[] {
  const keys = new Set([...index.partitionKeys, ...index.sortKeys].map((key) => key.name));
  return LIST_ATTRIBUTES.filter((name) => !keys.has(name));
}

/** Attribute DynamoDB's time to live reads (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Every attribute that is a key of the table or of some index, with its type. */
export const KEY_ATTRIBUTES: readonly KeyAttribute[] = [
  ...new Map(
    [
      TABLE_PARTITION_KEY,
      ...GLOBAL_SECONDARY_INDEXES.flatMap((index) => [...index.partitionKeys, ...index.sortKeys]),
    ].map((key) => [key.name, key]),
  ).values(),
];
