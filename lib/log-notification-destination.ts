import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  type BucketNotificationDestinationConfig,
  BucketNotificationDestinationType,
  type IBucketNotificationDestination,
  type IBucketRef,
} from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The log bucket's notifications to the queue, like the CDK's `SqsDestination`, with the queue
 * policy naming the bucket's account (`aws:SourceAccount`) beside its ARN (`aws:SourceArn`): a
 * bucket ARN has no account in it, so a bucket of the same name re-created in another account
 * would otherwise match. The queue is SQS-managed encrypted: no key policy to extend.
 */
export class LogNotificationDestination implements IBucketNotificationDestination {
  constructor(
    private readonly queue: IQueue,
    private readonly bucketAccount: string,
  ) {}

  bind(_scope: Construct, bucket: IBucketRef): BucketNotificationDestinationConfig {
    this.queue.grantSendMessages(
      new ServicePrincipal('s3.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketRef.bucketArn },
          StringEquals: { 'aws:SourceAccount': this.bucketAccount },
        },
      }),
    );
    return {
      arn: this.queue.queueArn,
      type: BucketNotificationDestinationType.QUEUE,
      dependencies: [this.queue],
    };
  }
}
