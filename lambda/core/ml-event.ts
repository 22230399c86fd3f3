import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, toKeyValue } from '../../contract/key-values';
import type { MlEventItem } from '../../contract/ml-event-item';
import { type FieldRedaction, redactRecord } from './field-redaction';
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
import { type PrincipalFields, toPrincipalFields } from './principal';
import {
  type ChangedPaths,
  MAX_PAYLOAD_BYTES,
  storedItemSize,
  storedSize,
  toStorablePayload,
  toStorableText,
} from './storable-payload';

/** Where a record came from and how long to keep it. */
export interface RecordContext {
  /** `s3://bucket/key` of the log file (a `file://` URL for a local file). */
  readonly logFile: string;
  /** Account id in the log file's key: the last fallback for an item's accountId. */
  readonly logAccountId?: string;
  /** Days to keep an event after its eventTime; undefined or 0 keeps it forever. */
  readonly retentionDays?: number;
  /** Which sensitive fields are stored; every field as logged when absent. */
  readonly redaction?: FieldRedaction;
}

/** A record is kept only when it has these, each a non-empty string. */
export const REQUIRED_RECORD_FIELDS = ['eventSource', 'eventTime', 'eventID'] as const;

/** At most this many resource ARNs are kept per event. */
export const MAX_RESOURCES = 64;
const MAX_ARN_LENGTH = 2048;
/** Cap of each text attribute (ids, names, ARNs, the user agent), in bytes. */
export const MAX_TEXT_BYTES = 2048;
/** Cap of errorMessage, in bytes: it may quote what the caller sent. */
export const MAX_ERROR_MESSAGE_BYTES = 16 * 1024;
/** Cap of the resources list, in bytes of its ARNs. */
const MAX_RESOURCES_BYTES = 32 * 1024;
/**
 * What an item may take, in bytes as DynamoDB counts them: its 400 KB limit less room for
 * changedPaths. Payloads get what the other attributes leave, up to MAX_PAYLOAD_BYTES each.
 */
export const MAX_ITEM_BYTES = 400 * 1024 - 16 * 1024;
const MAX_ARN_SEARCH_DEPTH = 8;
const SECONDS_PER_DAY = 86_400;
const ARN_KEY = /arns?$/i;

/**
 * Why a record with this eventSource is not a CloudTrail record, or undefined: `aws:s3`,
 * `aws:dynamodb` and the like are the sources of AWS event notifications, whose files also hold a
 * `Records` array. The reason does not quote the eventSource: it is read from a record that is not
 * what it should be, and a reason is logged.
 */
export function findEventSourceDefect(eventSource: string): string | undefined {
  return eventSource.startsWith('aws:')
    ? 'record is an AWS event notification (an eventSource aws:<service>), not a CloudTrail record'
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
    return 'record eventTime is not a valid ISO 8601 timestamp between the years 0000 and 9999 UTC';
  if (!asText(object.eventName)) return 'record has no eventName';
  return undefined;
}

// CloudTrail writes `2024-06-02T20:15:00Z`; some exporters write a space, fractions or no zone.
const EVENT_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
// `YYYY-MM-DDTHH:MM:SS.sssZ`: toISOString writes longer forms outside the years 0000-9999.
const ISO_TIME_LENGTH = 24;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/**
 * eventTime in epoch milliseconds, or undefined when it is not a real ISO 8601 time (no February
 * 30th, no hour 24) or it falls outside the years 0000-9999 in UTC, where sort keys would not
 * order. A time without a zone is UTC, whatever the machine's zone, so that items do not depend
 * on where they were made.
 */
export function parseEventTime(eventTime: string): number | undefined {
  const match = EVENT_TIME_PATTERN.exec(eventTime);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', , sign, offsetHours, offsetMinutes] =
    match as unknown as (string | undefined)[];
  const [y, mo, d] = [Number(year), Number(month), Number(day)];
  const inRange =
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth(y, mo) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHours ?? 0) <= 23 &&
    Number(offsetMinutes ?? 0) <= 59;
  if (!inRange) return undefined;
  const zone = sign === undefined ? 'Z' : `${sign}${offsetHours}:${offsetMinutes}`;
  const millis = Date.parse(
    `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${zone}`,
  );
  if (Number.isNaN(millis) || new Date(millis).toISOString().length !== ISO_TIME_LENGTH) return undefined;
  return millis;
}

