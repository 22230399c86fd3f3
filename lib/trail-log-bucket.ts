import { DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketPolicy,
  type IBucket,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** How long deleted or overwritten log files stay recoverable as noncurrent versions. */
const NONCURRENT_VERSION_RETENTION = Duration.days(90);
const INCOMPLETE_UPLOAD_RETENTION = Duration.days(7);

/** Object actions that remove a log file or shorten its protection. */
export const LOG_FILE_REMOVAL_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:BypassGovernanceRetention',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
] as const;

/** Bucket actions that would let a principal delete, expose or stop protecting the log files. */
export const LOG_BUCKET_CONFIGURATION_ACTIONS = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:PutEncryptionConfiguration',
  's3:PutBucketLogging',
  's3:PutBucketAcl',
  's3:PutBucketOwnershipControls',
  's3:PutBucketPublicAccessBlock',
  's3:PutReplicationConfiguration',
  's3:DeleteBucket',
] as const;

/** Props of {@link TrailLogBucket}. */
export interface TrailLogBucketProps {
  /** ARN of the trail that writes here; every CloudTrail statement is conditioned on it. */
  readonly trailArn: string;
  /** Key prefix of the trail's log files, ending in "/", or "" for none. */
  readonly keyPrefix: string;
  /**
   * Organization whose organization trail writes here: allows `<prefix>AWSLogs/<organizationId>/*`.
   *
   * @default - only the account path `<prefix>AWSLogs/<account>/*` is writable
   */
  readonly organizationId?: string;
  /** Age at which log files (and server access logs) expire. */
  readonly logExpiration: Duration;
  /**
   * Bucket that receives the log bucket's server access logs.
   *
   * @default - a new bucket, kept for `logExpiration`
   */
  readonly serverAccessLogsBucket?: IBucket;
  /**
   * Key the trail encrypts log files with; it also becomes the bucket's default encryption.
   *
   * @default - SSE-S3
   */
  readonly encryptionKey?: IKey;
  /**
   * Role that alone may delete log files and, with the CloudFormation execution role, change the
   * bucket's policy, lifecycle and protection.
   *
   * @default - no principal may delete log files; only the CloudFormation execution role may change the bucket
   */
  readonly breakGlassRoleArn?: string;
  /**
   * Days of Object Lock retention in governance mode for each new object version.
   *
   * @default - no Object Lock
   */
  readonly objectLockRetentionDays?: number;
}

/**
 * The bucket a new trail delivers to: private, TLS only, encrypted, versioned, expiring, with
 * server access logs, and a bucket policy that admits only this trail, refuses log files written
 * by anyone else, and refuses deletes and policy or lifecycle changes (see {@link protectLogFiles}).
 */
export class TrailLogBucket extends Construct {
  /** The log bucket. */
  readonly bucket: Bucket;
  /** The log bucket's policy; the trail must be created after it. */
  readonly policy: BucketPolicy;

