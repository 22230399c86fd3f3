import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MlEventItem } from '../../contract/ml-event-item';
import { PROJECT_ROOT } from './factories';

/** A real-shaped CloudTrail record kept as a detections fixture. */
export type CloudTrailRecord = Record<string, unknown>;

/** Folder of the detections fixtures: real records, with where each was published. */
export const DETECTIONS_FIXTURES_DIR = join(PROJECT_ROOT, 'test/fixtures/detections');

/** A record of `test/fixtures/detections/<name>.json`. */
export function readDetectionRecord(name: string): CloudTrailRecord {
  return JSON.parse(readFileSync(join(DETECTIONS_FIXTURES_DIR, `${name}.json`), 'utf8')) as CloudTrailRecord;
}

const SERVICES: Record<string, string> = {
  'bedrock.amazonaws.com': 'bedrock',
  'sagemaker.amazonaws.com': 'sagemaker',
  'forecast.amazonaws.com': 'forecast',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function principalOf(identity: Record<string, unknown>): string {
  const issuer = (identity.sessionContext as { sessionIssuer?: { arn?: string } } | undefined)?.sessionIssuer;
  switch (identity.type) {
    case 'AssumedRole':
      return text(issuer?.arn) ?? text(identity.arn) ?? 'unknown';
    case 'AWSService':
      return text(identity.invokedBy) ?? 'unknown';
    default:
      return text(identity.arn) ?? text(identity.principalId) ?? 'unknown';
  }
}

// `2025-01-21 17:49:47.000000000` (as some exports write it) -> `2025-01-21T17:49:47Z`.
function normalizedTime(logged: string): string {
  return `${logged.slice(0, 10)}T${logged.slice(11, 19)}Z`;
}

/**
 * The item a record is stored as, for the fields the detection rules read (service, principal,
 * actor, errorCode, requestParameters, eventTime in UTC seconds). A stand-in for the normalizer of
 * `lambda/core/ml-event.ts` while that moves to the new item schema: it follows the README's
 * principal rules for the identity types of the fixtures (AssumedRole, IAMUser, Root, AWSService).
 */
export function itemOfRecord(record: CloudTrailRecord, overrides: Partial<MlEventItem> = {}): MlEventItem {
  const identity = (record.userIdentity ?? {}) as Record<string, unknown>;
  const eventSource = text(record.eventSource) ?? 'unknown';
  const arn = text(identity.arn);
  const session = arn?.match(/:assumed-role\/[^/]+\/(.+)$/)?.[1];
  const eventTime = normalizedTime(text(record.eventTime) ?? '1970-01-01T00:00:00Z');
  const item: Record<string, unknown> = {
    eventID: text(record.eventID) ?? 'no-event-id',
    eventTime,
    ...(eventTime === record.eventTime ? {} : { eventTimeAsLogged: record.eventTime }),
    service: SERVICES[eventSource] ?? eventSource.split('.')[0],
    keyShard: 0,
    eventSource,
    eventName: text(record.eventName) ?? 'unknown',
    eventType: text(record.eventType),
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : undefined,
    awsRegion: text(record.awsRegion),
    recipientAccountId: text(record.recipientAccountId),
    requestID: text(record.requestID),
    sourceIPAddress: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
    errorCode: text(record.errorCode),
    errorMessage: text(record.errorMessage),
    principal: principalOf(identity),
    principalType: text(identity.type) ?? 'Unknown',
    principalArn: arn,
    principalId: text(identity.principalId),
    principalAccountId: text(identity.accountId),
    userName: text(identity.userName),
    actor: identity.type === 'IAMUser' ? text(identity.userName) : session,
    requestParameters: record.requestParameters ?? undefined,
    responseElements: record.responseElements ?? undefined,
    logFile: 's3://mltrail-test-trail/AWSLogs/fixture.json.gz',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(item).filter(([, value]) => value !== undefined),
  ) as unknown as MlEventItem;
}
