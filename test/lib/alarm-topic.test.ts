import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import {
  LOG_BUCKET_TAMPERING_EVENT_NAMES,
  TRAIL_TAMPERING_EVENT_NAMES,
} from '../../lib/trail-tampering-rules';
import { createTestApp, logicalIdOf, renderedTrailArn, warningsOf } from './pipeline-app';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:ops-alarms';
const TRAIL_NAME = 'ml-audit';

describe('with an imported alarm topic and no dashboard', () => {
  let template: Template;
  let pipeline: MlTrailPipeline;

  beforeAll(() => {
    const stack = new Stack(createTestApp(), 'Alarmed');
    pipeline = new MlTrailPipeline(stack, 'Pipeline', {
      alarmTopic: Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN),
      trailName: TRAIL_NAME,
      createDashboard: false,
    });
    template = Template.fromStack(stack);
  });

  it('notifies the topic from every alarm', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // The pipeline's six, and the detections' dead-letter alarm (detections are on with a topic).
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
    }
  });

  it('creates no dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('sends the topic every call that stops, deletes or changes the trail, named by name or ARN', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.cloudtrail'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['cloudtrail.amazonaws.com'],
          eventName: [...TRAIL_TAMPERING_EVENT_NAMES],
          requestParameters: { name: [TRAIL_NAME, renderedTrailArn(TRAIL_NAME)] },
        },
      },
      Targets: [{ Arn: TOPIC_ARN, Id: Match.anyValue() }],
    });
    expect(TRAIL_TAMPERING_EVENT_NAMES).toEqual(
      expect.arrayContaining(['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors']),
    );
  });

  it("sends the topic every call that changes the log bucket's policy, notifications or lifecycle, or deletes it", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['s3.amazonaws.com'],
          eventName: [...LOG_BUCKET_TAMPERING_EVENT_NAMES],
          requestParameters: { bucketName: [{ Ref: logicalIdOf(pipeline.logBucket) }] },
        },
      },
      Targets: [{ Arn: TOPIC_ARN, Id: Match.anyValue() }],
    });
    expect(LOG_BUCKET_TAMPERING_EVENT_NAMES).toEqual(
      expect.arrayContaining([
        'PutBucketPolicy',
        'DeleteBucketPolicy',
        'PutBucketNotificationConfiguration',
        'PutBucketLifecycleConfiguration',
        'DeleteBucket',
      ]),
    );
  });

  it("warns at synthesis that the imported topic's policy must let EventBridge publish, and nothing else", () => {
    expect(warningsOf(pipeline)).toEqual([
      expect.stringMatching(
        /^The alarm topic is imported.*allow the principal events\.amazonaws\.com to sns:Publish/,
      ),
    ]);
  });
});

describe('with an alarm topic of the stack', () => {
  let template: Template;
  let pipeline: MlTrailPipeline;
  let topic: Topic;

  beforeAll(() => {
    const stack = new Stack(createTestApp(), 'OwnTopic');
    topic = new Topic(stack, 'Ops', { enforceSSL: true });
    pipeline = new MlTrailPipeline(stack, 'Pipeline', { alarmTopic: topic, createDashboard: false });
    template = Template.fromStack(stack);
  });

  it('lets EventBridge publish to the topic for the two tampering rules only', () => {
    const rules = Object.keys(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(2);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalIdOf(topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: logicalIdOf(topic) },
            Condition: {
              ArnEquals: { 'aws:SourceArn': rules.map((rule) => ({ 'Fn::GetAtt': [rule, 'Arn'] })) },
            },
          }),
        ]),
      },
    });
  });

  it('synthesizes without a warning', () => {
    expect(warningsOf(pipeline)).toEqual([]);
  });
});

describe('with an existing log bucket and an alarm topic', () => {
  it("watches the bucket but no trail: the trail is not the stack's", () => {
    const stack = new Stack(createTestApp(), 'ExistingWatched');
    new MlTrailPipeline(stack, 'Pipeline', {
      existingLogBucket: Bucket.fromBucketName(stack, 'Corp', 'corp-cloudtrail-logs'),
      alarmTopic: new Topic(stack, 'Ops', { enforceSSL: true }),
      createDashboard: false,
    });
    const template = Template.fromStack(stack);

    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.map((rule) => rule.Properties.EventPattern.source)).toEqual([['aws.s3']]);
    expect(rules[0]?.Properties.EventPattern.detail.requestParameters).toEqual({
      bucketName: ['corp-cloudtrail-logs'],
    });
  });
});

describe('without an alarm topic', () => {
  function annotationRules(acknowledge: boolean): string[] {
    const app = createTestApp();
    const stack = new Stack(app, 'Unalarmed');
    new MlTrailPipeline(stack, 'Pipeline', { createDashboard: false });
    if (acknowledge) {
      Validations.of(stack).acknowledge({
        id: 'Annotation::mltrail:noAlarmTopic',
        reason: 'A development stack: nobody is on call for it.',
      });
    }
    const report = JSON.parse(readFileSync(join(app.synth().directory, 'validation-report.json'), 'utf8'));
    return report.pluginReports.flatMap((pluginReport: { violations?: { ruleName: string }[] }) =>
      (pluginReport.violations ?? []).map((violation) => violation.ruleName),
    );
  }

  it('reports the missing topic as a warning that does not fail synthesis', () => {
    expect(annotationRules(false)).toEqual(['Annotation::mltrail:noAlarmTopic']);
  });

  it('reports nothing once the warning is acknowledged', () => {
    expect(annotationRules(true)).toEqual([]);
  });
});
