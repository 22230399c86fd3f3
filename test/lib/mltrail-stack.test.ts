import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, METRIC_NAMES, METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../../contract/environment';
import {
  type IndexDefinition,
  indexesOf,
  OPTIONAL_INDEXES,
  projectedAttributesOf,
  TABLE_PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../../contract/table-schema';
import { MlTrailStack } from '../../lib/mltrail-stack';
import {
  acknowledgedRules,
  createTestApp,
  logicalIdOf,
  renderedObjectArn,
  renderedTrailArn,
  renderedTrailArnPattern,
  warningsOf,
} from './pipeline-app';

type Statement = Record<string, unknown>;

/** A GSI as CloudFormation declares it: every key attribute in order, the list projection. */
function indexProperties(index: IndexDefinition): Record<string, unknown> {
  return {
    IndexName: index.indexName,
    KeySchema: [
      ...index.partitionKeys.map((key) => ({ AttributeName: key.name, KeyType: 'HASH' })),
      ...index.sortKeys.map((key) => ({ AttributeName: key.name, KeyType: 'RANGE' })),
    ],
    Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projectedAttributesOf(index)] },
  };
}

let stack: MlTrailStack;
let template: Template;
let ids: {
  logBucket: string;
  logBucketPolicy: string;
  accessLogsBucket: string;
  queue: string;
  deadLetterQueue: string;
  table: string;
  function: string;
  functionRole: string;
  logGroup: string;
  logFilesKey: string;
};
let trailName: string;

beforeAll(() => {
  stack = new MlTrailStack(createTestApp(), 'MlTrail');
  template = Template.fromStack(stack);
  const pipeline = stack.pipeline;
  const child = (path: string) => pipeline.node.findChild(path);
  ids = {
    logBucket: logicalIdOf(pipeline.logBucket),
    logBucketPolicy: logicalIdOf(child('LogBucket').node.findChild('Bucket').node.findChild('Policy')),
    accessLogsBucket: logicalIdOf(child('LogBucket').node.findChild('AccessLogsBucket')),
    queue: logicalIdOf(pipeline.queue),
    deadLetterQueue: logicalIdOf(pipeline.deadLetterQueue),
    table: logicalIdOf(pipeline.table),
    function: logicalIdOf(pipeline.ingestFunction),
    functionRole: logicalIdOf(child('IngestFunctionRole')),
    logGroup: logicalIdOf(child('IngestFunctionLogGroup')),
    logFilesKey: logicalIdOf(child('LogFilesKey').node.findChild('Key')),
  };
  const name = new Capture();
  template.hasResourceProperties('AWS::CloudTrail::Trail', { TrailName: name });
  trailName = name.asString();
});

function bucketPolicyStatements(bucketLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::S3::BucketPolicy', {
    Properties: { Bucket: { Ref: bucketLogicalId } },
  });
  const [policy] = Object.values(policies);
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

function queuePolicyStatements(queueLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::SQS::QueuePolicy', {
    Properties: { Queues: [{ Ref: queueLogicalId }] },
  });
  const [policy] = Object.values(policies);
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

describe('trail', () => {
  it('logs read and write management events of every Region, with global events and file validation', () => {
    template.resourceCountIs('AWS::CloudTrail::Trail', 1);
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      IsOrganizationTrail: false,
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
      AdvancedEventSelectors: Match.absent(),
      S3BucketName: { Ref: ids.logBucket },
      S3KeyPrefix: Match.absent(),
    });
  });

  it('is created after the bucket policy that lets it write', () => {
    template.hasResource('AWS::CloudTrail::Trail', { DependsOn: Match.arrayWith([ids.logBucketPolicy]) });
  });
});

