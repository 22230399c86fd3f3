import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link TrailLogKey}. */
export interface TrailLogKeyProps {
  /** ARN of the one trail allowed to encrypt with the key (`aws:SourceArn`). */
  readonly trailArn: string;
}

/**
 * The customer-managed key a new trail encrypts its log and digest files with: rotated yearly, and
 * usable by CloudTrail only for this trail. Key policy as documented in
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html.
 */
export class TrailLogKey extends Construct {
  /** The key. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: TrailLogKeyProps) {
    super(scope, id);

    this.key = new Key(this, 'Key', {
      description: 'Encrypts the CloudTrail log files of the mltrail trail',
      enableKeyRotation: true,
      // Deleting the key would make every log file unreadable; it outlives the stack like the bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const cloudTrail = new ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { 'aws:SourceArn': props.trailArn };
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogFiles',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: fromThisTrail,
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': this.trailArnPattern() },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [cloudTrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: fromThisTrail },
      }),
    );
  }

  /**
   * Lets `grantee` decrypt log files only as part of an S3 read (`kms:ViaService`) of a file that
   * CloudTrail encrypted (its encryption context), never by calling KMS directly.
   */
  grantDecryptThroughS3(grantee: IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DecryptLogFilesThroughS3',
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': this.trailArnPattern() },
        },
      }),
    );
  }

  /**
   * The ARNs of this account's trails, in CloudTrail's encryption context. An organization trail's
   * ARN is in the management account, which is the account this stack is deployed in.
   */
  private trailArnPattern(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
  }
}
