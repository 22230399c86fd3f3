import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshallItem } from '../../contract/item-marshaller';
import type { MlEventItem } from '../../contract/ml-event-item';
import { TABLE_PARTITION_KEY } from '../../contract/table-schema';
import type { EventSink } from '../core/ingest-log-file';

/** BatchWriteItem takes at most 25 put requests. */
export const MAX_BATCH_WRITE_ITEMS = 25;
export const DEFAULT_WRITE_CONCURRENCY = 4;
export const RETRY_BASE_DELAY_MS = 50;
export const RETRY_MAX_DELAY_MS = 5_000;
/** Time a writer created without a deadline has to write everything, from its creation. */
export const DEFAULT_WRITE_DEADLINE_MS = 60_000;
/** Keys remembered per file to count in-file duplicates; past it the memory is cleared. */
export const MAX_REMEMBERED_KEYS = 100_000;
/** Rejected items noted per file for the summary line; the count goes on past it. */
export const MAX_REJECTED_NOTES = 10;
/** Longest delay a Node.js timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Errors DynamoDB answers when a table, index or account is over its rate: retried. */
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
/** Errors of DynamoDB's side, of the connection or of a timeout: retried. */
const TRANSIENT_ERRORS = new Set(['InternalServerError', 'ServiceUnavailable', 'TimeoutError']);
const CONNECTION_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** What DynamoDB answers for an item it will never store (a key too long, a number out of range, too big). */
const VALIDATION_ERROR = 'ValidationException';

/** A retry the writer is about to make, for a warning log. */
export interface WriteRetry {
  readonly operation: 'BatchWriteItem' | 'PutItem';
  /** Retry number of this request, from 1. */
  readonly attempt: number;
  /** Items the retry sends. */
  readonly items: number;
  /** `UnprocessedItems`, or the name (or code) of the error that is retried. */
  readonly reason: string;
  readonly delayMs: number;
}

/** Options of {@link DynamoDbEventWriter}. */
export interface DynamoDbEventWriterOptions {
  /** BatchWriteItem requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /**
   * Epoch ms by which every item must be written: retries stop at it, no request is sent after it
   * and any request still running is aborted.
   * @default - 60 s after the writer is created
   */
  readonly deadline?: number;
  /** Called before each retry (for a warning log). */
  readonly onRetry?: (retry: WriteRetry) => void;
  /** Sleep function, replaceable in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock in epoch ms, replaceable in tests. @default Date.now */
  readonly now?: () => number;
  /** Source of the backoff's jitter in [0, 1), replaceable in tests. @default Math.random */
  readonly random?: () => number;
}

/** An item DynamoDB refused to store, left out of the table. */
export interface RejectedItemNote {
  readonly eventId: string;
  /** DynamoDB's message, e.g. `Item size has exceeded the maximum allowed size`. */
  readonly message: string;
}

/** Counts of one writer's life (one log file). */
export interface WriteSummary {
  /** Items DynamoDB accepted. */
  readonly itemsWritten: number;
  /** Items left out because their key came earlier in the same file (CloudTrail can log an event twice). */
  readonly duplicates: number;
  /** Retried requests, whatever the reason (throttling, transient errors, UnprocessedItems). */
  readonly retries: number;
  /** Items DynamoDB refused with a ValidationException, even alone: counted, left out. */
  readonly rejectedItems: number;
  /** The first few rejected items. */
  readonly rejected: readonly RejectedItemNote[];
}

/** The deadline passed with items still unwritten. */
export class WriteDeadlineError extends Error {
  override name = 'WriteDeadlineError';
}

