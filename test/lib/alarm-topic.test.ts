import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import { createTestApp } from './pipeline-app';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:ops-alarms';

let template: Template;

beforeAll(() => {
  const stack = new Stack(createTestApp(), 'Alarmed');
  new MlTrailPipeline(stack, 'Pipeline', {
    alarmTopic: Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN),
    createDashboard: false,
  });
  template = Template.fromStack(stack);
});

describe('with an alarm topic and no dashboard', () => {
  it('notifies the topic from every alarm', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
    }
  });

  it('creates no dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});
