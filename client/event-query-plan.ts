import { keyAttributeValue } from '../contract/key-attribute-values';
import { keyShardsToRead } from '../contract/key-shards';
import {
  ACCOUNT_INDEX,
  ACTOR_INDEX,
  ERROR_INDEX,
  EVENT_NAME_INDEX,
  type IndexDefinition,
  PRINCIPAL_INDEX,
  RESOURCE_INDEX,
  SERVICE_INDEX,
  SHARD_ATTRIBUTE,
} from '../contract/table-schema';

/**
 * What a query asks for. Each value is an exact match on the stored attribute of that name, as
 * CloudTrail logged it (the module applies the writer's key rules to it). The module reads the
 * index that narrows the most and applies the rest as filters:
 * `resourceArn` > `actor` > `principal` > `eventName` > `errorsOnly` > `recipientAccountId` >
 * `service` > none (every service of `services`).
 */
export interface EventCriteria {
  /** Service short name from the catalogue, e.g. `bedrock`. */
  readonly service?: string;
  /** The principal as stored (see the README's principal rules): a role ARN, a user ARN, ... */
  readonly principal?: string;
  readonly recipientAccountId?: string;
  /** Across every service of `services` unless `service` is given. */
  readonly eventName?: string;
  /** The human behind the call (role session, Identity Center user, sourceIdentity, IAM user). */
  readonly actor?: string;
  /** The event's primary resource ARN. */
  readonly resourceArn?: string;
  /** Failed calls only (an `errorCode` is present). */
  readonly errorsOnly?: boolean;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  readonly accessKeyId?: string;
  /** `true` read-only calls only, `false` writes only. */
  readonly readOnly?: boolean;
}

/** A query: criteria, a time range, and the services to fan out over when no index key names one. */
export interface EventQuery extends EventCriteria {
  /**
   * Inclusive lower bound on eventTime: a UTC time in the stored form (`2024-06-01T12:00:00Z`) or
   * a start of it (`2024-06-01`, `2024-06-01T12`).
   */
  readonly since?: string;
  /** Inclusive upper bound on eventTime; a start of a time covers the whole period it names. */
  readonly until?: string;
  /**
   * The service catalogue in force (its short names): a query by time range alone, or by errors or
   * an event name without a service, reads each of them. Events of a service not listed are not found.
   */
  readonly services?: readonly string[];
}

/** Which criterion needs which index: names a flag-free criterion in errors. */
export type CriterionName =
  | 'service'
  | 'principal'
  | 'account'
  | 'eventName'
  | 'actor'
  | 'resource'
  | 'errors';

/** A query that cannot be asked as given (no services to fan out over, a bad range). */
export class EventQueryError extends Error {
  override name = 'EventQueryError';
}

/** One partition to read: the index key values that are fixed, keyShard included. */
export type PartitionValues = Readonly<Record<string, string | number>>;

/** How a query is read: one index, the partitions of it, and the filters applied after the read. */
export interface QueryPlan {
  readonly index: IndexDefinition;
  /** The criterion that chose the index. */
  readonly criterion: CriterionName | 'time';
  readonly partitions: readonly PartitionValues[];
  /** Equality filters, attribute name to stored value. */
  readonly equals: Readonly<Record<string, string | boolean>>;
  /** Keep only items that have an errorCode (when the index is not the sparse byError). */
  readonly errorsOnly: boolean;
  /** Inclusive eventTime bounds as compared with the stored values. */
  readonly since?: string;
  readonly until?: string;
}

/**
 * The value an attribute holds for what a person typed: key attributes by the writer's rule
 * (`keyAttributeValue`: a value past its byte budget keeps its start and gains a digest), other
 * attributes as they are.
 */
export function storedValueOf(attributeName: string, value: string): string {
  return keyAttributeValue(attributeName, value);
}

// '~' sorts after every character of a stored eventTime: `2024-06-01~` closes the whole day.
const END_OF_PREFIX = '~';

