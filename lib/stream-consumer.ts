import { type Duration, Names, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  EventSourceMapping,
  FilterCriteria,
  type IEventSourceDlq,
  type IFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type StreamMatch, StreamMatchError, streamFilterPattern } from '../contract/stream-filter-patterns';
import { PipelinePropsError } from './pipeline-props-validation';

const DEFAULT_STREAM_BATCH_SIZE = 100;

/** Lambda's limit of filters per event source mapping (5, raisable to 10 by a quota request). */
export const MAX_STREAM_FILTERS = 5;

function filterOf(match: StreamMatch): Record<string, unknown> {
  try {
    return FilterCriteria.filter(streamFilterPattern(match));
  } catch (error) {
    if (error instanceof StreamMatchError)
      throw new PipelinePropsError(`Invalid stream match: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Options of `MlTrailPipeline.addStreamConsumer`. */
export interface StreamConsumerOptions {
  /**
   * Filter criteria, built with `FilterCriteria.filter(...)`; the consumer is invoked only for
   * matching stream records. For example, only inserts of one service:
   * `FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { service: { S: FilterRule.isEqual('forecast') } } } })`.
   *
   * @default - every stream record
   */
  readonly filters?: ReadonlyArray<Record<string, unknown>>;

  /**
   * Stream records to invoke the consumer for, by change and item attribute values; each match
   * becomes a filter (see `streamFilterPattern` in `contract/stream-filter-patterns.ts`), added to
   * `filters`. A record is delivered when it matches any filter. For example, new Bedrock events:
   * `[{ changes: ['INSERT'], item: { service: ['bedrock'] } }]`.
   *
   * @default - every stream record (unless `filters` is given)
   */
  readonly match?: readonly StreamMatch[];

  /**
   * Where in the stream the consumer starts.
   *
   * @default StartingPosition.LATEST
   */
  readonly startingPosition?: StartingPosition;

  /**
   * Most records per invocation (1-10000).
   *
   * @default 100
   */
  readonly batchSize?: number;

  /**
   * Longest time to gather records before invoking.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Retries of a failed batch.
   *
   * @default - retried until the records expire from the stream (24 hours)
   */
  readonly retryAttempts?: number;

  /**
   * Destination for the records of a batch that exhausted its retries, such as an `SqsDlq`.
   *
   * @default - none: such records are skipped
   */
  readonly onFailure?: IEventSourceDlq;

  /**
   * Whether the consumer reports the records that failed (`batchItemFailures`), so only those
   * are retried.
   *
   * @default true - the kit's `createStreamConsumer` reports them
   */
  readonly reportBatchItemFailures?: boolean;

  /**
   * Split a failing batch in two and retry each half, to find the record that fails.
   *
   * @default false
   */
  readonly bisectBatchOnError?: boolean;
}

/**
 * Subscribes `consumer` to the events table's stream `streamArn`, with the filters of `options`,
 * and grants it read access to that stream. The construct's `addStreamConsumer` calls it.
 *
 * @returns the event source mapping
 */
export function subscribeToEventsStream(
  pipeline: Construct,
  consumer: IFunction,
  streamArn: string,
  options: StreamConsumerOptions = {},
): EventSourceMapping {
  const role = consumer.role;
  if (role === undefined) {
    throw new PipelinePropsError(
      `Cannot subscribe ${consumer.node.path} to the events stream: its execution role is unknown here; ` +
        'import the function with Function.fromFunctionAttributes({ functionArn, role }).',
    );
  }
  const id = `MlTrailStream${Names.nodeUniqueId(pipeline.node)}`;
  if (consumer.node.tryFindChild(id) !== undefined) {
    throw new PipelinePropsError(
      `${consumer.node.path} is already subscribed to this events stream; combine the filters into one call.`,
    );
  }
  const subscription = new Construct(consumer, id);

  const readStream = new Policy(subscription, 'ReadPolicy', {
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }),
    ],
  });
  Validations.of(readStream).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'dynamodb:ListStreams supports no resource-level permissions, so it needs "*"; Lambda calls it ' +
      'to find the stream. The record-reading actions are limited to this table stream ARN.',
  });

  const filters = [...(options.filters ?? []), ...(options.match ?? []).map(filterOf)];
  if (filters.length > MAX_STREAM_FILTERS) {
    throw new PipelinePropsError(
      `${consumer.node.path} is given ${filters.length} stream filters; Lambda takes ${MAX_STREAM_FILTERS} per subscription: combine matches (a match takes several values per attribute).`,
    );
  }
  const mapping = new EventSourceMapping(subscription, 'Mapping', {
    target: consumer,
    eventSourceArn: streamArn,
    startingPosition: options.startingPosition ?? StartingPosition.LATEST,
    batchSize: options.batchSize ?? DEFAULT_STREAM_BATCH_SIZE,
    maxBatchingWindow: options.maxBatchingWindow,
    retryAttempts: options.retryAttempts,
    onFailure: options.onFailure,
    reportBatchItemFailures: options.reportBatchItemFailures ?? true,
    bisectBatchOnError: options.bisectBatchOnError,
    filters: filters.length === 0 ? undefined : filters,
  });
  // Lambda checks the role's stream permissions when it creates the mapping.
  mapping.node.addDependency(readStream);
  return mapping;
}
