import type { MlEventItem } from '../../contract/ml-event-item';
import {
  asBoolean,
  asObject,
  asText,
  compact,
  field,
  type JsonObject,
  objectField,
  textField,
} from './json-fields';
import { toPrincipalFields } from './principal';
import { toStorablePayload } from './storable-payload';

/** Where a record came from and how long to keep it. */
export interface RecordContext {
  /** `s3://bucket/key` of the log file (a `file://` URL for a local file). */
  readonly logFile: string;
  /** Account id in the log file's key: the last fallback for an item's accountId. */
  readonly logAccountId?: string;
  /** Days to keep an event after its eventTime; undefined or 0 keeps it forever. */
  readonly retentionDays?: number;
}

/** A record is kept only when it has these, each a non-empty string. */
export const REQUIRED_RECORD_FIELDS = ['eventSource', 'eventTime', 'eventID'] as const;

/** At most this many resource ARNs are kept per event. */
export const MAX_RESOURCES = 64;
const MAX_ARN_LENGTH = 2048;
const MAX_ARN_SEARCH_DEPTH = 8;
const SECONDS_PER_DAY = 86_400;
const ARN_KEY = /arns?$/i;

/**
 * Why a record with this eventSource is not a CloudTrail record, or undefined: `aws:s3`,
 * `aws:dynamodb` and the like are the sources of AWS event notifications, whose files also hold a
 * `Records` array.
 */
export function findEventSourceDefect(eventSource: string): string | undefined {
  return eventSource.startsWith('aws:')
    ? `record is an AWS event notification (eventSource ${eventSource}), not a CloudTrail record`
    : undefined;
}

/** Why a parsed record cannot become an item, or undefined when it can. */
export function findRecordDefect(record: unknown): string | undefined {
  const object = asObject(record);
  if (!object)
    return `record is ${Array.isArray(record) ? 'an array' : record === null ? 'null' : typeof record}, not an object`;
  for (const name of REQUIRED_RECORD_FIELDS) {
    if (!asText(object[name])) return `record has no ${name}`;
  }
  const sourceDefect = findEventSourceDefect(object.eventSource as string);
  if (sourceDefect) return sourceDefect;
  if (parseEventTime(object.eventTime as string) === undefined)
    return 'record eventTime is not an ISO 8601 timestamp';
  if (!asText(object.eventName)) return 'record has no eventName';
  return undefined;
}

// CloudTrail writes `2024-06-02T20:15:00Z`; some exporters write a space, fractions or no zone.
const EVENT_TIME_PATTERN = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * eventTime in epoch milliseconds, or undefined when it is not an ISO 8601 timestamp. A time
 * without a zone is UTC, whatever the machine's zone, so that items do not depend on where they
 * were made.
 */
export function parseEventTime(eventTime: string): number | undefined {
  const match = EVENT_TIME_PATTERN.exec(eventTime);
  if (!match) return undefined;
  const [, date, time, fraction, zone] = match;
  const offset =
    zone === undefined
      ? 'Z'
      : zone.length === 5
        ? `${zone.slice(0, 3)}:${zone.slice(3)}`
        : zone.toUpperCase();
  const millis = Date.parse(`${date}T${time}${fraction ? fraction.slice(0, 4) : ''}${offset}`);
  return Number.isNaN(millis) ? undefined : millis;
}

/** eventTime as `YYYY-MM-DDTHH:MM:SSZ` in UTC, the form every sort key uses. */
export function toSortableTime(eventTime: string): string {
  return `${new Date(parseEventTime(eventTime) as number).toISOString().slice(0, 19)}Z`;
}

function addArn(arns: Set<string>, value: unknown): void {
  if (arns.size >= MAX_RESOURCES) return;
  if (typeof value === 'string' && value.startsWith('arn:') && value.length <= MAX_ARN_LENGTH)
    arns.add(value);
}

function collectArnFields(value: unknown, arns: Set<string>, depth: number): void {
  if (depth > MAX_ARN_SEARCH_DEPTH || arns.size >= MAX_RESOURCES) return;
  if (Array.isArray(value)) {
    for (const element of value) collectArnFields(element, arns, depth + 1);
    return;
  }
  const object = asObject(value);
  if (!object) return;
  for (const [key, element] of Object.entries(object)) {
    if (ARN_KEY.test(key)) {
      if (Array.isArray(element)) for (const arn of element) addArn(arns, arn);
      else addArn(arns, element);
    } else if (typeof element === 'object') {
      collectArnFields(element, arns, depth + 1);
    }
  }
}

/** ARNs of the resources an event touched, in the order first seen. */
export function collectResourceArns(record: JsonObject): string[] {
  const arns = new Set<string>();
  const resources = field(record, 'resources');
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      const object = asObject(resource);
      addArn(arns, field(object, 'ARN') ?? field(object, 'ARNPrefix'));
    }
  }
  collectArnFields(record.requestParameters, arns, 0);
  collectArnFields(record.responseElements, arns, 0);
  return [...arns];
}

function payloadFields(
  name: 'requestParameters' | 'responseElements',
  value: unknown,
): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  const payload = toStorablePayload(value);
  return payload.truncated
    ? { [name]: payload.value, [`${name}Truncated`]: true }
    : { [name]: payload.value };
}

/**
 * Normalizes one valid CloudTrail record (see {@link findRecordDefect}) of a catalogued service
 * into its item. The item is a function of the record and its file only, so that re-ingesting a
 * file rewrites identical items.
 */
export function toMlEvent(record: JsonObject, service: string, context: RecordContext): MlEventItem {
  const eventTime = record.eventTime as string;
  const eventId = record.eventID as string;
  const eventName = record.eventName as string;
  const awsRegion = asText(record.awsRegion);
  const identity = objectField(record, 'userIdentity');
  const principal = toPrincipalFields(identity, awsRegion);
  const sortableTime = toSortableTime(eventTime);
  const resources = collectResourceArns(record);
  const retentionDays = context.retentionDays ?? 0;
  return compact({
    service,
    eventTimeId: `${sortableTime}#${eventId}`,
    serviceEventName: `${service}:${eventName}`,
    eventSource: record.eventSource as string,
    eventName,
    eventTime,
    eventId,
    requestId: textField(record, 'requestID'),
    eventVersion: asText(record.eventVersion),
    eventType: asText(record.eventType),
    eventCategory: asText(record.eventCategory),
    readOnly: asBoolean(record.readOnly),
    managementEvent: asBoolean(record.managementEvent),
    awsRegion,
    accountId: asText(record.recipientAccountId) ?? principal.principalAccountId ?? context.logAccountId,
    ...principal,
    sourceIpAddress: textField(record, 'sourceIPAddress'),
    userAgent: asText(record.userAgent),
    errorCode: asText(record.errorCode),
    errorMessage: asText(record.errorMessage),
    resources: resources.length > 0 ? resources : undefined,
    ...payloadFields('requestParameters', record.requestParameters),
    ...payloadFields('responseElements', record.responseElements),
    logFile: context.logFile,
    expiresAt:
      retentionDays > 0
        ? Math.floor(Date.parse(sortableTime) / 1000) + retentionDays * SECONDS_PER_DAY
        : undefined,
  });
}