/** DynamoDB refused a request for a reason that no retry changes (access, a missing table, ...). */
export class EventWriteError extends Error {
  override name = 'EventWriteError';
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// The table's only key: one event, one item.
function keyOf(item: MlEventItem): string {
  return item[TABLE_PARTITION_KEY.name as 'eventID'];
}

function eventIdOf(request: WriteRequest): string {
  return request.PutRequest?.Item?.[TABLE_PARTITION_KEY.name]?.S ?? '(unknown)';
}

/** The error's name, or for a plain Node.js error its code (`ECONNRESET`). */
function errorName(error: unknown): string {
  const { name, code } = error as { name?: unknown; code?: unknown };
  if ((name === undefined || name === 'Error') && typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'Error';
}

/** Whether a failed request may succeed when sent again: throttling, DynamoDB's 5xx, timeouts, lost connections. */
export function isRetryableWriteError(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    THROTTLING_ERRORS.has(name) ||
    TRANSIENT_ERRORS.has(name) ||
    CONNECTION_ERROR_CODES.has(name) ||
    (status !== undefined && status >= 500)
  );
}

function isValidationError(error: unknown): boolean {
  return errorName(error) === VALIDATION_ERROR;
}

function writeError(operation: WriteRetry['operation'], error: unknown): EventWriteError {
  return new EventWriteError(`${operation} failed: ${errorName(error)}: ${(error as Error).message}`, {
    cause: error,
  });
}

/** A retry being planned: `attempt` counts from 0, `unwritten` is what the deadline would leave out. */
type PlannedRetry = Omit<WriteRetry, 'delayMs'> & { readonly unwritten: number };

/**
 * Writes items with BatchWriteItem, 25 per request and a bounded number of requests in flight.
 * Items with the same key are written once, the first seen (BatchWriteItem rejects a request
 * holding two; items are deterministic, so a duplicate past the remembered keys rewrites the same item).
 *
 * Throttling, transient errors and UnprocessedItems are retried with exponential backoff and full
 * jitter until the deadline; every request carries an abort signal that fires at the deadline.
 * When DynamoDB refuses a batch with a ValidationException, its items are written one by one with
 * PutItem, and those refused alone are counted and noted, not written: one bad item never fails
 * its batch or file. Any other error fails the writer.
 * `put` waits when the requests in flight are at the limit: the reader slows to the table's pace.
 */
export class DynamoDbEventWriter implements EventSink {
  private pending = new Map<string, MlEventItem>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly seenKeys = new Set<string>();
  private failure: unknown;
  private itemsWritten = 0;
  private duplicates = 0;
  private retries = 0;
  private rejectedItems = 0;
  private readonly rejected: RejectedItemNote[] = [];
  private readonly concurrency: number;
  private readonly deadline: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private abortTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoDbEventWriterOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_WRITE_CONCURRENCY);
    this.now = options.now ?? Date.now;
    this.deadline = options.deadline ?? this.now() + DEFAULT_WRITE_DEADLINE_MS;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  async put(item: MlEventItem): Promise<void> {
    this.throwIfFailed();
    const key = keyOf(item);
    if (this.seenKeys.has(key)) {
      this.duplicates += 1;
      return;
    }
    if (this.seenKeys.size >= MAX_REMEMBERED_KEYS) this.seenKeys.clear();
    this.seenKeys.add(key);
    this.pending.set(key, item);
    if (this.pending.size >= MAX_BATCH_WRITE_ITEMS) await this.sendPending();
  }

  /** Sends what is pending and waits for every request; returns the counts. */
  async flush(): Promise<WriteSummary> {
    try {
      if (this.pending.size > 0 && this.failure === undefined) await this.sendPending();
    } finally {
      await Promise.allSettled(this.inFlight);
      clearTimeout(this.abortTimer);
    }
    this.throwIfFailed();
    return this.written();
  }

