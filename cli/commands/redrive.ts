import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { clientSettingsFor } from '../aws-endpoints';
import { type CliContext, type SqsSender, writeLines } from '../cli-context';
import { regionOfQueueUrl } from '../sqs-queue-url';

/** Options of `mltrail redrive`. */
export interface RedriveCommandOptions {
  /** URL of the dead-letter queue. */
  readonly dlq: string;
  /** List the recent move tasks instead of starting one. */
  readonly status: boolean;
  /** Messages moved per second; SQS's own pace when absent. */
  readonly maxPerSecond?: number;
  readonly region?: string;
  readonly json: boolean;
}

/** A dead-letter queue that cannot be read. */
export class RedriveError extends Error {
  override name = 'RedriveError';
}

async function describeQueue(sqs: SqsSender, queueUrl: string): Promise<{ arn: string; messages: number }> {
  const response = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    }),
  );
  const arn = response.Attributes?.QueueArn;
  if (!arn) throw new RedriveError(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return { arn, messages: Number(response.Attributes?.ApproximateNumberOfMessages ?? 0) };
}

function formatTask(task: ListMessageMoveTasksResultEntry): string {
  const started = task.StartedTimestamp ? new Date(task.StartedTimestamp).toISOString() : '-';
  const moved = `${task.ApproximateNumberOfMessagesMoved ?? 0}/${task.ApproximateNumberOfMessagesToMove ?? '?'} moved`;
  const failure = task.FailureReason ? ` (${task.FailureReason})` : '';
  return `${started}  ${task.Status ?? 'UNKNOWN'}  ${moved}${failure}`;
}

/**
 * `mltrail redrive --dlq URL`: starts SQS's message-move task, which moves the dead-letter queue's
 * messages back to the queue they came from; with `--status`, lists the recent tasks instead.
 */
export async function runRedrive(options: RedriveCommandOptions, context: CliContext): Promise<number> {
  const sqs = context.createSqsClient(
    clientSettingsFor(undefined, options.region ?? regionOfQueueUrl(options.dlq)),
  );
  const queue = await describeQueue(sqs, options.dlq);
  if (options.status) {
    const response = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: queue.arn, MaxResults: 10 }),
    );
    const tasks = response.Results ?? [];
    if (options.json) context.stdout.write(`${JSON.stringify({ sourceArn: queue.arn, tasks })}\n`);
    else
      writeLines(context.stdout, [
        `message-move tasks of ${queue.arn} (${queue.messages} messages waiting):`,
        ...(tasks.length > 0 ? tasks.map(formatTask) : ['  none']),
      ]);
    return 0;
  }
  const response = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: queue.arn,
      ...(options.maxPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: options.maxPerSecond }),
    }),
  );
  if (options.json) {
    context.stdout.write(
      `${JSON.stringify({ sourceArn: queue.arn, messages: queue.messages, taskHandle: response.TaskHandle })}\n`,
    );
  } else {
    writeLines(context.stdout, [
      `moving about ${queue.messages} messages from ${queue.arn} back to their source queue`,
      `task handle: ${response.TaskHandle}`,
      `follow it with: mltrail redrive --dlq ${options.dlq} --status`,
    ]);
  }
  return 0;
}
