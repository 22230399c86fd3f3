/**
 * The single definition of the events table's keys and indexes. The CDK construct, the Lambda
 * writer, the local pipeline and the CLI's queries all read it, so they cannot drift apart.
 *
 * Every key holds a value a person can type: a service short name (`forecast`), a principal ARN,
 * an account id or `service:EventName`. The shared sort key `eventTimeId` is
 * `<eventTime as YYYY-MM-DDTHH:MM:SSZ>#<eventID>`, so each partition reads newest first with a
 * time range, and two events at the same second never collide.
 */

/** One key of a table or index: the attribute names of its partition and sort keys. */
export interface KeyDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** A global secondary index: its name and keys. */
export interface IndexDefinition extends KeyDefinition {
  readonly indexName: string;
}

/** Sort key shared by the table and every index. */
export const SORT_KEY_ATTRIBUTE = 'eventTimeId';

/** Base table: all events of one service. */
export const TABLE_KEY: KeyDefinition = { partitionKey: 'service', sortKey: SORT_KEY_ATTRIBUTE };

/** All events of one principal (role, user, service, identity-store user, ...). */
export const PRINCIPAL_INDEX: IndexDefinition = {
  indexName: 'byPrincipal',
  partitionKey: 'principal',
  sortKey: SORT_KEY_ATTRIBUTE,
};

/** All events in one account (the recipient account of the log record). */
export const ACCOUNT_INDEX: IndexDefinition = {
  indexName: 'byAccount',
  partitionKey: 'accountId',
  sortKey: SORT_KEY_ATTRIBUTE,
};

/** One event name of one service: partition value `forecast:CreateDataset`. */
export const EVENT_NAME_INDEX: IndexDefinition = {
  indexName: 'byEventName',
  partitionKey: 'serviceEventName',
  sortKey: SORT_KEY_ATTRIBUTE,
};

/** Every global secondary index of the table, in a stable order. */
export const GLOBAL_SECONDARY_INDEXES: readonly IndexDefinition[] = [
  PRINCIPAL_INDEX,
  ACCOUNT_INDEX,
  EVENT_NAME_INDEX,
];

/** Attribute DynamoDB's time to live reads (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The attribute names that are keys somewhere: all are strings. */
export const KEY_ATTRIBUTES: readonly string[] = [
  TABLE_KEY.partitionKey,
  SORT_KEY_ATTRIBUTE,
  ...GLOBAL_SECONDARY_INDEXES.map((index) => index.partitionKey),
];