  constructor(scope: Construct, id: string, props: TrailLogBucketProps) {
    super(scope, id);

    const serverAccessLogsBucket =
      props.serverAccessLogsBucket ?? this.createAccessLogsBucket(props.logExpiration);

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...(props.encryptionKey === undefined
        ? { encryption: BucketEncryption.S3_MANAGED }
        : { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      ...(props.objectLockRetentionDays === undefined
        ? {}
        : {
            objectLockEnabled: true,
            objectLockDefaultRetention: ObjectLockRetention.governance(
              Duration.days(props.objectLockRetentionDays),
            ),
          }),
      serverAccessLogsBucket,
      serverAccessLogsPrefix: 'cloudtrail-log-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireLogFiles',
          expiration: props.logExpiration,
          noncurrentVersionExpiration: NONCURRENT_VERSION_RETENTION,
          abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_RETENTION,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.allowTrailDelivery(props);
    this.protectLogFiles(props);
    const policy = this.bucket.policy;
    if (policy === undefined) {
      throw new Error('the log bucket has no policy after the CloudTrail statements were added');
    }
    this.policy = policy;
  }

  /**
   * A bucket for the log bucket's server access logs. It has no access logs of its own, which would
   * need yet another bucket; cdk-nag's AwsSolutions-S1 accepts a bucket that is a log destination.
   */
  private createAccessLogsBucket(expiration: Duration): IBucket {
    const accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Server access logging delivers only to buckets encrypted with SSE-S3.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return accessLogsBucket;
  }

  /**
   * The statements CloudTrail needs (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html),
   * each limited to this trail with `aws:SourceArn` so no other trail can write here.
   */
  private allowTrailDelivery(props: TrailLogBucketProps): void {
    const cloudTrail = new ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { 'aws:SourceArn': props.trailArn };
    const logPaths = [`${props.keyPrefix}AWSLogs/${Stack.of(this).account}/*`];
    if (props.organizationId !== undefined) {
      logPaths.push(`${props.keyPrefix}AWSLogs/${props.organizationId}/*`);
    }

    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AWSCloudTrailAclCheck',
        principals: [cloudTrail],
        actions: ['s3:GetBucketAcl'],
        resources: [this.bucket.bucketArn],
        conditions: { StringEquals: fromThisTrail },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AWSCloudTrailWrite',
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: logPaths.map((path) => this.bucket.arnForObjects(path)),
        conditions: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromThisTrail },
        },
      }),
    );
  }

  /**
   * Deny statements that no Allow in any policy can override:
   * - log files under `<prefix>AWSLogs/` are written by CloudTrail only (`aws:PrincipalServiceName`,
   *   as AWS recommends over `NotPrincipal`), so no principal can plant a forged one;
   * - log files are deleted (or their retention shortened) by the break-glass role only. S3
   *   Lifecycle expiry is done by S3 itself, not by a principal, so `logExpiration` keeps working;
   * - the bucket's policy, lifecycle, versioning, encryption, logging and Object Lock are changed by
   *   the break-glass role and by the stack's CloudFormation execution role only, so `cdk deploy`
   *   still updates them. Whoever can deploy this stack can therefore change them too.
   *   `s3:PutBucketNotification` is not denied: the CDK's notifications custom resource sets it
   *   on each deploy.
   */
  private protectLogFiles(props: TrailLogBucketProps): void {
    const stack = Stack.of(this);
    const breakGlass = props.breakGlassRoleArn === undefined ? [] : [props.breakGlassRoleArn];
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyLogFilesNotWrittenByCloudTrail',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${props.keyPrefix}AWSLogs/*`)],
        conditions: { StringNotEquals: { 'aws:PrincipalServiceName': 'cloudtrail.amazonaws.com' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyLogFileRemoval',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...LOG_FILE_REMOVAL_ACTIONS],
        resources: [this.bucket.arnForObjects('*')],
        // Without a break-glass role the Deny has no exception at all.
        ...(breakGlass.length === 0
          ? {}
          : { conditions: { ArnNotLike: { 'aws:PrincipalArn': breakGlass } } }),
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyLogBucketConfigurationChanges',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...LOG_BUCKET_CONFIGURATION_ACTIONS],
        resources: [this.bucket.bucketArn],
        conditions: {
          ArnNotLike: { 'aws:PrincipalArn': [...breakGlass, cloudFormationExecutionRoleArn(stack)] },
        },
      }),
    );
  }
}

/**
 * The role CloudFormation deploys this stack with: the bootstrap's execution role with the
 * default synthesizer, else every role the CDK bootstrap creates (`cdk-*`), since a stack cannot
 * know which role deploys it.
 */
function cloudFormationExecutionRoleArn(stack: Stack): string {
  const synthesizer = stack.synthesizer;
  if (synthesizer instanceof DefaultStackSynthesizer) {
    // The synthesizer gives the ARN with "${AWS::Partition}"-style placeholders.
    return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
  }
  return `arn:${stack.partition}:iam::${stack.account}:role/cdk-*`;
}
