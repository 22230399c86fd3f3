import { type AttributeValue, BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MlEventItem } from '../../contract/ml-event-item';
import { TABLE_KEY } from '../../contract/table-schema';
import type { EventSink } from '../core/ingest-log-file';
import { marshallItem } from './item-marshaller';

/** BatchWriteItem takes at most 25 put requests. */
export const MAX_BATCH_WRITE_ITEMS = 25;
export const DEFAULT_WRITE_CONCURRENCY = 4;
export const RETRY_BASE_DELAY_MS = 50;
export const RETRY_MAX_DELAY_MS = 5_000;
export const DEFAULT_UNPROCESSED_DEADLINE_MS = 60_000;
/** Keys remembered per file to count in-file duplicates; past it the memory is cleared. */
export const MAX_REMEMBERED_KEYS = 100_000;

/** Options of {@link DynamoDbEventWriter}. */
export interface DynamoDbEventWriterOptions {
  /** BatchWriteItem requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Time after which still-unprocessed items fail the write, in ms from the first try. @default 60000 */
  readonly unprocessedDeadlineMs?: number;
  /** Called before each retry of unprocessed items (for a warning log). */
  readonly onRetry?: (details: { attempt: number; unprocessed: number; delayMs: number }) => void;
  /** Sleep function, replaceable in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Counts of one writer's life (one log file). */
export interface WriteSummary {
  /** Items DynamoDB accepted. */
  readonly itemsWritten: number;
  /** Items left out because their key came earlier in the same file (CloudTrail can log an event twice). */
  readonly duplicates: number;
  /** BatchWriteItem retries caused by UnprocessedItems. */
  readonly retries: number;
}

/** Unprocessed items remained when the deadline passed. */
export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function keyOf(item: MlEventItem): string {
  return `${item[TABLE_KEY.partitionKey as 'service']}\u0000${item[TABLE_KEY.sortKey as 'eventTimeId']}`;
}

/**
 * Writes items with BatchWriteItem, 25 per request and a bounded number of requests in flight.
 * Items with the same key are written once, the first seen (BatchWriteItem rejects a request
 * holding two; items are deterministic, so a duplicate past the remembered keys rewrites the same item).
 * UnprocessedItems are retried with exponential backoff and full jitter until a deadline.
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
  private readonly concurrency: number;
  private readonly deadlineMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoDbEventWriterOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_WRITE_CONCURRENCY);
    this.deadlineMs = options.unprocessedDeadlineMs ?? DEFAULT_UNPROCESSED_DEADLINE_MS;
    this.sleep = options.sleep ?? defaultSleep;
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
    if (this.pending.size > 0) await this.sendPending();
    await Promise.allSettled(this.inFlight);
    this.throwIfFailed();
    return { itemsWritten: this.itemsWritten, duplicates: this.duplicates, retries: this.retries };
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async sendPending(): Promise<void> {
    const items = [...this.pending.values()];
    this.pending = new Map();
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const request = this.writeBatch(items).catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  private async writeBatch(items: MlEventItem[]): Promise<void> {
    const startedAt = Date.now();
    let requests: WriteRequest[] = items.map((item) => ({
      PutRequest: { Item: marshallItem(item) as Record<string, AttributeValue> },
    }));
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      const unprocessed = response.UnprocessedItems?.[this.tableName] ?? [];
      this.itemsWritten += requests.length - unprocessed.length;
      if (unprocessed.length === 0) return;
      if (Date.now() - startedAt >= this.deadlineMs) {
        throw new UnprocessedItemsError(
          `${unprocessed.length} item(s) still unprocessed by DynamoDB after ${attempt + 1} attempts in ${Date.now() - startedAt} ms`,
        );
      }
      const delayMs = Math.round(
        Math.random() * Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempt),
      );
      this.retries += 1;
      this.options.onRetry?.({ attempt: attempt + 1, unprocessed: unprocessed.length, delayMs });
      await this.sleep(delayMs);
      requests = unprocessed;
    }
  }
}
