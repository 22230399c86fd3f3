import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../contract/environment';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import { createTestApp, logicalIdOf } from './pipeline-app';

const BUCKET_NAME = 'corp-cloudtrail-logs';
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let template: Template;
let pipeline: MlTrailPipeline;

beforeAll(() => {
  const stack = new Stack(createTestApp(), 'ExistingBucket');
  const existingLogBucket = Bucket.fromBucketAttributes(stack, 'CorpLogs', {
    bucketName: BUCKET_NAME,
    encryptionKey: Key.fromKeyArn(stack, 'CorpLogsKey', KEY_ARN),
  });
  pipeline = new MlTrailPipeline(stack, 'Pipeline', { existingLogBucket, logFilePrefix: 'org/trail' });
  template = Template.fromStack(stack);
});

describe('with an existing trail bucket', () => {
  it('creates no trail, no bucket and no bucket policy', () => {
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    expect(pipeline.trailArn).toBeUndefined();
  });

  it("adds the notification to the bucket, keeping the bucket's other notifications", () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: BUCKET_NAME,
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: { FilterRules: Match.arrayWith([{ Name: 'prefix', Value: 'org/trail/AWSLogs/' }]) },
            },
          }),
        ],
      },
    });
  });

  it('lets the notifications custom resource read and write only that bucket notification configuration', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetBucketNotification', 's3:PutBucketNotification'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET_NAME}`]] },
          },
        ],
      },
    });
  });

  it('reads log files under the prefix and decrypts them with the bucket key, nothing more', () => {
    const role = logicalIdOf(pipeline.node.findChild('IngestFunctionRole'));
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: role }] },
      }),
    );
    const statements = policy?.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Sid: 'ReadLogFiles',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET_NAME}/org/trail/AWSLogs/*`]],
      },
      Condition: { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN });
    expect(statements).toHaveLength(5);
  });
});

describe('with an existing trail bucket of another account', () => {
  const OWNER = '444455556666';
  let other: Template;
  let otherPipeline: MlTrailPipeline;

  beforeAll(() => {
    const stack = new Stack(createTestApp(), 'CrossAccountBucket');
    const existingLogBucket = Bucket.fromBucketAttributes(stack, 'OrgLogs', {
      bucketName: BUCKET_NAME,
      account: OWNER,
    });
    otherPipeline = new MlTrailPipeline(stack, 'Pipeline', { existingLogBucket });
    other = Template.fromStack(stack);
  });

  it("lets S3 send to the queue only for the bucket's ARN and its owner account", () => {
    other.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 's3.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': OWNER },
            },
          }),
        ]),
      },
    });
  });

  it('reads log files only of a bucket of the owner account, and tells the function that owner', () => {
    other.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadLogFiles',
            Condition: { StringEquals: { 's3:ResourceAccount': OWNER } },
          }),
        ]),
      },
    });
    const variables =
      other.toJSON().Resources[logicalIdOf(otherPipeline.ingestFunction)].Properties.Environment.Variables;
    expect(variables[ENV.LOG_BUCKET]).toBe(BUCKET_NAME);
    expect(variables[ENV.LOG_BUCKET_OWNER]).toBe(OWNER);
  });
});
