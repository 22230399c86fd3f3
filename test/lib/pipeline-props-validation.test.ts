import { Duration, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { MlTrailPipeline, type MlTrailPipelineProps } from '../../lib/mltrail-pipeline';
import { PipelinePropsError } from '../../lib/pipeline-props-validation';
import { createTestApp } from './pipeline-app';

const app = createTestApp();
let stackCount = 0;

function construct(props: MlTrailPipelineProps | ((stack: Stack) => MlTrailPipelineProps)): () => void {
  return () => {
    stackCount += 1;
    const stack = new Stack(app, `Invalid${stackCount}`);
    new MlTrailPipeline(stack, 'Pipeline', typeof props === 'function' ? props(stack) : props);
  };
}

const existingBucket = (stack: Stack) => Bucket.fromBucketName(stack, 'Existing', 'corp-cloudtrail-logs');
const manyServices = Object.fromEntries(
  Array.from({ length: 120 }, (_, i) => [`service-number-${i}.amazonaws.com`, `service-number-${i}`]),
);

describe('prop validation', () => {
  it.each<[string, MlTrailPipelineProps | ((stack: Stack) => MlTrailPipelineProps), RegExp]>([
    [
      'a retention of part of a day',
      { retention: Duration.hours(36) },
      /Invalid retention "1 day 12 hours".*whole number of days/,
    ],
    ['a retention of zero days', { retention: Duration.days(0) }, /Invalid retention .*at least 1/],
    [
      'a mistyped opt-in index',
      { optionalIndexes: ['byActr' as 'byActor'] },
      /Invalid optionalIndexes entry "byActr": did you mean byActor\? the opt-in indexes are byAccount, byEventName, byActor/,
    ],
    [
      'a default index named as opt-in',
      { optionalIndexes: ['byService' as 'byActor'] },
      /Invalid optionalIndexes entry "byService": .*the default ones always exist/,
    ],
    ['a log expiration in hours', { logExpiration: Duration.hours(12) }, /Invalid logExpiration "12 hours"/],
    [
      'a heartbeat shorter than CloudTrail may take to deliver',
      { heartbeatPeriod: Duration.minutes(5) },
      /Invalid heartbeatPeriod "5 minutes": give whole minutes from 15 minutes to 1 day/,
    ],
    [
      'a heartbeat over a day',
      { heartbeatPeriod: Duration.hours(25) },
      /Invalid heartbeatPeriod "1 day 1 hour"/,
    ],
    ['a heartbeat in seconds', { heartbeatPeriod: Duration.seconds(1830) }, /Invalid heartbeatPeriod/],
    [
      'a log file prefix ending in "/"',
      { logFilePrefix: 'audit/' },
      /Invalid logFilePrefix "audit\/".*without a leading or trailing "\/"/,
    ],
    ['a log file prefix starting with "/"', { logFilePrefix: '/audit' }, /Invalid logFilePrefix "\/audit"/],
    [
      'a trail name with two separators in a row',
      { trailName: 'ml--trail' },
      /Invalid trailName "ml--trail"/,
    ],
    ['a trail name of two characters', { trailName: 'ml' }, /Invalid trailName "ml"/],
    [
      'an organization trail without an organization id',
      { isOrganizationTrail: true },
      /organizationId is not set/,
    ],
    [
      'a malformed organization id',
      { isOrganizationTrail: true, organizationId: 'o-ABC' },
      /Invalid organizationId "o-ABC"/,
    ],
    [
      'an organization id without an organization trail',
      { organizationId: 'o-a1b2c3d4e5' },
      /organizationId "o-a1b2c3d4e5" is set but isOrganizationTrail is not/,
    ],
    ['an empty list of data-event resource types', { mlDataEvents: [] }, /Invalid mlDataEvents \[\]/],
    [
      'a data-event resource type without the AWS:: prefix',
      { mlDataEvents: ['Bedrock::Model'] },
      /Invalid mlDataEvents entry "Bedrock::Model"/,
    ],
    [
      'a data-event resource type listed twice',
      { mlDataEvents: ['AWS::Bedrock::Model', 'AWS::Bedrock::Model'] },
      /"AWS::Bedrock::Model" is listed twice/,
    ],
    [
      'a catalogue key that is not an event source',
      { serviceCatalogue: { forecast: 'forecast' } },
      /Invalid serviceCatalogue key "forecast"/,
    ],
    [
      'a catalogue service name with a colon',
      { extraServices: { 'forecast.amazonaws.com': 'fore:cast' } },
      /Invalid extraServices value "fore:cast"/,
    ],
    [
      'an empty catalogue and no extra services',
      { serviceCatalogue: {} },
      /Invalid serviceCatalogue \{\}: .*keep no event/,
    ],
    [
      'a catalogue over the 4 KB environment limit',
      { extraServices: manyServices },
      /over Lambda's 4096-byte limit/,
    ],
    ['an unknown log level', { logLevel: 'VERBOSE' as never }, /Invalid logLevel "VERBOSE"/],
    ['a write concurrency of zero', { writeConcurrency: 0 }, /Invalid writeConcurrency 0/],
    ['a record limit under 1 KiB', { maxRecordBytes: 100 }, /Invalid maxRecordBytes 100/],
    ['a log file ceiling in part bytes', { maxLogFileBytes: 1.5e6 + 0.5 }, /Invalid maxLogFileBytes/],
    [
      'an access key policy that is not a choice',
      { accessKeyIds: 'mask' as never },
      /Invalid accessKeyIds "mask": give one of 'keep', 'drop'/,
    ],
    [
      'a source address policy that is not a choice',
      { sourceIpAddresses: 'hash' as never },
      /Invalid sourceIpAddresses "hash": give one of 'keep', 'truncate', 'drop'/,
    ],
    [
      'an empty request parameter key',
      { requestParameterKeys: ['modelId', ''] },
      /Invalid requestParameterKeys entry "": give the top-level key names/,
    ],
    [
      'a response element key that is not a string',
      { responseElementKeys: [7 as never] },
      /Invalid responseElementKeys entry 7/,
    ],
    ['64 MB of memory', { memorySize: 64 }, /Invalid memorySize 64: .*from 128 to 10240/],
    ['a timeout over 15 minutes', { timeout: Duration.minutes(20) }, /Invalid timeout "20 minutes"/],
    [
      'a timeout in part seconds',
      { timeout: Duration.millis(1500) },
      /Invalid timeout "1 second 500 millis": give whole seconds/,
    ],
    ['a maximum concurrency of one', { maxConcurrency: 1 }, /Invalid maxConcurrency 1: .*from 2 to 1000/],
    ['a receive count of zero', { maxReceiveCount: 0 }, /Invalid maxReceiveCount 0/],
    [
      'a trail name with an existing bucket',
      (stack) => ({ existingLogBucket: existingBucket(stack), trailName: 'ml-trail' }),
      /trailName applies only to the trail and log bucket this construct creates/,
    ],
    [
      'data events with an existing bucket',
      (stack) => ({ existingLogBucket: existingBucket(stack), mlDataEvents: true }),
      /mlDataEvents applies only to/,
    ],
    [
      'a log expiration with an existing bucket',
      (stack) => ({ existingLogBucket: existingBucket(stack), logExpiration: Duration.days(30) }),
      /logExpiration applies only to/,
    ],
    [
      'a break-glass role given as an assumed-role session',
      { breakGlassRoleArn: 'arn:aws:sts::111122223333:assumed-role/BreakGlass/alice' },
      /Invalid breakGlassRoleArn "arn:aws:sts::111122223333:assumed-role\/BreakGlass\/alice": give an IAM role ARN/,
    ],
    [
      'an Object Lock retention of zero days',
      { objectLockRetentionDays: 0 },
      /Invalid objectLockRetentionDays 0: .*from 1 to 36500/,
    ],
    [
      'KMS encryption with an existing bucket',
      (stack) => ({ existingLogBucket: existingBucket(stack), encryptLogsWithKms: false }),
      /encryptLogsWithKms applies only to/,
    ],
    [
      'a break-glass role with an existing bucket',
      (stack) => ({
        existingLogBucket: existingBucket(stack),
        breakGlassRoleArn: 'arn:aws:iam::111122223333:role/BreakGlass',
      }),
      /breakGlassRoleArn applies only to/,
    ],
    [
      'Object Lock with an existing bucket',
      (stack) => ({ existingLogBucket: existingBucket(stack), objectLockRetentionDays: 30 }),
      /objectLockRetentionDays applies only to/,
    ],
    [
      'a log encryption key without an existing bucket',
      (stack) => ({
        logEncryptionKey: Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:111122223333:key/abc'),
      }),
      /logEncryptionKey is for the log files of an existing trail/,
    ],
  ])('rejects %s, naming the value and the fix', (_case, props, message) => {
    expect(construct(props)).toThrow(PipelinePropsError);
    expect(construct(props)).toThrow(message);
  });

  it('accepts an empty catalogue when extra services name what to keep', () => {
    expect(
      construct({ serviceCatalogue: {}, extraServices: { 'forecast.amazonaws.com': 'forecast' } }),
    ).not.toThrow();
  });
});
