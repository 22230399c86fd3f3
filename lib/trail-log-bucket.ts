import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketPolicy,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** How long deleted or overwritten log files stay recoverable as noncurrent versions. */
const NONCURRENT_VERSION_RETENTION = Duration.days(90);
const INCOMPLETE_UPLOAD_RETENTION = Duration.days(7);

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
}

/**
 * The bucket a new trail delivers to: private, TLS only, SSE-S3 encrypted, versioned, expiring,
 * with server access logs, and a bucket policy that admits only this trail.
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
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
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
}