function servicesToFanOut(query: EventQuery, what: string): readonly string[] {
  if (query.service !== undefined) return [query.service];
  if (query.services === undefined || query.services.length === 0) {
    throw new EventQueryError(`${what} reads every service: give the services of the catalogue in force`);
  }
  return [...new Set(query.services)];
}

function partitionsOf(fixed: Readonly<Record<string, string>>, service?: string): PartitionValues[] {
  const values = Object.fromEntries(
    Object.entries(fixed).map(([name, value]) => [name, storedValueOf(name, value)]),
  );
  return keyShardsToRead(service).map((shard) => ({ ...values, [SHARD_ATTRIBUTE.name]: shard }));
}

function chooseIndex(query: EventQuery): Pick<QueryPlan, 'index' | 'criterion' | 'partitions'> {
  if (query.resourceArn !== undefined) {
    return {
      index: RESOURCE_INDEX,
      criterion: 'resource',
      partitions: partitionsOf({ resourceArn: query.resourceArn }, query.service),
    };
  }
  if (query.actor !== undefined) {
    return {
      index: ACTOR_INDEX,
      criterion: 'actor',
      partitions: partitionsOf({ actor: query.actor }, query.service),
    };
  }
  if (query.principal !== undefined) {
    return {
      index: PRINCIPAL_INDEX,
      criterion: 'principal',
      partitions: partitionsOf({ principal: query.principal }, query.service),
    };
  }
  if (query.eventName !== undefined) {
    const eventName = query.eventName;
    return {
      index: EVENT_NAME_INDEX,
      criterion: 'eventName',
      partitions: servicesToFanOut(query, 'a query by event name alone').flatMap((service) =>
        partitionsOf({ service, eventName }, service),
      ),
    };
  }
  if (query.errorsOnly === true) {
    return {
      index: ERROR_INDEX,
      criterion: 'errors',
      partitions: servicesToFanOut(query, 'a query of failed calls without a service').flatMap((service) =>
        partitionsOf({ service }, service),
      ),
    };
  }
  if (query.recipientAccountId !== undefined) {
    return {
      index: ACCOUNT_INDEX,
      criterion: 'account',
      partitions: partitionsOf({ recipientAccountId: query.recipientAccountId }, query.service),
    };
  }
  if (query.service !== undefined) {
    return {
      index: SERVICE_INDEX,
      criterion: 'service',
      partitions: partitionsOf({ service: query.service }, query.service),
    };
  }
  return {
    index: SERVICE_INDEX,
    criterion: 'time',
    partitions: servicesToFanOut(query, 'a query by time range alone').flatMap((service) =>
      partitionsOf({ service }, service),
    ),
  };
}

const FILTERABLE: readonly (keyof EventCriteria & string)[] = [
  'service',
  'principal',
  'recipientAccountId',
  'eventName',
  'actor',
  'resourceArn',
  'awsRegion',
  'sourceIPAddress',
  'accessKeyId',
];

/** How `query` is read: the index, its partitions (every shard), the filters and the range. */
export function planQuery(query: EventQuery): QueryPlan {
  const { index, criterion, partitions } = chooseIndex(query);
  const keyNames = new Set(index.partitionKeys.map((key) => key.name));
  const equals: Record<string, string | boolean> = {};
  for (const name of FILTERABLE) {
    const value = query[name];
    if (typeof value === 'string' && !keyNames.has(name)) equals[name] = storedValueOf(name, value);
  }
  if (query.readOnly !== undefined) equals.readOnly = query.readOnly;
  const since = query.since;
  const until = query.until === undefined ? undefined : `${query.until}${END_OF_PREFIX}`;
  if (since !== undefined && until !== undefined && since > until) {
    throw new EventQueryError(`since ${query.since} is after until ${query.until}`);
  }
  return {
    index,
    criterion,
    partitions,
    equals,
    errorsOnly: query.errorsOnly === true && index !== ERROR_INDEX,
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}
