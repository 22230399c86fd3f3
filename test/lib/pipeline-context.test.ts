import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/environment';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import { MlTrailStack } from '../../lib/mltrail-stack';
import { pipelinePropsFromContext } from '../../lib/pipeline-context';
import { createTestApp, logicalIdOf } from './pipeline-app';

function propsFrom(context: Record<string, unknown>) {
  const stack = new Stack(createTestApp(context), 'FromContext');
  return { stack, props: pipelinePropsFromContext(stack) };
}

describe('pipelinePropsFromContext', () => {
  it('leaves every prop to the construct defaults when no context is given', () => {
    const { props } = propsFrom({});
    expect(Object.values(props).every((value) => value === undefined)).toBe(true);
  });

  it('parses the strings that -c key=value passes', () => {
    const { stack, props } = propsFrom({
      organizationId: 'o-a1b2c3d4e5',
      logFilePrefix: 'audit',
      retentionDays: '365',
      logExpirationDays: '730',
      timeoutSeconds: '120',
      memorySize: '1024',
      deletionProtection: 'false',
      mlDataEvents: 'AWS::Bedrock::Model, AWS::SageMaker::Endpoint',
      extraServices: '{"forecast.amazonaws.com":"forecast"}',
      logLevel: 'debug',
      alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:ops',
      heartbeatMinutes: '180',
    });
    expect(props).toMatchObject({
      isOrganizationTrail: true,
      organizationId: 'o-a1b2c3d4e5',
      logFilePrefix: 'audit',
      memorySize: 1024,
      deletionProtection: false,
      mlDataEvents: ['AWS::Bedrock::Model', 'AWS::SageMaker::Endpoint'],
      extraServices: { 'forecast.amazonaws.com': 'forecast' },
      logLevel: 'DEBUG',
    });
    expect(props.retention?.toDays()).toBe(365);
    expect(props.logExpiration?.toDays()).toBe(730);
    expect(props.timeout?.toSeconds()).toBe(Duration.minutes(2).toSeconds());
    expect(props.heartbeatPeriod?.toMinutes()).toBe(180);
    expect(stack.resolve(props.alarmTopic?.topicArn)).toBe('arn:aws:sns:us-east-1:111122223333:ops');
  });

  it('reads the log protection settings: KMS opt-out, break-glass role and Object Lock days', () => {
    const { props } = propsFrom({
      encryptLogsWithKms: 'false',
      breakGlassRoleArn: 'arn:aws:iam::111122223333:role/LogBucketBreakGlass',
      objectLockRetentionDays: '30',
    });
    expect(props).toMatchObject({
      encryptLogsWithKms: false,
      breakGlassRoleArn: 'arn:aws:iam::111122223333:role/LogBucketBreakGlass',
      objectLockRetentionDays: 30,
    });
  });

  it.each([
    ['a comma list', 'byActor, byAccount'],
    ['a JSON array', '["byActor","byAccount"]'],
    ['an array from cdk.json', ['byActor', 'byAccount']],
  ])('reads optionalIndexes from %s', (_form, value) => {
    expect(propsFrom({ optionalIndexes: value }).props.optionalIndexes).toEqual(['byActor', 'byAccount']);
  });

  it('takes typed values from cdk.json as they are', () => {
    const { props } = propsFrom({
      mlDataEvents: true,
      retentionDays: 90,
      serviceCatalogue: { 'bedrock.amazonaws.com': 'bedrock' },
    });
    expect(props.mlDataEvents).toBe(true);
    expect(props.retention?.toDays()).toBe(90);
    expect(props.serviceCatalogue).toEqual({ 'bedrock.amazonaws.com': 'bedrock' });
  });

  it.each([
    [{ retentionDays: 'a year' }, /Invalid context value retentionDays="a year": expected a whole number/],
    [{ deletionProtection: 'yes' }, /Invalid context value deletionProtection="yes": expected true or false/],
    [
      { existingLogBucketAccount: '444455556666' },
      /existingLogBucketAccount is set but existingLogBucketName is not/,
    ],
    [
      { extraServices: '{forecast}' },
      /Invalid context value extraServices=\{forecast\}: it is not valid JSON/,
    ],
    [
      { requestParameterKeys: '["modelId",1]' },
      /Invalid context value requestParameterKeys=.*a JSON array of key names/,
    ],
    [{ optionalIndex: 'byActor' }, /Unknown context key optionalIndex: did you mean optionalIndexes\?/],
    [
      { serviceCatalogue: '["forecast"]' },
      /Invalid context value serviceCatalogue=.*a JSON object of strings/,
    ],
  ])('rejects %o, naming the key and the expected form', (context, message) => {
    expect(() => propsFrom(context)).toThrow(message);
  });
});

