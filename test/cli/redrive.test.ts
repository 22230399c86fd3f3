import { describe, expect, it } from 'vitest';
import { runMltrail, stubSqsClient } from './cli-harness';

const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/mltrail-dlq';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:mltrail-dlq';

function sqsAnswering(extra: Record<string, unknown> = {}) {
  return stubSqsClient((command) => {
    switch (command.constructor.name) {
      case 'GetQueueAttributesCommand':
        return { Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: '7' } };
      case 'StartMessageMoveTaskCommand':
        return { TaskHandle: 'task-handle-1' };
      case 'ListMessageMoveTasksCommand':
        return extra.list ?? { Results: [] };
      default:
        throw new Error(`unexpected ${command.constructor.name}`);
    }
  });
}

describe('mltrail redrive', () => {
  it('starts a message-move task from the dead-letter queue back to its source queue (stubbed SQS client)', async () => {
    const sqs = sqsAnswering();
    const regions: string[] = [];

    const run = await runMltrail(['redrive', '--dlq', DLQ_URL], {
      createSqsClient: (settings) => {
        regions.push(settings.region ?? '');
        return sqs.client;
      },
    });

    expect(run.exitCode).toBe(0);
    expect(regions).toEqual(['eu-west-1']);
    expect(sqs.commands).toEqual([
      {
        name: 'GetQueueAttributesCommand',
        input: { QueueUrl: DLQ_URL, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] },
      },
      { name: 'StartMessageMoveTaskCommand', input: { SourceArn: DLQ_ARN } },
    ]);
    expect(run.stdout).toContain(`moving about 7 messages from ${DLQ_ARN} back to their source queue`);
    expect(run.stdout).toContain('task handle: task-handle-1');
  });

  it('passes a rate limit on (stubbed SQS client)', async () => {
    const sqs = sqsAnswering();

    await runMltrail(['redrive', '--dlq', DLQ_URL, '--max-per-second', '50', '--json'], {
      createSqsClient: () => sqs.client,
    });

    expect(sqs.commands[1]?.input).toEqual({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 50 });
  });

  it('lists the recent move tasks with --status (stubbed SQS client)', async () => {
    const sqs = sqsAnswering({
      list: {
        Results: [
          {
            Status: 'RUNNING',
            SourceArn: DLQ_ARN,
            ApproximateNumberOfMessagesMoved: 3,
            ApproximateNumberOfMessagesToMove: 7,
            StartedTimestamp: Date.parse('2024-06-02T10:00:00Z'),
          },
        ],
      },
    });

    const run = await runMltrail(['redrive', '--dlq', DLQ_URL, '--status'], {
      createSqsClient: () => sqs.client,
    });

    expect(run.exitCode).toBe(0);
    expect(sqs.commands.map((command) => command.name)).toEqual([
      'GetQueueAttributesCommand',
      'ListMessageMoveTasksCommand',
    ]);
    expect(run.stdout).toContain('2024-06-02T10:00:00.000Z  RUNNING  3/7 moved');
  });

  it('exits 1 with the service error on one line (stubbed SQS client)', async () => {
    const sqs = stubSqsClient(() => {
      throw new Error('The specified queue does not exist.');
    });

    const run = await runMltrail(['redrive', '--dlq', DLQ_URL], { createSqsClient: () => sqs.client });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('error: The specified queue does not exist.\n');
  });
});