describe('log bucket', () => {
  it("is private, encrypted by default with the trail's KMS key, versioned and owner-enforced", () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const bucket = template.toJSON().Resources[ids.logBucket];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [ids.logFilesKey, 'Arn'] },
        },
      },
    ]);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('expires log files after 365 days and noncurrent versions after 90', () => {
    const bucket = template.toJSON().Resources[ids.logBucket];
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'ExpireLogFiles',
        Status: 'Enabled',
        ExpirationInDays: 365,
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
  });

  it('sends server access logs to a private access-log bucket that admits only the log bucket as source', () => {
    const bucket = template.toJSON().Resources[ids.logBucket];
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: ids.accessLogsBucket },
      LogFilePrefix: 'cloudtrail-log-bucket/',
    });
    const accessLogs = template.toJSON().Resources[ids.accessLogsBucket];
    expect(accessLogs.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    expect(accessLogs.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(accessLogs.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(365);
    expect(bucketPolicyStatements(ids.accessLogsBucket)).toContainEqual(
      expect.objectContaining({
        Action: 's3:PutObject',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Condition: expect.objectContaining({
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.logBucket, 'Arn'] } },
        }),
      }),
    );
  });

  it('denies requests without TLS 1.2 or later', () => {
    const statements = bucketPolicyStatements(ids.logBucket);
    const bothArns = [{ 'Fn::GetAtt': [ids.logBucket, 'Arn'] }, renderedObjectArn(ids.logBucket, '/*')];
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: bothArns,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: bothArns,
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    });
  });

  it('lets CloudTrail check the ACL only for this trail, by aws:SourceArn', () => {
    expect(bucketPolicyStatements(ids.logBucket)).toContainEqual({
      Sid: 'AWSCloudTrailAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: { 'Fn::GetAtt': [ids.logBucket, 'Arn'] },
      Condition: { StringEquals: { 'aws:SourceArn': renderedTrailArn(trailName) } },
    });
  });

  it('lets CloudTrail write only under AWSLogs/<account>/ for this trail, with bucket-owner-full-control', () => {
    expect(bucketPolicyStatements(ids.logBucket)).toContainEqual({
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: renderedObjectArn(ids.logBucket, '/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*'),
      Condition: {
        StringEquals: {
          's3:x-amz-acl': 'bucket-owner-full-control',
          'aws:SourceArn': renderedTrailArn(trailName),
        },
      },
    });
  });

  it('grants CloudTrail nothing without an aws:SourceArn condition', () => {
    const cloudTrailStatements = bucketPolicyStatements(ids.logBucket).filter(
      (statement) => JSON.stringify(statement.Principal) === '{"Service":"cloudtrail.amazonaws.com"}',
    );
    expect(cloudTrailStatements).toHaveLength(2);
    for (const statement of cloudTrailStatements) {
      expect(statement).toHaveProperty(
        ['Condition', 'StringEquals', 'aws:SourceArn'],
        renderedTrailArn(trailName),
      );
    }
  });
});

describe('notification', () => {
  it('sends every new .json.gz object under AWSLogs/ to the queue', () => {
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
    expect(notifications?.Properties.BucketName).toEqual({ Ref: ids.logBucket });
    expect(notifications?.Properties.Managed).toBe(true);
    const configuration = notifications?.Properties.NotificationConfiguration;
    expect(Object.keys(configuration)).toEqual(['QueueConfigurations']);
    expect(configuration.QueueConfigurations).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        QueueArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
        Filter: {
          Key: {
            FilterRules: expect.arrayContaining([
              { Name: 'prefix', Value: 'AWSLogs/' },
              { Name: 'suffix', Value: '.json.gz' },
            ]),
          },
        },
      },
    ]);
    expect(configuration.QueueConfigurations[0].Filter.Key.FilterRules).toHaveLength(2);
  });

  it('lets only the log bucket send to the queue', () => {
    expect(queuePolicyStatements(ids.queue)).toContainEqual({
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.logBucket, 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    });
  });
});