describe('MlTrailStack with an existing bucket and a retention from context', () => {
  it('creates no trail, notifies on the named bucket and passes the retention to the function', () => {
    const stack = new MlTrailStack(
      createTestApp({ existingLogBucketName: 'corp-cloudtrail-logs', retentionDays: '30' }),
      'MlTrail',
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'corp-cloudtrail-logs' });
    const variables =
      template.toJSON().Resources[logicalIdOf(stack.pipeline.ingestFunction)].Properties.Environment
        .Variables;
    expect(variables[ENV.RETENTION_DAYS]).toBe('30');
    expect(template.toJSON().Outputs.TrailArn).toBeUndefined();
    expect(template.toJSON().Outputs.LogBucketName.Value).toBe('corp-cloudtrail-logs');
  });

  it('expects the bucket owned by the account given with it, and by this account otherwise', () => {
    const ownerOf = (context: Record<string, unknown>) => {
      const stack = new MlTrailStack(createTestApp(context), 'MlTrail');
      const variables =
        Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack.pipeline.ingestFunction)].Properties
          .Environment.Variables;
      return variables[ENV.LOG_BUCKET_OWNER];
    };

    expect(
      ownerOf({ existingLogBucketName: 'corp-cloudtrail-logs', existingLogBucketAccount: '444455556666' }),
    ).toBe('444455556666');
    expect(ownerOf({ existingLogBucketName: 'corp-cloudtrail-logs' })).toEqual({ Ref: 'AWS::AccountId' });
  });
});

describe('MlTrailStack with reader limits from context', () => {
  it('passes the record limit and the decompressed ceiling to the function', () => {
    const stack = new MlTrailStack(
      createTestApp({ maxRecordBytes: '4194304', maxLogFileBytes: '1073741824' }),
      'MlTrail',
    );
    const variables =
      Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack.pipeline.ingestFunction)].Properties
        .Environment.Variables;
    expect(variables[ENV.MAX_RECORD_BYTES]).toBe('4194304');
    expect(variables[ENV.MAX_LOG_FILE_BYTES]).toBe('1073741824');
  });
});

function functionVariables(stack: Stack, ingestFunction: MlTrailPipeline['ingestFunction']) {
  return Template.fromStack(stack).toJSON().Resources[logicalIdOf(ingestFunction)].Properties.Environment
    .Variables as Record<string, string>;
}

describe('sensitive fields', () => {
  it('stores every field as logged by default: the function gets no redaction variable', () => {
    const stack = new MlTrailStack(createTestApp(), 'MlTrail');

    const variables = functionVariables(stack, stack.pipeline.ingestFunction);

    for (const name of [
      ENV.ACCESS_KEY_IDS,
      ENV.SOURCE_IP_ADDRESSES,
      ENV.REQUEST_PARAMETER_KEYS,
      ENV.RESPONSE_ELEMENT_KEYS,
    ]) {
      expect(variables).not.toHaveProperty(name);
    }
  });

  it('passes the redaction props to the function', () => {
    const stack = new Stack(createTestApp(), 'FromProps');
    const pipeline = new MlTrailPipeline(stack, 'Pipeline', {
      accessKeyIds: 'drop',
      sourceIpAddresses: 'truncate',
      requestParameterKeys: ['modelId', 'guardrailIdentifier'],
      responseElementKeys: [],
    });

    const variables = functionVariables(stack, pipeline.ingestFunction);

    expect(variables).toMatchObject({
      [ENV.ACCESS_KEY_IDS]: 'drop',
      [ENV.SOURCE_IP_ADDRESSES]: 'truncate',
      [ENV.REQUEST_PARAMETER_KEYS]: '["modelId","guardrailIdentifier"]',
      [ENV.RESPONSE_ELEMENT_KEYS]: '[]',
    });
  });

  it('passes the redaction given as -c strings to the function', () => {
    const stack = new MlTrailStack(
      createTestApp({
        accessKeyIds: 'drop',
        sourceIpAddresses: 'drop',
        requestParameterKeys: 'modelId, roleArn',
        responseElementKeys: '["trainingJobArn"]',
      }),
      'MlTrail',
    );

    const variables = functionVariables(stack, stack.pipeline.ingestFunction);

    expect(variables).toMatchObject({
      [ENV.ACCESS_KEY_IDS]: 'drop',
      [ENV.SOURCE_IP_ADDRESSES]: 'drop',
      [ENV.REQUEST_PARAMETER_KEYS]: '["modelId","roleArn"]',
      [ENV.RESPONSE_ELEMENT_KEYS]: '["trainingJobArn"]',
    });
  });

  it('takes the allow-lists from cdk.json as arrays', () => {
    const { props } = propsFrom({ requestParameterKeys: ['modelId'], sourceIpAddresses: 'truncate' });

    expect(props).toMatchObject({ requestParameterKeys: ['modelId'], sourceIpAddresses: 'truncate' });
  });
});

describe('context keys that are not ours', () => {
  it.each([
    ['retentionDay', 'retentionDays'],
    ['RetentionDays', 'retentionDays'],
    ['memorysize', 'memorySize'],
    ['alarmTopicARN', 'alarmTopicArn'],
  ])('fails on %s, naming %s', (key, meant) => {
    expect(() => propsFrom({ [key]: '30' })).toThrow(`Unknown context key ${key}: did you mean ${meant}?`);
  });

  it("leaves keys far from ours alone: they may be the CDK's or another app's", () => {
    expect(() =>
      propsFrom({ 'cli-telemetry': false, myOwnSetting: 'x', '@aws-cdk/core:newStyleStackSynthesis': true }),
    ).not.toThrow();
  });
});