  /** The counts so far: readable at any time, also after a failure. */
  written(): WriteSummary {
    return {
      itemsWritten: this.itemsWritten,
      duplicates: this.duplicates,
      retries: this.retries,
      rejectedItems: this.rejectedItems,
      rejected: [...this.rejected],
    };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async sendPending(): Promise<void> {
    const items = [...this.pending.values()];
    this.pending = new Map();
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const request = this.writeBatch(
      items.map((item) => ({ PutRequest: { Item: marshallItem(item) } })),
    ).catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  private get abortSignal(): AbortSignal {
    if (this.abortTimer === undefined) {
      this.abortTimer = setTimeout(
        () => this.abort.abort(new WriteDeadlineError('write deadline reached')),
        Math.min(MAX_TIMER_MS, Math.max(0, this.deadline - this.now())),
      );
      // The timer only ends requests; it never keeps a process alive.
      this.abortTimer.unref?.();
    }
    return this.abort.signal;
  }

  private async writeBatch(batch: WriteRequest[]): Promise<void> {
    let requests = batch;
    for (let attempt = 0; ; attempt += 1) {
      let reason: string;
      let lastError: unknown;
      try {
        const input = { RequestItems: { [this.tableName]: requests } };
        const response = await this.send(
          (abortSignal) => this.client.send(new BatchWriteItemCommand(input), { abortSignal }),
          requests.length,
        );
        const unprocessed = response.UnprocessedItems?.[this.tableName] ?? [];
        this.itemsWritten += requests.length - unprocessed.length;
        if (unprocessed.length === 0) return;
        requests = unprocessed;
        reason = 'UnprocessedItems';
      } catch (error) {
        if (error instanceof WriteDeadlineError) throw error;
        if (isValidationError(error)) return this.writeOneByOne(requests);
        if (!isRetryableWriteError(error)) throw writeError('BatchWriteItem', error);
        reason = errorName(error);
        lastError = error;
      }
      const items = requests.length;
      await this.backOff(
        { operation: 'BatchWriteItem', attempt, items, unwritten: items, reason },
        lastError,
      );
    }
  }

  /** Isolates the items DynamoDB refuses: each is put alone, and a refused one is noted, not written. */
  private async writeOneByOne(requests: readonly WriteRequest[]): Promise<void> {
    for (const [index, request] of requests.entries()) {
      const item = request.PutRequest?.Item as Record<string, AttributeValue>;
      const unwritten = requests.length - index;
      for (let attempt = 0; ; attempt += 1) {
        try {
          const input = { TableName: this.tableName, Item: item };
          await this.send(
            (abortSignal) => this.client.send(new PutItemCommand(input), { abortSignal }),
            unwritten,
          );
          this.itemsWritten += 1;
          break;
        } catch (error) {
          if (error instanceof WriteDeadlineError) throw error;
          if (isValidationError(error)) {
            this.rejectedItems += 1;
            if (this.rejected.length < MAX_REJECTED_NOTES) {
              this.rejected.push({ eventId: eventIdOf(request), message: (error as Error).message });
            }
            break;
          }
          if (!isRetryableWriteError(error)) throw writeError('PutItem', error);
          await this.backOff(
            { operation: 'PutItem', attempt, items: 1, unwritten, reason: errorName(error) },
            error,
          );
        }
      }
    }
  }

  /** Sends one request unless the deadline has passed; a request the deadline aborts fails as past it. */
  private async send<Output>(
    request: (abortSignal: AbortSignal) => Promise<Output>,
    items: number,
  ): Promise<Output> {
    if (this.now() >= this.deadline || this.abort.signal.aborted)
      throw this.deadlineError(items, 'no time left');
    try {
      return await request(this.abortSignal);
    } catch (error) {
      if (this.abort.signal.aborted) throw this.deadlineError(items, 'aborted', error);
      throw error;
    }
  }

  private deadlineError(items: number, last: string, cause?: unknown): WriteDeadlineError {
    return new WriteDeadlineError(
      `${items} item(s) still unwritten at the write deadline (last: ${last}; ${this.itemsWritten} written, ${this.retries} retries)`,
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * Waits a full-jitter exponential delay (a random share of base * 2^attempt, capped); gives up at
   * once when the retry would come past the deadline.
   */
  private async backOff(retry: PlannedRetry, lastError: unknown): Promise<void> {
    const { unwritten, attempt, ...details } = retry;
    const delayMs = Math.floor(
      this.random() * Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempt),
    );
    if (this.now() + delayMs >= this.deadline) throw this.deadlineError(unwritten, retry.reason, lastError);
    this.retries += 1;
    this.options.onRetry?.({ ...details, attempt: attempt + 1, delayMs });
    await this.sleep(delayMs);
  }
}
