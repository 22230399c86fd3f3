import { RECORD_FIELDS } from '../../contract/cloudtrail-fields';
import { keyAttributeValue } from '../../contract/key-attribute-values';
import { keyShardOf } from '../../contract/key-shards';
import type { MlEventItem } from '../../contract/ml-event-item';
import { type FieldRedaction, redactRecord } from './field-redaction';
import { asBoolean, asObject, asText, field, type JsonObject, LoggedNames } from './json-fields';
import { type PrincipalFieldsRead, readPrincipalFields } from './principal';
import {
  type ChangedPaths,
  MAX_PAYLOAD_BYTES,
  type SizedStorablePayload,
  storedItemSize,
  storedItemSizeAtMost,
  toSizedStorablePayload,
  toStorablePayload,
  toStorableText,
} from './storable-payload';

/** Where a record came from and how long to keep it. */
export interface RecordContext {
  /** `s3://bucket/key` of the log file (a `file://` URL for a local file). */
  readonly logFile: string;
  /** Account id in the log file's key: the last fallback for an item's recipientAccountId. */
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

const CLOUDTRAIL_TIME_LENGTH = 20;
const [DASH, COLON, LETTER_T, LETTER_Z] = [0x2d, 0x3a, 0x54, 0x5a];
// Date.UTC takes the years 0-99 for 1900-1999; earlier years are left to Date.parse.
const MIN_DATE_UTC_YEAR = 100;

/** The number written in `text` from `start`, `count` decimal digits; -1 when one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Whether eventTime is written exactly as CloudTrail writes it, `YYYY-MM-DDTHH:MM:SSZ`, and is a
 * real time of the years 0100-9999; when it is not, {@link parseEventTime}'s general rules decide.
 * Nearly every record is read here, its digits in place: the general rules take a pattern, a
 * Date.parse of a rebuilt text and a Date to check the range, and every record's time is read
 * twice (its check and its item).
 */
function isCloudTrailTime(text: string): boolean {
  if (
    text.length !== CLOUDTRAIL_TIME_LENGTH ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== LETTER_T ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON ||
    text.charCodeAt(19) !== LETTER_Z
  )
    return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  return (
    year >= MIN_DATE_UTC_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  );
}

/** Epoch milliseconds of a time {@link isCloudTrailTime} accepts. */
function cloudTrailTimeMillis(text: string): number {
  return Date.UTC(
    digitsAt(text, 0, 4),
    digitsAt(text, 5, 2) - 1,
    digitsAt(text, 8, 2),
    digitsAt(text, 11, 2),
    digitsAt(text, 14, 2),
    digitsAt(text, 17, 2),
  );
}

/**
 * eventTime in epoch milliseconds, or undefined when it is not a real ISO 8601 time (no February
 * 30th, no hour 24) or it falls outside the years 0000-9999 in UTC, where sort keys would not
 * order. A time without a zone is UTC, whatever the machine's zone, so that items do not depend
 * on where they were made.
 */
export function parseEventTime(eventTime: string): number | undefined {
  if (isCloudTrailTime(eventTime)) return cloudTrailTimeMillis(eventTime);
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

/** eventTime as `YYYY-MM-DDTHH:MM:SSZ` in UTC, the form CloudTrail writes and every sort key uses. */
export function toSortableTime(eventTime: string): string {
  if (isCloudTrailTime(eventTime)) return eventTime;
  return `${new Date(parseEventTime(eventTime) as number).toISOString().slice(0, 19)}Z`;
}

interface ArnCollection {
  readonly arns: Set<string>;
  bytes: number;
  /** Maps and lists looked into so far. */
  visited: number;
}

const LOWER_CASE_BIT = 0x20;
const [LETTER_A, LETTER_R, LETTER_N, LETTER_S] = [0x61, 0x72, 0x6e, 0x73];

/**
 * Whether a key names ARNs: it ends in `arn` or `arns`, in any case of those ASCII letters (what
 * `/arns?$/i` matches). Read from its last letters: every key of every payload is asked.
 */
function isArnKey(key: string): boolean {
  const lowerAt = (index: number) => key.charCodeAt(index) | LOWER_CASE_BIT;
  let end = key.length;
  if (end > 0 && lowerAt(end - 1) === LETTER_S) end -= 1;
  return (
    end >= 3 &&
    lowerAt(end - 3) === LETTER_A &&
    lowerAt(end - 2) === LETTER_R &&
    lowerAt(end - 1) === LETTER_N
  );
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
    for (let index = 0; index < value.length; index++) collectArnFields(value[index], collection, depth + 1);
    return;
  }
  // for...in meets the keys Object.keys gives, in its order, without making their array (a parsed
  // value inherits no enumerable key).
  const object = value as JsonObject;
  for (const key in object) {
    const element = object[key];
    if (isArnKey(key)) {
      if (Array.isArray(element)) for (const arn of element) addArn(collection, arn);
      else addArn(collection, element);
    } else if (typeof element === 'object') {
      collectArnFields(element, collection, depth + 1);
    }
  }
}

/**
 * ARNs of the resources an event touched, in the order first seen, within the item's budget:
 * `resources[]` (ARN or ARNPrefix), then ARN-valued response fields, then request fields. The
 * first is the event's primary resource (`resourceArn`).
 */
export function collectResourceArns(record: JsonObject): string[] {
  return resourceArnsOf(record, field(record, 'resources'));
}

function resourceArnsOf(record: JsonObject, resources: unknown): string[] {
  const collection: ArnCollection = { arns: new Set<string>(), bytes: 0, visited: 0 };
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      const object = asObject(resource);
      addArn(collection, field(object, 'ARN') ?? field(object, 'ARNPrefix'));
    }
  }
  collectArnFields(record.responseElements, collection, 0);
  collectArnFields(record.requestParameters, collection, 0);
  return [...collection.arns];
}

