/**
 * The stream consumer kit: what a Lambda function on the events table's stream needs to read it
 * as `MlEventItem`s, one record at a time, with a failing record reported alone.
 *
 * ```ts
 * export const handler = createStreamConsumer(async (change) => {
 *   if (change.type === 'insert') await notify(change.item);
 * });
 * ```
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { MlEventItem } from '../contract/ml-event-item';
import { TABLE_PARTITION_KEY } from '../contract/table-schema';
import { itemOfStreamImage, type StreamImage } from './stream-images';

/** A new event item (`INSERT`). */
export interface InsertedEvent {
  readonly type: 'insert';
  readonly item: MlEventItem;
  readonly record: DynamoDBRecord;
}

/** An item written again with other values (`MODIFY`), e.g. a log file ingested again after a redaction change. */
export interface ModifiedEvent {
  readonly type: 'modify';
  readonly item: MlEventItem;
  /** The item before, when the consumer asked for old images. */
  readonly oldItem?: MlEventItem;
  readonly record: DynamoDBRecord;
}

/** An item DynamoDB's time to live deleted (`REMOVE` by the service `dynamodb.amazonaws.com`). */
export interface ExpiredEvent {
  readonly type: 'expire';
  readonly eventID: string;
  /** The item that expired, when the consumer asked for old images. */
  readonly oldItem?: MlEventItem;
  readonly record: DynamoDBRecord;
}

/** An item someone deleted (`REMOVE` by a DeleteItem call). */
export interface DeletedEvent {
  readonly type: 'delete';
  readonly eventID: string;
  /** The item that was deleted, when the consumer asked for old images. */
  readonly oldItem?: MlEventItem;
  readonly record: DynamoDBRecord;
}

/** One stream record of the events table, as the change it describes. */
export type StreamChange = InsertedEvent | ModifiedEvent | ExpiredEvent | DeletedEvent;

/** Options of {@link toStreamChange} and {@link createStreamConsumer}. */
export interface StreamChangeOptions {
  /**
   * Read the item's old image on MODIFY and REMOVE. The table's stream must carry old images
   * (StreamViewType NEW_AND_OLD_IMAGES); a record without one then fails, naming the setting.
   *
   * @default false - changes carry the new item only
   */
  readonly oldImages?: boolean;
}

/** A stream record that is not a change of an events item; names the record and what was wrong. */
export class StreamRecordError extends Error {
  override name = 'StreamRecordError';

  constructor(record: DynamoDBRecord, problem: string, options?: ErrorOptions) {
    const where = `stream record ${record.eventID ?? '(no eventID)'} (sequence number ${record.dynamodb?.SequenceNumber ?? 'unknown'})`;
    super(`${where}: ${problem}`, options);
  }
}

/** The principal DynamoDB's time to live deletes items as (AWS: "Working with time to live and streams"). */
const TIME_TO_LIVE_PRINCIPAL = 'dynamodb.amazonaws.com';

/** Whether a REMOVE record is a time-to-live expiry rather than a DeleteItem call. */
export function isTimeToLiveExpiry(record: DynamoDBRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === 'Service' &&
    record.userIdentity?.principalId === TIME_TO_LIVE_PRINCIPAL
  );
}

function imageOf(record: DynamoDBRecord, name: 'NewImage' | 'OldImage'): MlEventItem {
  const image = record.dynamodb?.[name] as StreamImage | undefined;
  if (image === undefined) {
    const fix =
      name === 'OldImage'
        ? 'old images were asked for: the table stream must be NEW_AND_OLD_IMAGES'
        : 'the table stream must carry new images (NEW_IMAGE or NEW_AND_OLD_IMAGES)';
    throw new StreamRecordError(record, `no ${name} (${fix})`);
  }
  try {
    return itemOfStreamImage(image);
  } catch (error) {
    throw new StreamRecordError(record, `its ${name} is not a DynamoDB item`, { cause: error });
  }
}

function keyOf(record: DynamoDBRecord): string {
  const key = record.dynamodb?.Keys?.[TABLE_PARTITION_KEY.name]?.S;
  if (key === undefined) throw new StreamRecordError(record, `no ${TABLE_PARTITION_KEY.name} key`);
  return key;
}

/** The change one stream record of the events table describes. */
export function toStreamChange(record: DynamoDBRecord, options: StreamChangeOptions = {}): StreamChange {
  const oldItem = () => (options.oldImages ? { oldItem: imageOf(record, 'OldImage') } : {});
  switch (record.eventName) {
    case 'INSERT':
      return { type: 'insert', item: imageOf(record, 'NewImage'), record };
    case 'MODIFY':
      return { type: 'modify', item: imageOf(record, 'NewImage'), ...oldItem(), record };
    case 'REMOVE':
      return {
        type: isTimeToLiveExpiry(record) ? 'expire' : 'delete',
        eventID: keyOf(record),
        ...oldItem(),
        record,
      };
    default:
      throw new StreamRecordError(record, `unknown eventName ${String(record.eventName)}`);
  }
}

/** What a consumer does with one change; a throw fails that record only. */
export type StreamChangeHandler = (change: StreamChange, context: Context) => Promise<void> | void;

/** A Lambda handler for DynamoDB stream events that reports the records that failed. */
export type StreamConsumerHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse>;

/**
 * A Lambda handler that gives each record of a batch to `handle` as a {@link StreamChange}, through
 * Powertools' batch processor: records are handled concurrently, and the response lists those that
 * threw (`batchItemFailures`), so only they are retried. Subscribe it with `reportBatchItemFailures`
 * (`addStreamConsumer` sets it). On a stream, Lambda retries from the first failed record, so the
 * records after it come again: `handle` must be idempotent.
 */
export function createStreamConsumer(
  handle: StreamChangeHandler,
  options: StreamChangeOptions = {},
): StreamConsumerHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event, context) => {
    const recordHandler = async (record: DynamoDBRecord) => handle(toStreamChange(record, options), context);
    return (await processPartialResponse(event, recordHandler, processor, {
      context,
    })) as DynamoDBBatchResponse;
  };
}
