import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline, type MlTrailPipelineProps } from '../../lib/mltrail-pipeline';
import { LOG_BUCKET_CONFIGURATION_ACTIONS, LOG_FILE_REMOVAL_ACTIONS } from '../../lib/trail-log-bucket';
import {
  createTestApp,
  logicalIdOf,
  renderedObjectArn,
  renderedTrailArn,
  renderedTrailArnPattern,
} from './pipeline-app';

type Statement = Record<string, unknown>;

const TRAIL_NAME = 'ml-audit';
const BREAK_GLASS_ROLE_ARN = 'arn:aws:iam::111122223333:role/LogBucketBreakGlass';
/** The bootstrap's execution role, `cdk-hnb659fds-cfn-exec-role-<account>-<region>`, as `Fn::Sub` gives it. */
const CLOUDFORMATION_EXECUTION_ROLE = {
  'Fn::Sub': DefaultStackSynthesizer.DEFAULT_CLOUDFORMATION_ROLE_ARN.replace(
    /\$\{Qualifier\}/,
    DefaultStackSynthesizer.DEFAULT_QUALIFIER,
  ),
};

interface Synthesized {
  readonly template: Template;
  readonly pipeline: MlTrailPipeline;
  readonly logBucketId: string;
}

function synthesize(id: string, props: MlTrailPipelineProps = {}): Synthesized {
  const stack = new Stack(createTestApp(), id);
  const pipeline = new MlTrailPipeline(stack, 'Pipeline', { trailName: TRAIL_NAME, ...props });
  return { template: Template.fromStack(stack), pipeline, logBucketId: logicalIdOf(pipeline.logBucket) };
}

function logBucketStatements({ template, logBucketId }: Synthesized): Statement[] {
  const [policy] = Object.values(
    template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logBucketId } } }),
  );
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

function functionStatements({ template, pipeline }: Synthesized): Statement[] {
  const role = logicalIdOf(pipeline.node.findChild('IngestFunctionRole'));
  const [policy] = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }),
  );
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

describe('by default', () => {
  let synthesized: Synthesized;
  let keyId: string;

  beforeAll(() => {
    synthesized = synthesize('Default');
    keyId = logicalIdOf(synthesized.pipeline.node.findChild('LogFilesKey').node.findChild('Key'));
  });

  it('creates a customer-managed key with rotation, kept when the stack is deleted', () => {
    synthesized.template.resourceCountIs('AWS::KMS::Key', 1);
    synthesized.template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets CloudTrail generate data keys only for this trail, by aws:SourceArn and encryption context', () => {
    synthesized.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudTrailToEncryptLogFiles',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceArn': renderedTrailArn(TRAIL_NAME) },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': renderedTrailArnPattern() },
            },
          },
          {
            Sid: 'AllowCloudTrailToDescribeKey',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:DescribeKey',
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceArn': renderedTrailArn(TRAIL_NAME) } },
          },
        ]),
      },
    });
  });

  it('has the trail encrypt its log files with the key', () => {
    synthesized.template.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: TRAIL_NAME,
      KMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('lets the function decrypt only through S3, and only files CloudTrail encrypted', () => {
    expect(functionStatements(synthesized)).toContainEqual({
      Sid: 'DecryptLogFilesThroughS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
          },
        },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': renderedTrailArnPattern() },
      },
    });
  });

  it('denies writing under AWSLogs/ to every principal but CloudTrail', () => {
    expect(logBucketStatements(synthesized)).toContainEqual({
      Sid: 'DenyLogFilesNotWrittenByCloudTrail',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: renderedObjectArn(synthesized.logBucketId, '/AWSLogs/*'),
      Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'cloudtrail.amazonaws.com' } },
    });
  });

  it('denies deleting log files, or shortening their retention, to every principal', () => {
    expect(logBucketStatements(synthesized)).toContainEqual({
      Sid: 'DenyLogFileRemoval',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...LOG_FILE_REMOVAL_ACTIONS].sort(),
      Resource: renderedObjectArn(synthesized.logBucketId, '/*'),
    });
    expect(LOG_FILE_REMOVAL_ACTIONS).toEqual(
      expect.arrayContaining(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention']),
    );
  });

  it('denies policy, lifecycle and protection changes to all but the CloudFormation execution role', () => {
    expect(logBucketStatements(synthesized)).toContainEqual({
      Sid: 'DenyLogBucketConfigurationChanges',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...LOG_BUCKET_CONFIGURATION_ACTIONS].sort(),
      Resource: { 'Fn::GetAtt': [synthesized.logBucketId, 'Arn'] },
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [CLOUDFORMATION_EXECUTION_ROLE] } },
    });
    expect(LOG_BUCKET_CONFIGURATION_ACTIONS).toEqual(
      expect.arrayContaining([
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutLifecycleConfiguration',
        's3:PutBucketVersioning',
      ]),
    );
    // The CDK's notifications custom resource sets the bucket notification on every deploy.
    expect(LOG_BUCKET_CONFIGURATION_ACTIONS).not.toContain('s3:PutBucketNotification');
  });

  it('keeps the lifecycle expiry, which S3 itself carries out', () => {
    const bucket = synthesized.template.toJSON().Resources[synthesized.logBucketId];
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(365);
  });

  it('does not enable Object Lock', () => {
    const bucket = synthesized.template.toJSON().Resources[synthesized.logBucketId];
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
  });
});

describe('with encryptLogsWithKms false', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize('NoKmsKey', { encryptLogsWithKms: false });
  });

  it('creates no key, and the trail and the bucket keep SSE-S3', () => {
    synthesized.template.resourceCountIs('AWS::KMS::Key', 0);
    const trail = Object.values(synthesized.template.findResources('AWS::CloudTrail::Trail'))[0];
    expect(trail?.Properties.KMSKeyId).toBeUndefined();
    const bucket = synthesized.template.toJSON().Resources[synthesized.logBucketId];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(synthesized.pipeline.logFilesKey).toBeUndefined();
  });

  it('grants the function no KMS action', () => {
    const actions = functionStatements(synthesized).flatMap((statement) => statement.Action);
    expect(actions.filter((action) => String(action).startsWith('kms:'))).toEqual([]);
  });

  it('still denies forged log files', () => {
    expect(logBucketStatements(synthesized)).toContainEqual(
      expect.objectContaining({ Sid: 'DenyLogFilesNotWrittenByCloudTrail', Effect: 'Deny' }),
    );
  });
});

describe('with a break-glass role, Object Lock and a key prefix', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize('BreakGlass', {
      breakGlassRoleArn: BREAK_GLASS_ROLE_ARN,
      objectLockRetentionDays: 30,
      logFilePrefix: 'audit',
    });
  });

  it('lets only the break-glass role delete log files', () => {
    expect(logBucketStatements(synthesized)).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyLogFileRemoval',
        Effect: 'Deny',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [BREAK_GLASS_ROLE_ARN] } },
      }),
    );
  });

  it('lets the break-glass role and the CloudFormation execution role change the bucket', () => {
    expect(logBucketStatements(synthesized)).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyLogBucketConfigurationChanges',
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': [BREAK_GLASS_ROLE_ARN, CLOUDFORMATION_EXECUTION_ROLE] },
        },
      }),
    );
  });

  it('denies forged log files under the prefix', () => {
    expect(logBucketStatements(synthesized)).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyLogFilesNotWrittenByCloudTrail',
        Resource: renderedObjectArn(synthesized.logBucketId, '/audit/AWSLogs/*'),
      }),
    );
  });

  it('locks each object version in governance mode for the given days', () => {
    synthesized.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });
});
