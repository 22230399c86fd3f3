import { createHash } from 'node:crypto';
import type { QueryPlan } from './event-query-plan';

/** Where a page ended: the last event returned, in index order. */
export interface EventPosition {
  readonly eventTime: string;
  readonly eventID: string;
  /** The byError index sorts by errorCode after eventID: its entries need it to resume. */
  readonly errorCode?: string;
}

/** A cursor that is not one this module wrote for this query. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

interface CursorBody {
  readonly v: 1;
  /** The index read and a digest of the whole plan: a cursor resumes only the query it came from. */
  readonly index: string;
  readonly query: string;
  readonly eventTime: string;
  readonly eventID: string;
  readonly errorCode?: string;
}

/** A digest of what a plan reads, so that a cursor of another query is refused. */
function planDigest(plan: QueryPlan): string {
  const { index, partitions, equals, errorsOnly, since, until } = plan;
  return createHash('sha256')
    .update(JSON.stringify([index.indexName, partitions, equals, errorsOnly, since ?? null, until ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

/** The opaque cursor of a page that ended at `position`: base64url JSON. */
export function encodeCursor(plan: QueryPlan, position: EventPosition): string {
  const body: CursorBody = {
    v: 1,
    index: plan.index.indexName,
    query: planDigest(plan),
    eventTime: position.eventTime,
    eventID: position.eventID,
    ...(position.errorCode === undefined ? {} : { errorCode: position.errorCode }),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a cursor of `plan` holds; throws InvalidCursorError for any other text. */
export function decodeCursor(plan: QueryPlan, cursor: string): EventPosition {
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch (cause) {
    throw new InvalidCursorError('the cursor is not one a page of events returned', { cause });
  }
  if (
    body?.v !== 1 ||
    typeof body.eventTime !== 'string' ||
    typeof body.eventID !== 'string' ||
    (body.errorCode !== undefined && typeof body.errorCode !== 'string')
  ) {
    throw new InvalidCursorError('the cursor is not one a page of events returned');
  }
  if (body.index !== plan.index.indexName || body.query !== planDigest(plan)) {
    throw new InvalidCursorError('the cursor belongs to another query: pass it with the query it came from');
  }
  return {
    eventTime: body.eventTime,
    eventID: body.eventID,
    ...(body.errorCode === undefined ? {} : { errorCode: body.errorCode }),
  };
}

/**
 * Index order, newest first: eventTime, then eventID (then errorCode), each as DynamoDB compares
 * strings (by the bytes of their UTF-8, which differs from JavaScript's UTF-16 order above U+FFFF).
 * Negative when `a` comes first.
 */
export function compareNewestFirst(a: EventPosition, b: EventPosition): number {
  return (
    compareUtf8(b.eventTime, a.eventTime) ||
    compareUtf8(b.eventID, a.eventID) ||
    compareUtf8(b.errorCode ?? '', a.errorCode ?? '')
  );
}

function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
