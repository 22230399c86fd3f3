import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MlTrailPipeline, type MlTrailPipelineProps } from './mltrail-pipeline';
import { pipelinePropsFromContext } from './pipeline-context';

/** Props of {@link MlTrailStack}. */
export interface MlTrailStackProps extends StackProps {
  /**
   * Props of the pipeline; each one given here wins over the same setting from context.
   *
   * @default - every setting from context (see the README's deploy section), else the construct's defaults
   */
  readonly pipeline?: MlTrailPipelineProps;
}

/** The deployable app: one {@link MlTrailPipeline}, configured from context, and its outputs. */
export class MlTrailStack extends Stack {
  /** The pipeline. */
  readonly pipeline: MlTrailPipeline;

  constructor(scope: Construct, id: string, props: MlTrailStackProps = {}) {
    super(scope, id, {
      description:
        'mltrail: audit trail of API calls to AWS machine-learning services (CloudTrail to DynamoDB)',
      ...props,
    });

    const fromContext = pipelinePropsFromContext(this);
    this.pipeline = new MlTrailPipeline(this, 'Pipeline', {
      ...withoutUndefined(fromContext),
      ...props.pipeline,
    });

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('TableName', this.pipeline.table.tableName, 'Events table; query it in the DynamoDB console');
    output('TableStreamArn', this.pipeline.table.tableStreamArn ?? '', 'Stream of new event items');
    output(
      'LogBucketName',
      this.pipeline.logBucket.bucketName,
      'Bucket the CloudTrail log files are read from',
    );
    output('QueueUrl', this.pipeline.queue.queueUrl, 'Queue of log-file notifications; backfill sends here');
    output(
      'DeadLetterQueueUrl',
      this.pipeline.deadLetterQueue.queueUrl,
      'Notifications that failed every retry',
    );
    output('DeadLetterQueueArn', this.pipeline.deadLetterQueue.queueArn, 'Source ARN for a redrive');
    output(
      'IngestFunctionName',
      this.pipeline.ingestFunction.functionName,
      'Function that ingests log files',
    );
    if (this.pipeline.trailArn !== undefined) {
      output('TrailArn', this.pipeline.trailArn, 'Trail created by this stack');
    }
    if (this.pipeline.logFilesKey !== undefined) {
      output(
        'LogFilesKeyArn',
        this.pipeline.logFilesKey.keyArn,
        'KMS key of the log files; readers of the log bucket need kms:Decrypt on it',
      );
    }
  }
}

function withoutUndefined<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as Partial<T>;
}
