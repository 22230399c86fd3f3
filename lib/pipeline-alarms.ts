import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarm,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES, METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../contract/environment';

const ALARM_PERIOD = Duration.minutes(5);

/** Props of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  readonly ingestFunction: IFunction;
  readonly deadLetterQueue: IQueue;
  /** Time without an ingested log file after which the heartbeat alarm fires. */
  readonly heartbeatPeriod: Duration;
  /**
   * Topic every alarm notifies when it goes into ALARM.
   *
   * @default - the alarms have no actions; they show in the CloudWatch console only
   */
  readonly alarmTopic?: ITopic;
}

/**
 * Alarms that fire on the first sign of lost or delayed ingestion: a message in the dead-letter
 * queue, a log file the function could not ingest, an event DynamoDB refused to store, a function
 * error, a throttle; and on silence: no log file ingested for the heartbeat period.
 */
export class PipelineAlarms extends Construct {
  /** Every alarm, in a stable order. */
  readonly alarms: readonly IAlarm[];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);

    const functionMetric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
        statistic: 'Sum',
        period: ALARM_PERIOD,
      });

    const alarms = [
      this.alarmOnAny(
        'DeadLetterMessagesAlarm',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: ALARM_PERIOD,
        }),
        'Log-file notifications reached the dead-letter queue after every retry failed: their events are ' +
          'not in the table. Read the function logs for the cause, fix it, then redrive the dead-letter queue.',
      ),
      this.alarmOnAny(
        'LogFilesFailedAlarm',
        functionMetric(METRIC_NAMES.LOG_FILES_FAILED),
        'The ingest function failed to ingest at least one log file; SQS will retry it. Read the function logs.',
      ),
      this.alarmOnAny(
        'EventsRejectedAlarm',
        functionMetric(METRIC_NAMES.EVENTS_REJECTED),
        'DynamoDB refused to store at least one event (a key or number out of its limits, an item over ' +
          '400 KB); the rest of its log file was written. The event is not in the table and no retry will ' +
          'store it: the log file\'s summary line ("log file ingested" or "log file failed") lists its eventId ' +
          "and DynamoDB's message.",
      ),
      this.alarmOnAny(
        'FunctionErrorsAlarm',
        props.ingestFunction.metricErrors({ statistic: 'Sum', period: ALARM_PERIOD }),
        'The ingest function failed a whole invocation (crash, timeout or out of memory); the batch will be retried.',
      ),
      this.alarmOnAny(
        'FunctionThrottlesAlarm',
        props.ingestFunction.metricThrottles({ statistic: 'Sum', period: ALARM_PERIOD }),
        'The ingest function was throttled: the account or function concurrency limit was reached.',
      ),
      new Alarm(this, 'HeartbeatAlarm', {
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC_NAMES.LOG_FILES_INGESTED,
          dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
          statistic: 'Sum',
          period: props.heartbeatPeriod,
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data is the signal: a stopped trail, a removed notification or a broken function.
        treatMissingData: TreatMissingData.BREACHING,
        alarmDescription:
          `No log file was ingested for ${props.heartbeatPeriod.toHumanString()}; CloudTrail delivers about ` +
          'every 5 minutes. Check that the trail is logging, that the log bucket still notifies the queue, and ' +
          'the function logs and the other alarms.',
      }),
    ];

    this.alarms = alarms;
    if (props.alarmTopic !== undefined) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
      }
    }
  }

  private alarmOnAny(id: string, metric: IMetric, description: string): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }
}
