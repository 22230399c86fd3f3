import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Receives one batch, as the Lambda event source mapping delivers it. */
export type BatchConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/** A message that failed as often as the queue allows. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
}

/** A message a consumer reported done: it is deleted from the queue. */
export interface AcknowledgedMessage {
  readonly messageId: string;
  readonly body: string;
  /** Deliveries it took. */
  readonly receiveCount: number;
}

/** What the queue has done so far. */
export interface LocalQueueStats {
  /** Batches delivered, redeliveries included. */
  readonly batches: number;
  readonly largestBatch: number;
  /** Most batches being handled at the same time. */
  readonly mostBatchesInFlight: number;
  /** Deliveries of a message that came back failed. */
  readonly failedDeliveries: number;
  /** Messages waiting for a free consumer, or being handled. */
  readonly notDone: number;
}

/** Options of {@link LocalQueue}. */
export interface LocalQueueOptions {
  /** Messages per delivered batch. @default 10 */
  readonly batchSize?: number;
  /** Deliveries of a message before it is dead-lettered. @default 3 */
  readonly maxReceiveCount?: number;
  /** Shown as the event source ARN of each record. */
  readonly queueArn?: string;
}

interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
}

const DEFAULT_BATCH_SIZE = 10;
const DEFAULT_MAX_RECEIVE_COUNT = 3;
const LOCAL_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:mltrail-local';

/**
 * An in-process stand-in for the SQS queue, its event source mapping and its dead-letter queue:
 * messages are delivered in batches, each consumer (one per execution environment, as Lambda
 * runs them) handling one batch at a time, so several consumers handle batches concurrently; the
 * messages a batch reports in `batchItemFailures` (all of them when the consumer throws) are
 * delivered again until `maxReceiveCount`, then kept in {@link LocalQueue.deadLetters}.
 */
export class LocalQueue {
  /** Messages that failed `maxReceiveCount` times. */
  readonly deadLetters: DeadLetter[] = [];
  /** Messages a consumer reported done. */
  readonly acknowledged: AcknowledgedMessage[] = [];
  private readonly waiting: QueuedMessage[] = [];
  private readonly idleConsumers: BatchConsumer[];
  private readonly inFlight = new Set<Promise<void>>();
  private gathering: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxReceiveCount: number;
  private readonly queueArn: string;
  private batches = 0;
  private largestBatch = 0;
  private mostBatchesInFlight = 0;
  private failedDeliveries = 0;
  private busyMessages = 0;

  /** `consumer`: one, or one per concurrent execution environment. */
  constructor(consumer: BatchConsumer | readonly BatchConsumer[], options: LocalQueueOptions = {}) {
    this.idleConsumers = typeof consumer === 'function' ? [consumer] : [...consumer];
    if (this.idleConsumers.length === 0) throw new RangeError('LocalQueue needs at least one consumer');
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxReceiveCount = options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    this.queueArn = options.queueArn ?? LOCAL_QUEUE_ARN;
  }

  /** Enqueues a message; returns its id. */
  send(body: string): string {
    const message = { messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 };
    this.waiting.push(message);
    // Let the messages of a burst of uploads gather into batches before the next delivery.
    this.gathering ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.gathering = undefined;
      this.dispatch();
    });
    return message.messageId;
  }

  /** Resolves once every message sent so far was consumed or dead-lettered. */
  async drained(): Promise<void> {
    for (;;) {
      if (this.gathering) await this.gathering;
      else if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else return;
    }
  }

  /** Counts of what the queue delivered. */
  stats(): LocalQueueStats {
    return {
      batches: this.batches,
      largestBatch: this.largestBatch,
      mostBatchesInFlight: this.mostBatchesInFlight,
      failedDeliveries: this.failedDeliveries,
      notDone: this.waiting.length + this.busyMessages,
    };
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const consumer = this.idleConsumers.shift();
      if (!consumer) return;
      const batch = this.waiting.splice(0, this.batchSize);
      const delivery: Promise<void> = this.deliverBatch(consumer, batch).finally(() => {
        this.inFlight.delete(delivery);
        this.idleConsumers.push(consumer);
        this.dispatch();
      });
      this.inFlight.add(delivery);
      this.mostBatchesInFlight = Math.max(this.mostBatchesInFlight, this.inFlight.size);
    }
  }

  private async deliverBatch(consumer: BatchConsumer, batch: QueuedMessage[]): Promise<void> {
    for (const message of batch) message.receiveCount += 1;
    this.batches += 1;
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    this.busyMessages += batch.length;
    const failedIds = await this.deliver(consumer, batch);
    this.busyMessages -= batch.length;
    for (const message of batch) {
      const { messageId, body, receiveCount } = message;
      if (!failedIds.has(messageId)) {
        this.acknowledged.push({ messageId, body, receiveCount });
        continue;
      }
      this.failedDeliveries += 1;
      if (receiveCount >= this.maxReceiveCount) this.deadLetters.push({ messageId, body, receiveCount });
      else this.waiting.push(message);
    }
  }

  private async deliver(consumer: BatchConsumer, batch: readonly QueuedMessage[]): Promise<Set<string>> {
    try {
      const response = await consumer({ Records: batch.map((message) => this.toRecord(message)) });
      return new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      // A consumer that throws fails its whole batch, as with Lambda.
      return new Set(batch.map((message) => message.messageId));
    }
  }
  private toRecord(message: QueuedMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `${message.messageId}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'mltrail-local',
        ApproximateFirstReceiveTimestamp: String(message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: 'us-east-1',
    };
  }
}
