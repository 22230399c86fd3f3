import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import type { Dashboard, IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type EventSourceMapping, type IFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import type { DetectionSettings } from '../contract/detection-settings';
import {
  type AccessKeyIdPolicy,
  ENV,
  HANDLER_ENTRY,
  METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  type SourceIpAddressPolicy,
} from '../contract/environment';
import { LOG_FILE_SUFFIX, logFilesPrefix } from '../contract/log-file-layout';
import {
  type IndexDefinition,
  type KeyAttribute,
  type OptionalIndexName,
  projectedAttributesOf,
  TABLE_PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../contract/table-schema';
import { FUNCTION_BUNDLING } from './function-bundling';
import { LogNotificationDestination } from './log-notification-destination';
import { detectionsOf, MlDetections } from './ml-detections';
import { wildcardResourceFindingId } from './nag-finding';
import { PipelineAlarms } from './pipeline-alarms';
import { PipelineDashboard } from './pipeline-dashboard';
import { type LogLevel, validateEnvironmentSize } from './pipeline-props-validation';
import { resolveSettings, type Settings } from './pipeline-settings';
import { type StreamConsumerOptions, subscribeToEventsStream } from './stream-consumer';
import { selectTrailEvents } from './trail-event-selectors';
import { TrailLogBucket } from './trail-log-bucket';
import { TrailLogKey } from './trail-log-key';
import { TrailTamperingRules } from './trail-tampering-rules';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** AWS's guidance for an SQS event source: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Log-file notifications per invocation. */
export const SQS_BATCH_SIZE = 10;
/** The longest SQS keeps a message; a notification waits this long for a fix before it is lost. */
export const QUEUE_RETENTION = Duration.days(14);
const DEFAULT_LOG_EXPIRATION = Duration.days(365);
/** Bytes an unresolved environment value (the table name) may take once deployed. */
const TABLE_NAME_MAX_BYTES = 255;

/** Props of {@link MlTrailPipeline}. */
export interface MlTrailPipelineProps {
  /**
   * A bucket that an existing trail already delivers log files to. The pipeline then creates no
   * trail and no log bucket: it adds an event notification to this bucket (through a custom
   * resource that keeps the bucket's other notifications) and reads the log files under
   * `logFilePrefix`. Trail props (`trailName`, `isOrganizationTrail`, `organizationId`,
   * `mlDataEvents`) and log-bucket props (`logExpiration`, `serverAccessLogsBucket`) are then
   * rejected, because they would have no effect. The bucket's account (`account` of
   * `Bucket.fromBucketAttributes`, else this stack's account) is the one the pipeline expects to
   * own it: the queue policy's `aws:SourceAccount`, the read grant's `s3:ResourceAccount` and the
   * function's `ExpectedBucketOwner` all name it.
   *
   * @default - a new multi-Region trail and a new log bucket are created
   */
  readonly existingLogBucket?: IBucket;

  /**
   * S3 key prefix of the trail's log files, without leading or trailing "/". Log files are
   * read from `<logFilePrefix>/AWSLogs/` only.
   *
   * @default - no prefix: log files are under `AWSLogs/`
   */
  readonly logFilePrefix?: string;

  /**
   * KMS key that the log files are encrypted with (the trail's `KmsKeyId`, or the existing
   * bucket's default key). The function is granted `kms:Decrypt` on it. Only for an existing trail.
   *
   * @default - the `encryptionKey` of `existingLogBucket`, if it has one; otherwise none
   */
  readonly logEncryptionKey?: IKey;

  /**
   * Encrypt the new trail's log and digest files with a customer-managed KMS key that this
   * construct creates (rotated yearly, retained with the stack). Its key policy lets CloudTrail use
   * it for this trail only, and the function decrypts with it only through S3 reads. The key is
   * also the log bucket's default encryption. `false` keeps SSE-S3. Only for a new trail; the
   * access-log bucket stays SSE-S3 either way (server access logging requires it).
   *
   * Whoever reads log files outside the pipeline also needs `kms:Decrypt` on the key.
   *
   * @default true - a new customer-managed key
   */
  readonly encryptLogsWithKms?: boolean;

  /**
   * ARN of an IAM role (with its path, if it has one) that alone may delete log files from the new log bucket and, besides the stack's CloudFormation
   * execution role, change its policy, lifecycle, versioning, encryption, logging or Object Lock.
   * Only for a new trail.
   *
   * @default - no principal may delete log files; only the CloudFormation execution role (a
   * `cdk deploy`) may change the bucket's configuration
   */
  readonly breakGlassRoleArn?: string;

  /**
   * Protect each log file version with S3 Object Lock in governance mode for this many days
   * (1-36500): no one but the `breakGlassRoleArn` (who may bypass governance retention) can delete
   * it sooner, and lifecycle expiry waits for the retention to end. Object Lock needs versioning
   * (the bucket is versioned) and can only be set when the bucket is created: set it before the
   * first deployment, not on a deployed stack. Once on, Object Lock can never be turned off. Only
   * for a new trail.
   *
   * @default - no Object Lock: the bucket policy's Deny statements and versioning protect the files
   */
  readonly objectLockRetentionDays?: number;

  /**
   * Name of the new trail. The bucket policy names the trail's ARN in its `aws:SourceArn`
   * conditions, so the name is fixed at synthesis.
   *
   * @default - a name unique to this construct's path in the app
   */
  readonly trailName?: string;

  /**
   * Make the new trail an organization trail that logs every account of the organization. Deploy
   * the stack in the management account (or a delegated administrator account) and give
   * `organizationId`.
   *
   * @default false - the trail logs this account only
   */
  readonly isOrganizationTrail?: boolean;

  /**
   * Id of the organization (`o-...`), required with `isOrganizationTrail`: the bucket policy lets
   * the trail write under `AWSLogs/<organizationId>/`.
   *
   * @default - none
   */
  readonly organizationId?: string;

  /**
   * Also log ML data events (model and endpoint invocations) through advanced event selectors:
   * `true` for the resource types in `DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES`, or a list of CloudTrail
   * `resources.type` values such as `AWS::Bedrock::Model` or `AWS::SageMaker::Endpoint`.
   *
   * Cost warning: every data event is charged, from the first copy ($0.10 per 100,000 events in
   * us-east-1), and an inference workload can produce millions a day. Each one also becomes a
   * table item with its write and storage cost. Estimate the volume before turning this on.
   *
   * @default false - management events only
   */
  readonly mlDataEvents?: boolean | readonly string[];

  /**
   * Age at which log files expire from the new log bucket (and its server access logs). A whole
   * number of days.
   *
   * @default Duration.days(365)
   */
  readonly logExpiration?: Duration;

  /**
   * Bucket that receives the new log bucket's server access logs, such as an organization's
   * central access-log bucket. It must accept server access logs from the log bucket.
   *
   * @default - a new private bucket, with the same expiry as the log files
   */
  readonly serverAccessLogsBucket?: IBucket;

  /**
   * Catalogue of the events to keep: `{ "<eventSource>": "<service name>" }`. Replaces the
   * function's built-in catalogue of ML services.
   *
   * @default - the built-in catalogue
   */
  readonly serviceCatalogue?: Readonly<Record<string, string>>;

  /**
   * Event sources to keep in addition to the catalogue, `{ "<eventSource>": "<service name>" }`;
   * an entry here overrides the catalogue's entry for the same event source.
   *
   * @default - none
   */
  readonly extraServices?: Readonly<Record<string, string>>;

  /**
   * How long an event stays in the table after its `eventTime`; DynamoDB's time to live then
   * deletes it. A whole number of days, at least one.
   *
   * @default - events are kept forever
   */
  readonly retention?: Duration;

  /**
   * Opt-in indexes of the events table, beside the default ones (byService, byPrincipal, byError,
   * byResource): `byAccount`, `byEventName`, `byActor`. Each costs one more write unit for every
   * event it holds (see the README's Costs); adding one later builds it from the existing items.
   *
   * @default - the default indexes only
   */
  readonly optionalIndexes?: readonly OptionalIndexName[];

  /**
   * Log level of the ingest function.
   *
   * @default 'INFO' - one summary line per log file, warnings and errors
   */
  readonly logLevel?: LogLevel;

  /**
   * Concurrent `BatchWriteItem` requests per log file.
   *
   * @default - the function's built-in default
   */
  readonly writeConcurrency?: number;

  /**
   * Largest CloudTrail record the function keeps, in bytes. A larger record is dropped without
   * being held in memory and counted as malformed; the records around it are kept. The memory a
   * file needs is bounded by a few times this (see the README's Reliability section).
   *
   * @default - the function's built-in default, 16 MiB
   */
  readonly maxRecordBytes?: number;

  /**
   * Decompressed bytes after which a log file fails (a gzip bomb, or a file that would not be read
   * in time).
   *
   * @default - the function's built-in default, 2 GiB
   */
  readonly maxLogFileBytes?: number;

  /**
   * What is stored of each event's `userIdentity.accessKeyId`: `'keep'` stores it, `'drop'` leaves
   * it out of every item.
   *
   * @default 'keep' - the access key id is stored as logged
   */
  readonly accessKeyIds?: AccessKeyIdPolicy;

  /**
   * What is stored of each event's `sourceIPAddress`: `'keep'` stores it as logged, `'truncate'`
   * stores its network (`203.0.113.0/24`; IPv6 `/48`; a service name such as
   * `bedrock.amazonaws.com` or `AWS Internal` as logged), `'drop'` leaves it out.
   *
   * @default 'keep' - the source address is stored as logged
   */
  readonly sourceIpAddresses?: SourceIpAddressPolicy;

  /**
   * Top-level keys of `requestParameters` that are stored; every other key is left out before the
   * item is made, so no resource ARN is collected from it either. An empty list stores an empty
   * `requestParameters`.
   *
   * @default - every key is stored
   */
  readonly requestParameterKeys?: readonly string[];

  /**
   * Top-level keys of `responseElements` that are stored, as {@link requestParameterKeys} does
   * for the request.
   *
   * @default - every key is stored
   */
  readonly responseElementKeys?: readonly string[];

  /**
   * Memory of the ingest function, in MB.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Timeout of the ingest function. The queue's visibility timeout is six times this.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * The most ingest functions that the queue invokes at once (2-1000). Bounds the write rate that a
   * backfill puts on the table.
   *
   * @default 10
   */
  readonly maxConcurrency?: number;

  /**
   * Times a log-file notification is received before it moves to the dead-letter queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Retention of the ingest function's log group.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly functionLogRetention?: RetentionDays;

  /**
   * Deletion protection of the events table. The table is retained when the stack is deleted
   * either way.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Topic that the alarms notify (dead-letter messages, failed log files, events DynamoDB refused,
   * function errors and throttles, the heartbeat), and that EventBridge rules send every call that
   * stops, deletes or changes the trail, or changes the log bucket's policy, notifications or
   * lifecycle. The topic's policy is extended to let EventBridge publish for these rules only; an
   * imported topic's policy cannot be, and synthesis warns: add the statement yourself.
   *
   * @default - the alarms have no actions, no tampering rule is created, and synthesis warns
   */
  readonly alarmTopic?: ITopic;

  /**
   * Time without an ingested log file after which the heartbeat alarm fires (missing data counts
   * as breaching). Whole minutes, from 15 minutes to one day. CloudTrail delivers about every 5
   * minutes while there are calls to log; raise it for a quiet account.
   *
   * @default Duration.minutes(60)
   */
  readonly heartbeatPeriod?: Duration;

  /**
   * Create a CloudWatch dashboard of events ingested per service, log files by outcome, malformed
   * records, queue backlog and function health. A dashboard costs $3 a month beyond an account's
   * first three.
   *
   * @default true
   */
  readonly createDashboard?: boolean;

  /**
   * ML-activity detections on the events stream (see {@link MlDetections} and the README's
   * detections table), each alert published to `alarmTopic`: `true` with every rule's defaults,
   * settings by rule name (`{ 'access-denied-burst': { threshold: 20 } }`), or `false`.
   *
   * @default - on, with the defaults, when `alarmTopic` is given; off otherwise
   */
  readonly detections?: boolean | DetectionSettings;
}

export type { StreamConsumerOptions } from './stream-consumer';

/**
 * The audit pipeline for ML-service API calls: CloudTrail -> S3 -> SQS (with a dead-letter
 * queue) -> Lambda -> DynamoDB, with a stream for downstream consumers and alarms for operators.
 */
export class MlTrailPipeline extends Construct {
  /** The events table: one item per ML-service API call. */
  readonly table: ITable;
  /** The bucket the log files are read from. */
  readonly logBucket: IBucket;
  /** The queue of log-file notifications; backfill sends S3-event-shaped messages here. */
  readonly queue: IQueue;
  /** Notifications that failed `maxReceiveCount` times; redrive them to `queue`. */
  readonly deadLetterQueue: IQueue;
  /** The function that ingests log files. */
  readonly ingestFunction: IFunction;
  /** ARN of the trail this construct created, if it created one. */
  readonly trailArn?: string;
  /** The key the new trail encrypts its log files with, unless `encryptLogsWithKms` is false or the trail exists. */
  readonly logFilesKey?: IKey;
  /** The operational alarms. */
  readonly alarms: readonly IAlarm[];
  /** The operator's dashboard, unless `createDashboard` is false. */
  readonly dashboard?: Dashboard;
  /** The detections consumer, when `detections` is on. */
  readonly detections?: MlDetections;

  private readonly tableStreamArn: string;
  private readonly logFilesKeyConstruct?: TrailLogKey;

  constructor(scope: Construct, id: string, props: MlTrailPipelineProps = {}) {
    super(scope, id);

    const settings = resolveSettings(props);

    const table = this.createTable(props.deletionProtection ?? true, settings.indexes);
    this.table = table;
    const streamArn = table.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error('the events table was created without a stream');
    }
    this.tableStreamArn = streamArn;

    let trailName: string | undefined;
    if (props.existingLogBucket !== undefined) {
      this.logBucket = props.existingLogBucket;
    } else {
      trailName = props.trailName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
      this.trailArn = Stack.of(this).formatArn({
        service: 'cloudtrail',
        resource: 'trail',
        resourceName: trailName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      this.logFilesKeyConstruct =
        (props.encryptLogsWithKms ?? true)
          ? new TrailLogKey(this, 'LogFilesKey', { trailArn: this.trailArn })
          : undefined;
      this.logFilesKey = this.logFilesKeyConstruct?.key;
      const logBucket = new TrailLogBucket(this, 'LogBucket', {
        trailArn: this.trailArn,
        keyPrefix: settings.keyPrefix,
        organizationId: props.isOrganizationTrail ? props.organizationId : undefined,
        logExpiration: props.logExpiration ?? DEFAULT_LOG_EXPIRATION,
        serverAccessLogsBucket: props.serverAccessLogsBucket,
        encryptionKey: this.logFilesKey,
        breakGlassRoleArn: props.breakGlassRoleArn,
        objectLockRetentionDays: props.objectLockRetentionDays,
      });
      this.logBucket = logBucket.bucket;
      const trail = new CfnTrail(this, 'Trail', {
        trailName,
        s3BucketName: logBucket.bucket.bucketName,
        s3KeyPrefix: props.logFilePrefix,
        kmsKeyId: this.logFilesKey?.keyArn,
        isLogging: true,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        isOrganizationTrail: props.isOrganizationTrail ?? false,
        ...selectTrailEvents(settings.dataEventResourceTypes),
      });
      // CloudTrail checks the bucket policy when the trail is created.
      trail.node.addDependency(logBucket.policy);
    }

    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
    });
    this.deadLetterQueue = deadLetterQueue;
    const queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: Duration.seconds(settings.timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.queue = queue;

    // S3 -> SQS rather than S3 -> Lambda: an asynchronous invocation is retried twice and then
    // dropped, while the queue keeps a failing notification for retries and the dead-letter
    // queue, and lets backfill and redrive reuse the same path.
    const bucketAccount = this.logBucket.env.account;
    this.logBucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new LogNotificationDestination(queue, bucketAccount),
      {
        prefix: logFilesPrefix(props.logFilePrefix),
        suffix: LOG_FILE_SUFFIX,
      },
    );
    this.acknowledgeNotificationsHandler();

    this.ingestFunction = this.createIngestFunction(props, settings, queue, bucketAccount);

    this.alarms = new PipelineAlarms(this, 'Alarms', {
      ingestFunction: this.ingestFunction,
      deadLetterQueue,
      alarmTopic: props.alarmTopic,
      heartbeatPeriod: settings.heartbeatPeriod,
    }).alarms;
    this.watchForTampering(
      props.alarmTopic,
      trailName === undefined || this.trailArn === undefined
        ? undefined
        : { name: trailName, arn: this.trailArn },
    );
    const detections = detectionsOf(props.detections, props.alarmTopic);
    if (detections !== undefined && props.alarmTopic !== undefined) {
      this.detections = new MlDetections(this, 'Detections', {
        pipeline: this,
        eventsStreamArn: this.tableStreamArn,
        alarmTopic: props.alarmTopic,
        settings: detections,
        logRetention: props.functionLogRetention,
      });
    }
    if (props.createDashboard ?? true) {
      this.dashboard = new PipelineDashboard(this, 'Dashboard', {
        ingestFunction: this.ingestFunction,
        queue,
        deadLetterQueue,
      }).dashboard;
    }
  }

  /**
   * Subscribes `consumer` to the events table's stream (new images), with optional filter
   * criteria, and grants it read access to the stream.
   *
   * @returns the event source mapping
   */
  addStreamConsumer(consumer: IFunction, options: StreamConsumerOptions = {}): EventSourceMapping {
    return subscribeToEventsStream(this, consumer, this.tableStreamArn, options);
  }

  private watchForTampering(
    alarmTopic: ITopic | undefined,
    trail: { readonly name: string; readonly arn: string } | undefined,
  ): void {
    const tampering = new TrailTamperingRules(this, 'TamperingRules', {
      alarmTopic,
      bucketName: this.logBucket.bucketName,
      trail,
    });
    if (alarmTopic === undefined) {
      Annotations.of(this).addWarningV2(
        'mltrail:noAlarmTopic',
        'No alarm topic is set (prop alarmTopic, context alarmTopicArn): the alarms, the heartbeat among them, ' +
          'and the rules that match calls stopping the trail or changing its bucket notify no one. Set one, or ' +
          "acknowledge this warning with Validations.of(scope).acknowledge({ id: 'Annotation::mltrail:noAlarmTopic', reason }).",
      );
      return;
    }
    if (!tampering.topicPolicyAdded) {
      Annotations.of(this).addWarningV2(
        'mltrail:alarmTopicPolicyNotAdded',
        'The alarm topic is imported, so its policy cannot be changed here: for the tampering rules to reach it, ' +
          'its policy must allow the principal events.amazonaws.com to sns:Publish, with an aws:SourceArn condition ' +
          `naming the rules ${tampering.rules.map((rule) => rule.node.path).join(' and ')} (see the README, Security).`,
      );
    }
  }

  private createTable(deletionProtection: boolean, indexes: readonly IndexDefinition[]): Table {
    const attribute = (key: KeyAttribute) => ({
      name: key.name,
      type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING,
    });
    const table = new Table(this, 'EventsTable', {
      partitionKey: attribute(TABLE_PARTITION_KEY),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of indexes) {
      // Multi-attribute keys: each attribute is the item's own, no key is a copy made for the index.
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKeys: index.partitionKeys.map(attribute),
        sortKeys: index.sortKeys.map(attribute),
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...projectedAttributesOf(index)],
      });
    }
    return table;
  }

  private createIngestFunction(
    props: MlTrailPipelineProps,
    settings: Settings,
    queue: Queue,
    bucketAccount: string,
  ): NodejsFunction {
    const logGroup = new LogGroup(this, 'IngestFunctionLogGroup', {
      retention: props.functionLogRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role, so the function gets no managed policy and no log permissions beyond its group.
    const role = new Role(this, 'IngestFunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads CloudTrail log files and writes ML-service events to the events table',
    });
    logGroup.grantWrite(role);
    const logFiles = this.logBucket.arnForObjects(`${logFilesPrefix(props.logFilePrefix)}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadLogFiles',
        actions: ['s3:GetObject'],
        resources: [logFiles],
        // Only the bucket of the expected account: a same-named bucket elsewhere is not readable.
        conditions: { StringEquals: { 's3:ResourceAccount': bucketAccount } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteEvents',
        // PutItem writes the items of a batch DynamoDB refused one by one, to isolate the bad one.
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
      }),
    );
    const logEncryptionKey = props.logEncryptionKey ?? props.existingLogBucket?.encryptionKey;
    logEncryptionKey?.grantDecrypt(role);
    this.logFilesKeyConstruct?.grantDecryptThroughS3(role);

    const environment = this.functionEnvironment(props, settings, bucketAccount);
    validateEnvironmentSize(environment, TABLE_NAME_MAX_BYTES);

    const ingestFunction = new NodejsFunction(this, 'IngestFunction', {
      description:
        'Ingests CloudTrail log files: keeps ML-service events and writes them to the events table',
      entry: join(PROJECT_ROOT, HANDLER_ENTRY),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      role,
      logGroup,
      environment,
      bundling: FUNCTION_BUNDLING,
    });
    Validations.of(ingestFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x, the runtime the bundle targets (esbuild target node22), which Lambda supports ' +
        'into 2027. Moving to a newer runtime is a deliberate change, made with a test run on that runtime, ' +
        'not a side effect of a CDK upgrade (this rule always asks for the newest runtime the CDK knows).',
    });
    Validations.of(role).acknowledge({
      id: wildcardResourceFindingId(this, logFiles),
      reason:
        'CloudTrail names each log file at delivery (account, Region, date, random suffix), so s3:GetObject ' +
        'is granted on the trail prefix "AWSLogs/*" of the log bucket: the narrowest pattern that matches ' +
        'every log file and nothing outside the trail prefix.',
    });

    ingestFunction.addEventSource(
      new SqsEventSource(queue, {
        batchSize: SQS_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: settings.maxConcurrency,
      }),
    );
    return ingestFunction;
  }

  private functionEnvironment(
    props: MlTrailPipelineProps,
    settings: Settings,
    bucketAccount: string,
  ): Record<string, string> {
    const environment: Record<string, string> = {
      [ENV.TABLE_NAME]: this.table.tableName,
      [ENV.LOG_BUCKET]: this.logBucket.bucketName,
      [ENV.LOG_BUCKET_OWNER]: bucketAccount,
      [ENV.RETENTION_DAYS]: String(settings.retentionDays),
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.serviceCatalogue !== undefined) {
      environment[ENV.SERVICE_CATALOGUE] = JSON.stringify(props.serviceCatalogue);
    }
    if (props.extraServices !== undefined) {
      environment[ENV.EXTRA_SERVICES] = JSON.stringify(props.extraServices);
    }
    if (props.writeConcurrency !== undefined) {
      environment[ENV.WRITE_CONCURRENCY] = String(props.writeConcurrency);
    }
    if (props.maxRecordBytes !== undefined) environment[ENV.MAX_RECORD_BYTES] = String(props.maxRecordBytes);
    if (props.maxLogFileBytes !== undefined)
      environment[ENV.MAX_LOG_FILE_BYTES] = String(props.maxLogFileBytes);
    if (props.accessKeyIds !== undefined) environment[ENV.ACCESS_KEY_IDS] = props.accessKeyIds;
    if (props.sourceIpAddresses !== undefined) environment[ENV.SOURCE_IP_ADDRESSES] = props.sourceIpAddresses;
    if (props.requestParameterKeys !== undefined)
      environment[ENV.REQUEST_PARAMETER_KEYS] = JSON.stringify(props.requestParameterKeys);
    if (props.responseElementKeys !== undefined)
      environment[ENV.RESPONSE_ELEMENT_KEYS] = JSON.stringify(props.responseElementKeys);
    return environment;
  }

  /**
   * S3 event notifications are set by a custom resource whose function the CDK shares across
   * the stack; its findings are acknowledged there, once.
   */
  private acknowledgeNotificationsHandler(): void {
    const handler = Stack.of(this).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    const isAcknowledged = (construct: IConstruct) =>
      construct.node.metadata.some((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    if (handler === undefined || isAcknowledged(handler)) {
      return;
    }
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The CDK BucketNotificationsHandler custom resource (it sets the log bucket notification, a ' +
        'CloudFormation deploy-time call) gets AWSLambdaBasicExecutionRole from the CDK, which exposes no ' +
        'option to replace it. That policy grants logs:CreateLogGroup, logs:CreateLogStream and ' +
        'logs:PutLogEvents on every log group of the account, not only its own: accepted because only ' +
        'CloudFormation invokes the function, with the notification configuration of this stack.',
    });
  }
}
