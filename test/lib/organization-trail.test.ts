import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import {
  createTestApp,
  logicalIdOf,
  renderedObjectArn,
  renderedTrailArn,
  renderedTrailArnPattern,
} from './pipeline-app';

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const TRAIL_NAME = 'org-ml-audit';

let template: Template;
let logBucketId: string;
let pipeline: MlTrailPipeline;

beforeAll(() => {
  const stack = new Stack(createTestApp(), 'OrgTrail');
  pipeline = new MlTrailPipeline(stack, 'Pipeline', {
    isOrganizationTrail: true,
    organizationId: ORGANIZATION_ID,
    trailName: TRAIL_NAME,
    logFilePrefix: 'audit',
  });
  template = Template.fromStack(stack);
  logBucketId = logicalIdOf(pipeline.logBucket);
});

describe('an organization trail with a key prefix', () => {
  it('is an organization trail writing under the prefix', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: TRAIL_NAME,
      IsOrganizationTrail: true,
      IsMultiRegionTrail: true,
      S3KeyPrefix: 'audit',
    });
  });

  it("lets only this trail write the account's and the organization's log paths under the prefix", () => {
    const [policy] = Object.values(
      template.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: { Ref: logBucketId } },
      }),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: [
        renderedObjectArn(logBucketId, '/audit/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*'),
        renderedObjectArn(logBucketId, `/audit/AWSLogs/${ORGANIZATION_ID}/*`),
      ],
      Condition: {
        StringEquals: {
          's3:x-amz-acl': 'bucket-owner-full-control',
          'aws:SourceArn': renderedTrailArn(TRAIL_NAME),
        },
      },
    });
  });

  it('lets CloudTrail encrypt only for the organization trail, whose ARN is in this management account', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudTrailToEncryptLogFiles',
            Condition: {
              StringEquals: { 'aws:SourceArn': renderedTrailArn(TRAIL_NAME) },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': renderedTrailArnPattern() },
            },
          }),
        ]),
      },
    });
  });

  it('denies writes under <prefix>/AWSLogs/ to every principal but CloudTrail', () => {
    const [policy] = Object.values(
      template.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: { Ref: logBucketId } },
      }),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyLogFilesNotWrittenByCloudTrail',
        Effect: 'Deny',
        Resource: renderedObjectArn(logBucketId, '/audit/AWSLogs/*'),
      }),
    );
  });

  it('notifies and reads only objects under <prefix>/AWSLogs/', () => {
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
    expect(
      notifications?.Properties.NotificationConfiguration.QueueConfigurations[0].Filter.Key.FilterRules,
    ).toContainEqual({ Name: 'prefix', Value: 'audit/AWSLogs/' });
    const role = logicalIdOf(pipeline.node.findChild('IngestFunctionRole'));
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'ReadLogFiles',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: renderedObjectArn(logBucketId, '/audit/AWSLogs/*'),
      // The organization's log files are in this account's bucket, whichever account they log.
      Condition: { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });
});