/** eventTime as `YYYY-MM-DDTHH:MM:SSZ` in UTC, the form every sort key uses. */
export function toSortableTime(eventTime: string): string {
  return `${new Date(parseEventTime(eventTime) as number).toISOString().slice(0, 19)}Z`;
}

interface ArnCollection {
  readonly arns: Set<string>;
  bytes: number;
  /** Maps and lists looked into so far. */
  visited: number;
}

// ARN fields sit near the top of a payload; a payload of megabytes is not searched to its end.
const MAX_ARN_SEARCH_NODES = 10_000;

function addArn(collection: ArnCollection, value: unknown): void {
  if (collection.arns.size >= MAX_RESOURCES) return;
  if (typeof value !== 'string' || !value.startsWith('arn:') || collection.arns.has(value)) return;
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_ARN_LENGTH || collection.bytes + bytes > MAX_RESOURCES_BYTES || !value.isWellFormed())
    return;
  collection.arns.add(value);
  collection.bytes += bytes;
}

function collectArnFields(value: unknown, collection: ArnCollection, depth: number): void {
  if (depth > MAX_ARN_SEARCH_DEPTH || collection.arns.size >= MAX_RESOURCES) return;
  if (typeof value !== 'object' || value === null || ++collection.visited > MAX_ARN_SEARCH_NODES) return;
  if (Array.isArray(value)) {
    for (const element of value) collectArnFields(element, collection, depth + 1);
    return;
  }
  const object = asObject(value);
  if (!object) return;
  for (const key of Object.keys(object)) {
    const element = object[key];
    if (ARN_KEY.test(key)) {
      if (Array.isArray(element)) for (const arn of element) addArn(collection, arn);
      else addArn(collection, element);
    } else if (typeof element === 'object') {
      collectArnFields(element, collection, depth + 1);
    }
  }
}

/** ARNs of the resources an event touched, in the order first seen, within the item's budget. */
export function collectResourceArns(record: JsonObject): string[] {
  const collection: ArnCollection = { arns: new Set<string>(), bytes: 0, visited: 0 };
  const resources = field(record, 'resources');
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      const object = asObject(resource);
      addArn(collection, field(object, 'ARN') ?? field(object, 'ARNPrefix'));
    }
  }
  collectArnFields(record.requestParameters, collection, 0);
  collectArnFields(record.responseElements, collection, 0);
  return [...collection.arns];
}

function payloadFields(
  name: 'requestParameters' | 'responseElements',
  value: unknown,
  maxBytes: number,
  changed: ChangedPaths,
): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  const payload = toStorablePayload(value, `/${name}`, changed, maxBytes);
  return payload.truncated
    ? { [name]: payload.value, [`${name}Truncated`]: true }
    : { [name]: payload.value };
}

type TextAttribute = Exclude<
  {
    [K in keyof MlEventItem]-?: MlEventItem[K] extends string | undefined ? K : never;
  }[keyof MlEventItem],
  'service' | 'eventTimeId' | 'serviceEventName' | 'principal' | 'accountId' | 'logFile'
>;

/** Caps every text attribute and makes it well-formed, noting what it changed. */
function storableTexts(
  texts: Partial<Record<TextAttribute, string | undefined>>,
  changed: ChangedPaths,
): Partial<Record<TextAttribute, string>> {
  const stored: Partial<Record<TextAttribute, string>> = {};
  for (const [name, value] of Object.entries(texts) as [TextAttribute, string | undefined][]) {
    if (value === undefined) continue;
    const maxBytes = name === 'errorMessage' ? MAX_ERROR_MESSAGE_BYTES : MAX_TEXT_BYTES;
    stored[name] = toStorableText(value, maxBytes, `/${name}`, changed);
  }
  return stored;
}

/**
 * Every changed path is listed, none cut: one per text attribute at most, and each payload's are
 * bounded in number and length (MAX_PAYLOAD_CHANGED_PATHS, MAX_CHANGED_PATH_BYTES), within the
 * room MAX_ITEM_BYTES leaves.
 */
function changedPathsField(changed: ChangedPaths): { changedPaths?: string[] } {
  if (changed.length === 0) return {};
  return { changedPaths: [...new Set(changed)] };
}

