import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectionsOf, MlDetections } from '../../lib/ml-detections';
import { createTestApp, logicalIdOf } from './pipeline-app';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/events/stream/2024-01-01T00:00:00.000';
let template: Template;
let detections: MlDetections;
let topic: Topic;

beforeAll(() => {
  const stack = new Stack(createTestApp(), 'Detections');
  topic = new Topic(stack, 'Alarms', { enforceSSL: true });
  detections = new MlDetections(stack, 'Detections', {
    pipeline: new Construct(stack, 'Pipeline'),
    eventsStreamArn: STREAM_ARN,
    alarmTopic: topic,
    settings: { 'access-denied-burst': { threshold: 20 } },
  });
  template = Template.fromStack(stack);
});

describe('MlDetections', () => {
  it('runs the function on new events of the stream, reporting failed records, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: STREAM_ARN,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
  });

  it('gives the function its state table and rule settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          MLTRAIL_DETECTION_STATE_TABLE: { Ref: logicalIdOf(detections.stateTable) },
          MLTRAIL_DETECTION_RULES: '{"access-denied-burst":{"threshold":20}}',
        },
      },
    });
  });

  it('pipes only new alert items of the state stream to the topic, their message as the SNS message', () => {
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [logicalIdOf(detections.stateTable), 'StreamArn'] },
      Target: { Ref: logicalIdOf(topic) },
      TargetParameters: { InputTemplate: '<$.dynamodb.NewImage.message.S>' },
      SourceParameters: {
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { kind: { S: ['alert'] } } },
              }),
            },
          ],
        },
        DynamoDBStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 1 },
      },
    });
  });

  it('refuses settings naming no rule, at synthesis', () => {
    const stack = new Stack(createTestApp(), 'Bad');
    expect(
      () =>
        new MlDetections(stack, 'Detections', {
          pipeline: new Construct(stack, 'Pipeline'),
          eventsStreamArn: STREAM_ARN,
          alarmTopic: new Topic(stack, 'Alarms', { enforceSSL: true }),
          settings: { 'root-calls': {} } as never,
        }),
    ).toThrow(/unknown rule root-calls/);
  });
});

describe('detectionsOf', () => {
  const stack = new Stack();
  const alarmTopic = new Topic(stack, 'T');
  it.each([
    [undefined, alarmTopic, {}],
    [undefined, undefined, undefined],
    [false, alarmTopic, undefined],
    [true, alarmTopic, {}],
  ] as const)('detections %s with topic %s is %j', (detections, topic, expected) => {
    expect(detectionsOf(detections, topic)).toEqual(expected);
  });

  it('refuses detections without a topic to notify', () => {
    expect(() => detectionsOf(true, undefined)).toThrow(/no alarm topic to notify/);
  });
});
