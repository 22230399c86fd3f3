import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IFunction, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DETECTIONS_ENV,
  DETECTIONS_HANDLER_ENTRY,
  DETECTIONS_SERVICE_NAME,
  type DetectionSettings,
  DetectionSettingsError,
  resolveDetectionSettings,
} from '../contract/detection-settings';
import {
  ALERT_MESSAGE_ATTRIBUTE,
  alertItemPattern,
  STATE_KEY,
  STATE_TTL_ATTRIBUTE,
} from '../contract/detection-state-schema';
import { FUNCTION_BUNDLING } from './function-bundling';
import { PipelinePropsError } from './pipeline-props-validation';
import { subscribeToEventsStream } from './stream-consumer';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Retries of a failing batch of the events stream before its records go to the dead-letter queue. */
export const DETECTIONS_STREAM_RETRY_ATTEMPTS = 10;

/** Props of {@link MlDetections}. */
export interface MlDetectionsProps {
  /** The pipeline construct whose events stream the function reads. */
  readonly pipeline: Construct;
  /** ARN of the events table's stream. */
  readonly eventsStreamArn: string;
  /** Topic each alert is published to, one message per alert. */
  readonly alarmTopic: ITopic;
  /**
   * Settings of the rules by name (turn one off, thresholds and windows of the burst rules).
   *
   * @default - every rule on, with its defaults (see the README's detections table)
   */
  readonly settings?: DetectionSettings;
  /**
   * Retention of the detections function's log group.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * ML-activity detections shipped as a stream consumer: a function runs the rules over each new
 * event item, keeps what it must remember in a small state table with conditional writes (so a
 * retried or replayed record never alerts twice), and writes each new alert there once; an
 * EventBridge pipe sends each new alert item to the alarm topic. Records that fail every retry, and
 * alerts the pipe could not deliver, go to a dead-letter queue whose first message is an alarm.
 */
export class MlDetections extends Construct {
  /** The function that runs the rules. */
  readonly function: IFunction;
  /** The state table: alerts sent, first-seen subjects, burst windows. */
  readonly stateTable: Table;
  /** Stream records that failed every retry, and alerts the pipe could not publish. */
  readonly deadLetterQueue: IQueue;
  /** Fires on the first message in the dead-letter queue. */
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MlDetectionsProps) {
    super(scope, id);
    try {
      resolveDetectionSettings(props.settings, 'detections');
    } catch (error) {
      if (error instanceof DetectionSettingsError)
        throw new PipelinePropsError(error.message, { cause: error });
      throw error;
    }

    this.stateTable = new Table(this, 'StateTable', {
      partitionKey: { name: STATE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TTL_ATTRIBUTE,
      stream: StreamViewType.NEW_IMAGE,
      // Derived state: losing it means first-seen subjects are learnt again, nothing more.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = deadLetterQueue;
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter destination (the stream mapping's onFailure and the pipe's " +
        'deadLetterConfig), which SQS redrive settings cannot express; it has an alarm on its first message.',
    });

    this.function = this.createFunction(props);
    subscribeToEventsStream(props.pipeline, this.function, props.eventsStreamArn, {
      match: [{ changes: ['INSERT'] }],
      startingPosition: StartingPosition.TRIM_HORIZON,
      retryAttempts: DETECTIONS_STREAM_RETRY_ATTEMPTS,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(deadLetterQueue),
    });

    this.createAlertPipe(props.alarmTopic);

    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'A stream record failed every retry of the detections function, or an alert could not be published: read the dead-letter queue',
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }

  private createFunction(props: MlDetectionsProps): NodejsFunction {
    const logGroup = new LogGroup(this, 'FunctionLogGroup', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the ML-activity detection rules over new events and records alerts',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DetectionState',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.stateTable.tableArn],
      }),
    );
    const fn = new NodejsFunction(this, 'Function', {
      description: 'ML-activity detections: runs the rules over new events and records each alert once',
      entry: join(PROJECT_ROOT, DETECTIONS_HANDLER_ENTRY),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role,
      logGroup,
      environment: {
        [DETECTIONS_ENV.STATE_TABLE_NAME]: this.stateTable.tableName,
        ...(props.settings === undefined ? {} : { [DETECTIONS_ENV.RULES]: JSON.stringify(props.settings) }),
        POWERTOOLS_SERVICE_NAME: DETECTIONS_SERVICE_NAME,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUNDLING,
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x, the runtime the bundle targets, as the ingest function is (see its reason).',
    });
    return fn;
  }

  /** Each new alert item, and only those, to the topic: the item's `message` is the SNS message. */
  private createAlertPipe(alarmTopic: ITopic): CfnPipe {
    const streamArn = this.stateTable.tableStreamArn as string;
    const role = new Role(this, 'AlertPipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com'),
      description: 'Reads new alerts from the detection state stream and publishes them to the alarm topic',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    alarmTopic.grantPublish(role);
    this.deadLetterQueue.grantSendMessages(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permissions, so it needs "*"; the record-reading ' +
        'actions are limited to the detection state stream ARN.',
    });
    const pipe = new CfnPipe(this, 'AlertPipe', {
      description: 'New mltrail alerts to the alarm topic, one message each',
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // From the stream's start, so an alert written before the pipe ran is still sent.
          startingPosition: 'TRIM_HORIZON',
          batchSize: 1,
          maximumRetryAttempts: DETECTIONS_STREAM_RETRY_ATTEMPTS,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(alertItemPattern()) }] },
      },
      target: alarmTopic.topicArn,
      targetParameters: { inputTemplate: `<$.dynamodb.NewImage.${ALERT_MESSAGE_ATTRIBUTE}.S>` },
    });
    // The pipe checks its role's permissions when it is created.
    pipe.node.addDependency(role);
    return pipe;
  }
}

/**
 * Whether the pipeline gets detections, and with which settings: `false` none; `true` or settings
 * need the alarm topic; unset, on exactly when there is one.
 */
export function detectionsOf(
  detections: boolean | DetectionSettings | undefined,
  alarmTopic: ITopic | undefined,
): DetectionSettings | undefined {
  if (detections === false) return undefined;
  if (alarmTopic === undefined) {
    if (detections === undefined) return undefined;
    throw new PipelinePropsError(
      'detections are on but there is no alarm topic to notify: set alarmTopic (context alarmTopicArn), or detections to false.',
    );
  }
  return detections === true || detections === undefined ? {} : detections;
}