/**
 * Normalizes one valid CloudTrail record (see {@link findRecordDefect}) of a catalogued service
 * into its item. The item is a function of the record and its file only, so that re-ingesting a
 * file rewrites identical items. Every item is storable: keys within DynamoDB's limits (see
 * `toKeyValue`), text attributes capped, payloads within what the item leaves them, and what
 * DynamoDB cannot hold as logged stored as JSON text, its path in `changedPaths`. The context's
 * redaction applies first, to the record itself: what it leaves out is neither stored nor searched
 * for resource ARNs, and, being a policy rather than a storage limit, is not in `changedPaths`.
 */
export function toMlEvent(logged: JsonObject, service: string, context: RecordContext): MlEventItem {
  const record = redactRecord(logged, context.redaction);
  const changed: ChangedPaths = [];
  const eventTime = record.eventTime as string;
  const eventId = record.eventID as string;
  const eventName = record.eventName as string;
  const awsRegion = asText(record.awsRegion);
  const identity = objectField(record, 'userIdentity');
  const { principal, principalType, ...caller } = toPrincipalFields(identity, awsRegion);
  const sortableTime = toSortableTime(eventTime);
  const resources = collectResourceArns(record);
  const retentionDays = context.retentionDays ?? 0;
  const accountId = asText(record.recipientAccountId) ?? caller.principalAccountId ?? context.logAccountId;
  const base = compact({
    service,
    eventTimeId: `${sortableTime}#${toKeyValue(eventId, MAX_SORT_KEY_BYTES - sortableTime.length - 1)}`,
    serviceEventName: toKeyValue(`${service}:${eventName}`, MAX_PARTITION_KEY_BYTES),
    ...storableTexts(
      {
        eventSource: record.eventSource as string,
        eventName,
        eventTime,
        eventId,
        requestId: textField(record, 'requestID'),
        eventVersion: asText(record.eventVersion),
        eventType: asText(record.eventType),
        eventCategory: asText(record.eventCategory),
      },
      changed,
    ),
    readOnly: asBoolean(record.readOnly),
    managementEvent: asBoolean(record.managementEvent),
    ...storableTexts({ awsRegion }, changed),
    accountId: accountId === undefined ? undefined : toKeyValue(accountId, MAX_PARTITION_KEY_BYTES),
    principal: toKeyValue(principal, MAX_PARTITION_KEY_BYTES),
    ...storableTexts({ principalType }, changed),
    ...storableTexts(callerTexts(caller), changed),
    mfaAuthenticated: caller.mfaAuthenticated,
    ...storableTexts(
      {
        sourceIpAddress: textField(record, 'sourceIPAddress'),
        userAgent: asText(record.userAgent),
        errorCode: asText(record.errorCode),
        errorMessage: asText(record.errorMessage),
      },
      changed,
    ),
    resources: resources.length > 0 ? resources : undefined,
    logFile: context.logFile,
    expiresAt:
      retentionDays > 0
        ? Math.floor(Date.parse(sortableTime) / 1000) + retentionDays * SECONDS_PER_DAY
        : undefined,
  });
  const payloadBudget = MAX_ITEM_BYTES - storedItemSize(base) - PAYLOAD_ATTRIBUTES_BYTES;
  const request = payloadFields(
    'requestParameters',
    record.requestParameters,
    Math.min(MAX_PAYLOAD_BYTES, Math.floor(payloadBudget / 2)),
    changed,
  );
  const response = payloadFields(
    'responseElements',
    record.responseElements,
    Math.min(MAX_PAYLOAD_BYTES, payloadBudget - storedSize(request.requestParameters ?? '')),
    changed,
  );
  return { ...base, ...request, ...response, ...changedPathsField(changed) } as MlEventItem;
}

// Names of the payload attributes and their flags, counted against the item's size.
const PAYLOAD_ATTRIBUTES_BYTES =
  'requestParametersTruncated'.length + 'responseElementsTruncated'.length + 64;

function callerTexts(
  caller: Omit<PrincipalFields, 'principal' | 'principalType'>,
): Partial<Record<TextAttribute, string | undefined>> {
  const { mfaAuthenticated: _, ...texts } = caller;
  return texts;
}