type PayloadName = 'requestParameters' | 'responseElements' | 'additionalEventData';
const PAYLOAD_NAMES: readonly PayloadName[] = [
  'requestParameters',
  'responseElements',
  'additionalEventData',
];

type TextAttribute = Exclude<
  {
    [K in keyof MlEventItem]-?: MlEventItem[K] extends string | undefined ? K : never;
  }[keyof MlEventItem],
  KeyTextAttribute | 'logFile'
>;

/** Attributes that are a key of the table or of some index (see `table-schema.ts`). */
type KeyTextAttribute =
  | 'eventID'
  | 'eventTime'
  | 'service'
  | 'eventName'
  | 'errorCode'
  | 'principal'
  | 'recipientAccountId'
  | 'actor'
  | 'resourceArn';

/** An item while it is made: attributes are added in the order they are stored. */
type ItemDraft = { -readonly [K in keyof MlEventItem]?: MlEventItem[K] };

/** A text attribute capped and made well-formed, its path in changedPaths when that changed it. */
function storableText(
  name: TextAttribute,
  value: string | undefined,
  changed: ChangedPaths,
): string | undefined {
  if (value === undefined) return undefined;
  const stored = toStorableText(value, name === 'errorMessage' ? MAX_ERROR_MESSAGE_BYTES : MAX_TEXT_BYTES);
  if (stored !== value) changed.push(`/${name}`);
  return stored;
}

/**
 * A key attribute by the digest rule of `toKeyValue`, within its budget (`keyAttributeValue`), so
 * that every multi-attribute index key fits DynamoDB's aggregate limits (2,048 bytes for a
 * partition key, 1,024 for a sort key); distinct values are kept distinct. A value CloudTrail
 * logged (`logged`) that does not fit has its path in changedPaths.
 */
function keyText(
  name: KeyTextAttribute,
  value: string | undefined,
  changed: ChangedPaths,
  logged: boolean,
): string | undefined {
  if (value === undefined) return undefined;
  const key = keyAttributeValue(name, value);
  if (key !== value && logged) changed.push(`/${name}`);
  return key;
}

/**
 * Attributes that hold what the item already says are left out, so that a typical event fits
 * one write unit (1 KB); each is restored by one rule (the README's item schema):
 * `principalAccountId` is left out when it is the recipientAccountId, and `principalArn` when it
 * is the session ARN of an assumed role, `arn:<partition>:sts::<account>:assumed-role/<role
 * name>/<session name>`, made of the role (the principal) and the session name (principalId's end).
 */
