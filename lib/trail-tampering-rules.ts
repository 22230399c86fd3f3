import { type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** CloudTrail calls that stop, delete or narrow a trail. */
export const TRAIL_TAMPERING_EVENT_NAMES = [
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'PutInsightSelectors',
] as const;

/**
 * S3 calls that would let log files be rewritten, removed or no longer notified. CloudTrail logs
 * some under their older names (`PutBucketLifecycle`, `PutBucketNotification`): both are listed.
 */
export const LOG_BUCKET_TAMPERING_EVENT_NAMES = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketNotification',
  'PutBucketNotificationConfiguration',
  'PutBucketLifecycle',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  'DeleteBucket',
] as const;

const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** Props of {@link TrailTamperingRules}. */
export interface TrailTamperingRulesProps {
  /**
   * Topic the matched calls are sent to.
   *
   * @default - the rules have no target: the calls still show in the rules' metrics, and a target
   * can be added to them
   */
  readonly alarmTopic?: ITopic;
  /** Name of the log bucket. */
  readonly bucketName: string;
  /**
   * Name and ARN of the trail; callers may name a trail either way.
   *
   * @default - no trail rule: the trail is not this construct's
   */
  readonly trail?: { readonly name: string; readonly arn: string };
}

/**
 * EventBridge rules that send the alarm topic every API call that would silence the trail or let
 * its log files be removed unnoticed. EventBridge sees a management event only in the Region
 * (and account) where the call was made: the trail rule works in the trail's home Region (where
 * its calls must be made), the bucket rule in the bucket's Region and account.
 */
export class TrailTamperingRules extends Construct {
  /** The rules, the trail's first when there is one. */
  readonly rules: readonly Rule[];
  /** False when the topic is imported: its owner must let EventBridge publish (see the README). */
  readonly topicPolicyAdded: boolean;

  constructor(scope: Construct, id: string, props: TrailTamperingRulesProps) {
    super(scope, id);
    const topic = props.alarmTopic;
    // The topic ARN only: the publish permission is added below, limited to these rules.
    const targets: IRuleTarget[] = topic ? [{ bind: () => ({ arn: topic.topicArn }) }] : [];
    const rules: Rule[] = [];
    if (props.trail !== undefined) {
      rules.push(
        new Rule(this, 'TrailRule', {
          description: 'Calls that stop, delete or change the mltrail trail',
          eventPattern: {
            source: ['aws.cloudtrail'],
            detailType: [API_CALL_DETAIL_TYPE],
            detail: {
              eventSource: ['cloudtrail.amazonaws.com'],
              eventName: [...TRAIL_TAMPERING_EVENT_NAMES],
              requestParameters: { name: [props.trail.name, props.trail.arn] },
            },
          },
          targets,
        }),
      );
    }
    rules.push(
      new Rule(this, 'LogBucketRule', {
        description:
          'Calls that change the policy, notifications or lifecycle of the mltrail log bucket, or delete it',
        eventPattern: {
          source: ['aws.s3'],
          detailType: [API_CALL_DETAIL_TYPE],
          detail: {
            eventSource: ['s3.amazonaws.com'],
            eventName: [...LOG_BUCKET_TAMPERING_EVENT_NAMES],
            requestParameters: { bucketName: [props.bucketName] },
          },
        },
        targets,
      }),
    );
    this.rules = rules;
    if (topic === undefined) {
      this.topicPolicyAdded = false;
      return;
    }
    const publish = new PolicyStatement({
      // A Sid per pipeline: two pipelines may share one topic.
      sid: `MlTrailTamperingRules${this.node.addr.slice(0, 8)}`,
      principals: [new ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rules.map((rule) => rule.ruleArn) } },
    });
    this.topicPolicyAdded = topic.addToResourcePolicy(publish).statementAdded;
  }
}