describe('queues', () => {
  it('holds a message for six function timeouts and redrives it after five receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 300,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('keeps dead letters for 14 days, encrypted', () => {
    const deadLetterQueue = template.toJSON().Resources[ids.deadLetterQueue];
    expect(deadLetterQueue.Properties).toEqual({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
  });

  it.each([
    ['queue', () => ids.queue],
    ['dead-letter queue', () => ids.deadLetterQueue],
  ])('denies the %s to requests without TLS', (_name, queueId) => {
    expect(queuePolicyStatements(queueId())).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:*',
      Resource: { 'Fn::GetAtt': [queueId(), 'Arn'] },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
});

describe('function', () => {
  it('runs Node.js 22 on arm64 with 512 MB and a 5-minute timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 300,
      Handler: 'index.handler',
      Role: { 'Fn::GetAtt': [ids.functionRole, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: ids.logGroup } },
    });
  });

  it('gets the table name, the log bucket and its owner, retention, Powertools settings and source maps from its environment', () => {
    const variables = template.toJSON().Resources[ids.function].Properties.Environment.Variables;
    expect(variables).toEqual({
      [ENV.TABLE_NAME]: { Ref: ids.table },
      [ENV.LOG_BUCKET]: { Ref: ids.logBucket },
      [ENV.LOG_BUCKET_OWNER]: { Ref: 'AWS::AccountId' },
      [ENV.RETENTION_DAYS]: '0',
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('logs to its own log group, kept for 90 days', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
  });

  it('consumes the queue ten messages at a time, reporting failed items, at most ten at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      FunctionName: { Ref: ids.function },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('has a role that only Lambda assumes, with no managed policy', () => {
    const role = template.toJSON().Resources[ids.functionRole];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('may write its logs, read log files under AWSLogs/ of a bucket of this account, decrypt them through S3, batch-write to the table and consume the queue: nothing else', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: ids.functionRole }] } }),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [ids.logGroup, 'Arn'] },
      },
      {
        Sid: 'ReadLogFiles',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: renderedObjectArn(ids.logBucket, '/AWSLogs/*'),
        Condition: { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
      },
      {
        Sid: 'WriteEvents',
        Effect: 'Allow',
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [ids.table, 'Arn'] },
      },
      {
        Sid: 'DecryptLogFilesThroughS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [ids.logFilesKey, 'Arn'] },
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
            },
          },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': renderedTrailArnPattern() },
        },
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      },
    ]);
  });
});

describe('table', () => {
  it('is keyed by eventID alone', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: TABLE_PARTITION_KEY.name, KeyType: 'HASH' }],
    });
  });

  it.each(indexesOf([]).map((index) => [index.indexName, index]))(
    'has the default index %s with its multi-attribute keys, projecting its list attributes',
    (_name, index) => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([indexProperties(index as IndexDefinition)]),
      });
    },
  );

  it('has the default indexes only, and types each key attribute', () => {
    const properties = template.toJSON().Resources[ids.table].Properties;
    expect(properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName)).toEqual([
      'byService',
      'byPrincipal',
      'byError',
      'byResource',
    ]);
    expect(properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'eventID', AttributeType: 'S' },
        { AttributeName: 'keyShard', AttributeType: 'N' },
        { AttributeName: 'eventTime', AttributeType: 'S' },
      ]),
    );
    expect(
      properties.AttributeDefinitions.map((a: { AttributeName: string }) => a.AttributeName),
    ).not.toContain('actor');
  });

  it.each(OPTIONAL_INDEXES.map((index) => [index.indexName, index]))(
    'adds the opt-in index %s when optionalIndexes names it',
    (name, index) => {
      const withIndex = Template.fromStack(
        new MlTrailStack(createTestApp({ optionalIndexes: name }), 'MlTrail'),
      );

      withIndex.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([indexProperties(index as IndexDefinition)]),
      });
    },
  );

  it('is on-demand, encrypted, recoverable to a point in time, protected from deletion and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expires items by the shared TTL attribute and streams new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });
});