function addCaller(
  item: ItemDraft,
  caller: PrincipalFieldsRead,
  recipientAccountId: string | undefined,
  changed: ChangedPaths,
): void {
  const principalArn = storableText(
    'principalArn',
    caller.principalArn !== undefined &&
      caller.principalArn === sessionArnOf(caller.principal as string, caller.principalId)
      ? undefined
      : caller.principalArn,
    changed,
  );
  if (principalArn !== undefined) item.principalArn = principalArn;
  const principalId = storableText('principalId', caller.principalId, changed);
  if (principalId !== undefined) item.principalId = principalId;
  const principalAccountId = storableText(
    'principalAccountId',
    caller.principalAccountId === recipientAccountId ? undefined : caller.principalAccountId,
    changed,
  );
  if (principalAccountId !== undefined) item.principalAccountId = principalAccountId;
  const userName = storableText('userName', caller.userName, changed);
  if (userName !== undefined) item.userName = userName;
  const accessKeyId = storableText('accessKeyId', caller.accessKeyId, changed);
  if (accessKeyId !== undefined) item.accessKeyId = accessKeyId;
  const invokedBy = storableText('invokedBy', caller.invokedBy, changed);
  if (invokedBy !== undefined) item.invokedBy = invokedBy;
  const sourceIdentity = storableText('sourceIdentity', caller.sourceIdentity, changed);
  if (sourceIdentity !== undefined) item.sourceIdentity = sourceIdentity;
  const sessionCreationDate = storableText('sessionCreationDate', caller.sessionCreationDate, changed);
  if (sessionCreationDate !== undefined) item.sessionCreationDate = sessionCreationDate;
  const onBehalfOfUserId = storableText('onBehalfOfUserId', caller.onBehalfOfUserId, changed);
  if (onBehalfOfUserId !== undefined) item.onBehalfOfUserId = onBehalfOfUserId;
  const identityStoreArn = storableText('identityStoreArn', caller.identityStoreArn, changed);
  if (identityStoreArn !== undefined) item.identityStoreArn = identityStoreArn;
}

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/;

