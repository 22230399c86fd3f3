import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { subscribeToEventsStream } from '../../lib/stream-consumer';
import { createTestApp } from './pipeline-app';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/events/stream/2024-01-01T00:00:00.000';

function consumerIn(stack: Stack): LambdaFunction {
  return new LambdaFunction(stack, 'Consumer', {
    runtime: Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => {};'),
    role: new Role(stack, 'ConsumerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  });
}

describe('subscribeToEventsStream with matches', () => {
  it('turns each match into a filter of DynamoDB JSON and reports failed records', () => {
    const stack = new Stack(createTestApp(), 'Matches');
    subscribeToEventsStream(new Construct(stack, 'Pipeline'), consumerIn(stack), STREAM_ARN, {
      match: [
        { changes: ['INSERT'], item: { service: ['bedrock'], readOnly: false } },
        { changes: ['REMOVE'], item: { service: ['bedrock'] } },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: {
        Filters: [
          {
            Pattern:
              '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"service":{"S":["bedrock"]},"readOnly":{"BOOL":[false]}}}}',
          },
          { Pattern: '{"eventName":["REMOVE"],"dynamodb":{"OldImage":{"service":{"S":["bedrock"]}}}}' },
        ],
      },
    });
  });

  it('refuses a match that cannot be a filter, and more filters than Lambda takes', () => {
    const stack = new Stack(createTestApp(), 'Bad');
    const consumer = consumerIn(stack);
    expect(() =>
      subscribeToEventsStream(new Construct(stack, 'P1'), consumer, STREAM_ARN, {
        match: [{ item: { service: [] } }],
      }),
    ).toThrow(/Invalid stream match: item.service is an empty list/);
    expect(() =>
      subscribeToEventsStream(new Construct(stack, 'P2'), consumer, STREAM_ARN, {
        match: Array.from({ length: 6 }, (_, index) => ({ item: { eventName: [`E${index}`] } })),
      }),
    ).toThrow(/given 6 stream filters; Lambda takes 5/);
  });
});