describe('alarms', () => {
  const alarmBase = {
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    Period: 300,
    TreatMissingData: 'notBreaching',
  };

  it('alarms on any message in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmBase,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.deadLetterQueue, 'QueueName'] } }],
    });
  });

  it.each(['Errors', 'Throttles'])('alarms on any function %s', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmBase,
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.function } }],
    });
  });

  it('alarms on any log file the function failed to ingest, from its Powertools metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmBase,
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.LOG_FILES_FAILED,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: POWERTOOLS_SERVICE_NAME }],
    });
  });

  it('alarms on any event DynamoDB refused to store, from its Powertools metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...alarmBase,
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.EVENTS_REJECTED,
      Statistic: 'Sum',
      Dimensions: [{ Name: 'service', Value: POWERTOOLS_SERVICE_NAME }],
    });
  });

  it('alarms when no log file was ingested for 60 minutes, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC_NAMES.LOG_FILES_INGESTED,
      Dimensions: [{ Name: 'service', Value: POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('has no actions when no alarm topic is given', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });

  it('creates the tampering rules without a target, and warns at synthesis, when no alarm topic is given', () => {
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.allResourcesProperties('AWS::Events::Rule', { Targets: Match.absent() });
    expect(warningsOf(stack.pipeline)).toEqual([
      expect.stringMatching(/^No alarm topic is set \(prop alarmTopic, context alarmTopicArn\)/),
    ]);
  });
});

describe('dashboard', () => {
  it('charts events per ML service, log files by outcome, malformed records, queues and the function', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    // The body is JSON joined with references; stand a placeholder in for each reference.
    const parts: unknown[] = dashboard?.Properties.DashboardBody['Fn::Join'][1];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'ref')).join(''));
    const charts = Object.fromEntries(
      body.widgets.map((widget: { properties: { title: string; metrics: unknown[][] } }) => [
        widget.properties.title,
        widget.properties.metrics.map((line) => (typeof line[0] === 'string' ? line[1] : line[0])),
      ]),
    );
    expect(charts).toEqual({
      'ML events ingested, per service': [
        {
          expression: `SEARCH('{${METRICS_NAMESPACE},mlService,service} MetricName="${METRIC_NAMES.EVENTS_INGESTED}"', 'Sum', 300)`,
        },
      ],
      'Log files': [
        METRIC_NAMES.LOG_FILES_INGESTED,
        METRIC_NAMES.LOG_FILES_SKIPPED,
        METRIC_NAMES.LOG_FILES_FAILED,
      ],
      'Malformed records': [METRIC_NAMES.MALFORMED_RECORDS],
      Queues: [
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateAgeOfOldestMessage',
      ],
      'Ingest function': ['Errors', 'Throttles', 'Duration'],
    });
  });
});

describe('outputs', () => {
  it('exports what operators, backfill, redrive and stream consumers need', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.TableName.Value).toEqual({ Ref: ids.table });
    expect(outputs.TableStreamArn.Value).toEqual({ 'Fn::GetAtt': [ids.table, 'StreamArn'] });
    expect(outputs.LogBucketName.Value).toEqual({ Ref: ids.logBucket });
    expect(outputs.QueueUrl.Value).toEqual({ Ref: ids.queue });
    expect(outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: ids.deadLetterQueue });
    expect(outputs.DeadLetterQueueArn.Value).toEqual({ 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] });
    expect(outputs.IngestFunctionName.Value).toEqual({ Ref: ids.function });
    expect(outputs.TrailArn.Value).toEqual(renderedTrailArn(trailName));
    expect(outputs.LogFilesKeyArn.Value).toEqual({ 'Fn::GetAtt': [ids.logFilesKey, 'Arn'] });
  });
});

describe('cdk-nag', () => {
  it('passes the AwsSolutions checks with three acknowledged findings, each with a specific reason', () => {
    const rules = acknowledgedRules(stack);
    expect(Object.keys(rules).sort()).toEqual(
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        `AwsSolutions-IAM5[Resource::<${ids.logBucket}.Arn>/AWSLogs/*]`,
        'AwsSolutions-L1',
      ].sort(),
    );
    for (const reason of Object.values(rules)) {
      expect(reason.length).toBeGreaterThan(100);
    }
  });

  it("states that the notifications handler's managed policy reaches every log group of the account", () => {
    const reason =
      acknowledgedRules(stack)[
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'
      ];
    expect(reason).toMatch(/logs:CreateLogGroup.* on every log group of the account, not only its own/);
  });
});