/** The assumed-role session ARN of a role and a principalId `<role id>:<session name>`, else undefined. */
export function sessionArnOf(roleArn: string, principalId: string | undefined): string | undefined {
  const match = ROLE_ARN.exec(roleArn);
  const separator = principalId?.indexOf(':') ?? -1;
  if (!match || principalId === undefined || separator < 0) return undefined;
  const [, partition, account, roleName] = match;
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${principalId.slice(separator + 1)}`;
}

const S3_URL_PREFIX = 's3://';

/**
 * The log file as stored: an S3 object's key (the function only reads its trail bucket, the
 * stack's `LogBucketName` output), or the URL of a file read from elsewhere (`file://...`).
 */
function logFileToStore(logFile: string): string {
  if (!logFile.startsWith(S3_URL_PREFIX)) return logFile;
  const keyStart = logFile.indexOf('/', S3_URL_PREFIX.length);
  // A bucket name of one character at least, as in `s3://<bucket>/<key>`.
  return keyStart > S3_URL_PREFIX.length ? logFile.slice(keyStart + 1) : logFile;
}

/**
 * A record's members, read by name with a fallback to another case of the name (see `field`):
 * some published records carry `sourceipaddress`.
 */
const RECORD_NAMES = new LoggedNames(RECORD_FIELDS);

/** tlsDetails is a small map; one larger than this is no TLS detail and is cut, its path changed. */
const MAX_TLS_DETAILS_BYTES = 4 * 1024;

/**
 * managementEvent and eventCategory say the same thing twice for most events: `true` is
 * eventCategory `Management`, `false` any other category. So a managementEvent of `true` stands
 * for `Management`, and an eventCategory other than `Management` stands for `false`; what
 * disagrees, or is logged alone, is stored as logged.
 */
function addCategory(
  item: ItemDraft,
  managementEvent: boolean | undefined,
  eventCategory: string | undefined,
): void {
  if (managementEvent === true && eventCategory === 'Management') {
    item.managementEvent = managementEvent;
  } else if (managementEvent === false && eventCategory !== undefined && eventCategory !== 'Management') {
    item.eventCategory = eventCategory;
  } else {
    if (managementEvent !== undefined) item.managementEvent = managementEvent;
    if (eventCategory !== undefined) item.eventCategory = eventCategory;
  }
}

/** The payloads of a record as stored, and the paths they changed. */
interface StorablePayloads {
  readonly payloads: readonly (SizedStorablePayload | undefined)[];
  readonly changed: ChangedPaths;
}

/**
 * The payloads as stored, each within an even share of what the item's other attributes leave
 * (`itemBytes` is their stored size), so the last ones are never starved.
 */
function storablePayloads(record: JsonObject, itemBytes: number, recordBytes?: number): StorablePayloads {
  let budget = MAX_ITEM_BYTES - itemBytes - PAYLOAD_ATTRIBUTES_BYTES;
  const payloads: (SizedStorablePayload | undefined)[] = [];
  const changed: ChangedPaths = [];
  for (let index = 0; index < PAYLOAD_NAMES.length; index++) {
    const name = PAYLOAD_NAMES[index] as PayloadName;
    const value = record[name];
    if (value === undefined || value === null) {
      payloads.push(undefined);
      continue;
    }
    const share = Math.floor(budget / (PAYLOAD_NAMES.length - index));
    const cap = Math.min(MAX_PAYLOAD_BYTES, share);
    const payload = toSizedStorablePayload(value, `/${name}`, changed, cap, recordBytes);
    payloads.push(payload);
    budget -= payload.storedBytes;
  }
  return { payloads, changed };
}

/**
 * {@link storablePayloads} for an item whose other attributes are `item`. Their stored size is
 * first taken at most (`storedItemSizeAtMost`, which counts no UTF-8), and that is enough when
 * every payload came out as any larger share would make it, which is nearly always: payloads are
 * far smaller than their shares, and the exact size could only make the shares larger (payload by
 * payload, as each before took the same bytes). Otherwise the size is counted exactly and the
 * payloads made again.
 */
function itemPayloads(record: JsonObject, item: ItemDraft, recordBytes?: number): StorablePayloads {
  const bounded = storablePayloads(record, storedItemSizeAtMost(item), recordBytes);
  if (bounded.payloads.every((payload) => payload === undefined || payload.sameUnderLargerCap))
    return bounded;
  return storablePayloads(record, storedItemSize(item), recordBytes);
}

/**
 * Normalizes one valid CloudTrail record (see {@link findRecordDefect}) of a catalogued service
 * into its item. The item is a function of the record and its file only, so that re-ingesting a
 * file rewrites identical items. Every item is storable: keys within DynamoDB's limits (see
 * `toKeyValue`), text attributes capped, payloads within what the item leaves them, and what
 * DynamoDB cannot hold as logged stored as JSON text, its path in `changedPaths`. The context's
 * redaction applies first, to the record itself: what it leaves out is neither stored nor searched
 * for resource ARNs, and, being a policy rather than a storage limit, is not in `changedPaths`.
 * `recordBytes`, the size of the record's JSON text in UTF-8 when the caller has it, bounds what its
 * payloads can store (the item is the same with it or without it; only the work is less).
 */
export function toMlEvent(
  logged: JsonObject,
  service: string,
  context: RecordContext,
  recordBytes?: number,
): MlEventItem {
  const record = redactRecord(logged, context.redaction);
  const changed: ChangedPaths = [];
  const loggedTime = record.eventTime as string;
  const eventTime = toSortableTime(loggedTime);
  if (eventTime !== loggedTime) changed.push('/eventTime');
  const awsRegion = asText(record.awsRegion);
  const named = RECORD_NAMES.read(record) as JsonObject;
  const caller = readPrincipalFields(asObject(named.userIdentity), awsRegion);
  const resourceArns = resourceArnsOf(record, named.resources);
  const retentionDays = context.retentionDays ?? 0;
  // Keys first, in this order: changedPaths lists paths in the order they are met.
  const eventID = keyText('eventID', record.eventID as string, changed, true);
  const eventName = keyText('eventName', record.eventName as string, changed, true);
  const errorCode = keyText('errorCode', asText(record.errorCode), changed, true);
  const recipientAccountId = keyText(
    'recipientAccountId',
    asText(record.recipientAccountId) ?? caller.principalAccountId ?? context.logAccountId,
    changed,
    true,
  );
  const principal = keyText('principal', caller.principal, changed, false) as string;
  const actor = keyText('actor', caller.actor, changed, false);
  const resourceArn = keyText('resourceArn', resourceArns[0], changed, false);

  // Each attribute is added by its name, in the order items store them, and only when present:
  // adding attributes by a computed name (a loop, or a copy without the absent ones) made each a
  // search for the item's next shape, and that was most of the time an item took.
  const item: ItemDraft = {};
  if (eventID !== undefined) item.eventID = eventID;
  item.eventTime = eventTime;
  const eventTimeAsLogged = storableText(
    'eventTimeAsLogged',
    eventTime === loggedTime ? undefined : loggedTime,
    changed,
  );
  if (eventTimeAsLogged !== undefined) item.eventTimeAsLogged = eventTimeAsLogged;
  item.service = service;
  item.keyShard = keyShardOf(service, eventID as string);
  const eventSource = storableText('eventSource', record.eventSource as string, changed);
  if (eventSource !== undefined) item.eventSource = eventSource;
  if (eventName !== undefined) item.eventName = eventName;
  const eventVersion = storableText('eventVersion', asText(record.eventVersion), changed);
  if (eventVersion !== undefined) item.eventVersion = eventVersion;
  const eventType = storableText('eventType', asText(record.eventType), changed);
  if (eventType !== undefined) item.eventType = eventType;
  const managementEvent = asBoolean(record.managementEvent);
  addCategory(item, managementEvent, storableText('eventCategory', asText(record.eventCategory), changed));
  const readOnly = asBoolean(record.readOnly);
  if (readOnly !== undefined) item.readOnly = readOnly;
  const region = storableText('awsRegion', awsRegion, changed);
  if (region !== undefined) item.awsRegion = region;
  if (recipientAccountId !== undefined) item.recipientAccountId = recipientAccountId;
  const requestID = storableText('requestID', asText(named.requestID), changed);
  if (requestID !== undefined) item.requestID = requestID;
  const sharedEventID = storableText('sharedEventID', asText(named.sharedEventID), changed);
  if (sharedEventID !== undefined) item.sharedEventID = sharedEventID;
  const sourceIPAddress = storableText('sourceIPAddress', asText(named.sourceIPAddress), changed);
  if (sourceIPAddress !== undefined) item.sourceIPAddress = sourceIPAddress;
  const userAgent = storableText('userAgent', asText(record.userAgent), changed);
  if (userAgent !== undefined) item.userAgent = userAgent;
  const vpcEndpointId = storableText('vpcEndpointId', asText(named.vpcEndpointId), changed);
  if (vpcEndpointId !== undefined) item.vpcEndpointId = vpcEndpointId;
  const vpcEndpointAccountId = storableText(
    'vpcEndpointAccountId',
    asText(named.vpcEndpointAccountId),
    changed,
  );
  if (vpcEndpointAccountId !== undefined) item.vpcEndpointAccountId = vpcEndpointAccountId;
  const tlsDetails = tlsDetailsOf(record.tlsDetails, changed);
  if (tlsDetails !== undefined) item.tlsDetails = tlsDetails;
  if (errorCode !== undefined) item.errorCode = errorCode;
  const errorMessage = storableText('errorMessage', asText(record.errorMessage), changed);
  if (errorMessage !== undefined) item.errorMessage = errorMessage;
  item.principal = principal;
  item.principalType = storableText('principalType', caller.principalType, changed) as string;
  addCaller(item, caller, recipientAccountId, changed);
  if (caller.mfaAuthenticated !== undefined) item.mfaAuthenticated = caller.mfaAuthenticated;
  if (actor !== undefined) item.actor = actor;
  if (resourceArn !== undefined) item.resourceArn = resourceArn;
  if (resourceArns.length > 0) item.resourceArns = resourceArns;
  item.logFile = logFileToStore(context.logFile);
  if (retentionDays > 0)
    item.expiresAt = Math.floor(Date.parse(eventTime) / 1000) + retentionDays * SECONDS_PER_DAY;

  const payloads = itemPayloads(record, item, recordBytes);
  changed.push(...payloads.changed);
  const [request, response, additional] = payloads.payloads;
  if (request) {
    item.requestParameters = request.value;
    if (request.truncated) item.requestParametersTruncated = true;
  }
  if (response) {
    item.responseElements = response.value;
    if (response.truncated) item.responseElementsTruncated = true;
  }
  if (additional) {
    item.additionalEventData = additional.value;
    if (additional.truncated) item.additionalEventDataTruncated = true;
  }
  // Every changed path is listed, none cut: one per text attribute at most, and each payload's are
  // bounded in number and length (MAX_PAYLOAD_CHANGED_PATHS, MAX_CHANGED_PATH_BYTES), within the
  // room MAX_ITEM_BYTES leaves.
  if (changed.length > 0) item.changedPaths = [...new Set(changed)];
  return item as MlEventItem;
}

function tlsDetailsOf(value: unknown, changed: ChangedPaths): unknown {
  if (value === undefined || value === null) return undefined;
  return toStorablePayload(value, '/tlsDetails', changed, MAX_TLS_DETAILS_BYTES).value;
}

// Names of the payload attributes and their flags, counted against the item's size.
const PAYLOAD_ATTRIBUTES_BYTES =
  PAYLOAD_NAMES.reduce((bytes, name) => bytes + 2 * name.length + 'Truncated'.length, 0) + 64;
