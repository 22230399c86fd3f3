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
 * messages are delivered in batches to one consumer at a time; the messages a batch reports in
 * `batchItemFailures` (all of them when the consumer throws) are delivered again until
 * `maxReceiveCount`, then kept in {@link LocalQueue.deadLetters}.
 */
export class LocalQueue {
  /** Messages that failed `maxReceiveCount` times. */
  readonly deadLetters: DeadLetter[] = [];
  private readonly waiting: QueuedMessage[] = [];
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxReceiveCount: number;
  private readonly queueArn: string;

  constructor(
    private readonly consumer: BatchConsumer,
    options: LocalQueueOptions = {},
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxReceiveCount = options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    this.queueArn = options.queueArn ?? LOCAL_QUEUE_ARN;
  }

  /** Enqueues a message; returns its id. */
  send(body: string): string {
    const message = { messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 };
    this.waiting.push(message);
    this.running ??= this.deliverAll().finally(() => {
      this.running = undefined;
    });
    return message.messageId;
  }

  /** Resolves once every message sent so far was consumed or dead-lettered. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async deliverAll(): Promise<void> {
    // Let the messages of a burst of uploads gather into one batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.batchSize);
      for (const message of batch) message.receiveCount += 1;
      const failedIds = await this.deliver(batch);
      for (const message of batch.filter((each) => failedIds.has(each.messageId))) {
        if (message.receiveCount >= this.maxReceiveCount) {
          this.deadLetters.push({
            messageId: message.messageId,
            body: message.body,
            receiveCount: message.receiveCount,
          });
        } else {
          this.waiting.push(message);
        }
      }
    }
  }

  private async deliver(batch: readonly QueuedMessage[]): Promise<Set<string>> {
    try {
      const response = await this.consumer({ Records: batch.map((message) => this.toRecord(message)) });
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
