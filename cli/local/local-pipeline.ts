import type { EventEmitter } from 'node:events';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { passesNotificationFilter } from '../../contract/log-file-layout';
import { type CreatedObject, s3EventNotificationBody } from '../s3-event-message';
import { type AcknowledgedMessage, type DeadLetter, LocalQueue, type LocalQueueStats } from './local-queue';

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/** Options of {@link connectLocalPipeline}. */
export interface LocalPipelineOptions {
  /** Emits s3rver's `event`s. */
  readonly s3Events: EventEmitter;
  /**
   * The function's handler; or several, one per concurrent execution environment, each given one
   * batch at a time (as Lambda never runs two invocations in one environment at once).
   */
  readonly handler: Handler | readonly Handler[];
  /** The trail's key prefix, without a trailing `/`. @default - none: log files are under `AWSLogs/` */
  readonly keyPrefix?: string;
  /** Deliveries of a notification before it is dead-lettered. @default 3 */
  readonly maxReceiveCount?: number;
  /** Messages per batch given to the handler. @default 10 */
  readonly batchSize?: number;
}

/** A running local pipeline. */
export interface LocalPipeline {
  /** Objects whose notification passed the filter and was queued. */
  readonly queued: CreatedObject[];
  /** Objects created outside the filter, as S3 would not notify the queue of them. */
  readonly filteredOut: CreatedObject[];
  readonly deadLetters: readonly DeadLetter[];
  /** Messages the handler reported done. */
  readonly acknowledged: readonly AcknowledgedMessage[];
  /** What the queue delivered so far. */
  stats(): LocalQueueStats;
  /** Resolves once every queued notification was handled or dead-lettered. */
  drained(): Promise<void>;
  /** Stops listening to the local S3. */
  disconnect(): void;
}

interface S3rverEventRecord {
  readonly eventName?: string;
  readonly s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number } };
}

/**
 * Connects s3rver's object events to the function the way the stack connects S3 to it: S3 event
 * notifications filtered by prefix and suffix, sent to a queue (with a dead-letter list) that
 * invokes the handler with SQS batches. s3rver gives keys as stored, so they are URL-encoded here
 * as S3 encodes them, and the handler decodes them as it does in AWS.
 */
export function connectLocalPipeline(options: LocalPipelineOptions): LocalPipeline {
  const queue = new LocalQueue(options.handler, {
    maxReceiveCount: options.maxReceiveCount,
    batchSize: options.batchSize,
  });
  const queued: CreatedObject[] = [];
  const filteredOut: CreatedObject[] = [];
  const onEvent = (event: { Records?: S3rverEventRecord[] }) => {
    for (const record of event.Records ?? []) {
      if (!record.eventName?.startsWith('ObjectCreated:')) continue;
      const object = {
        bucket: record.s3?.bucket?.name ?? '',
        key: record.s3?.object?.key ?? '',
        size: record.s3?.object?.size ?? 0,
      };
      if (passesNotificationFilter(object.key, options.keyPrefix)) {
        queued.push(object);
        queue.send(s3EventNotificationBody(object));
      } else {
        filteredOut.push(object);
      }
    }
  };
  options.s3Events.on('event', onEvent);
  return {
    queued,
    filteredOut,
    deadLetters: queue.deadLetters,
    acknowledged: queue.acknowledged,
    stats: () => queue.stats(),
    drained: () => queue.drained(),
    disconnect: () => options.s3Events.off('event', onEvent),
  };
}
