import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES, METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../contract/environment';

const PERIOD = Duration.minutes(5);

/** Props of {@link PipelineDashboard}. */
export interface PipelineDashboardProps {
  readonly ingestFunction: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

/**
 * One CloudWatch dashboard for an operator: events ingested per ML service, log files by outcome,
 * malformed records (from the function's Powertools metrics), queue backlog and function health.
 */
export class PipelineDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);

    const count = (metricName: string, label: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
        statistic: 'Sum',
        period: PERIOD,
        label,
      });
    // One line per mlService dimension value, whatever services the catalogue holds.
    const eventsPerService = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},mlService,service} MetricName="${METRIC_NAMES.EVENTS_INGESTED}"', 'Sum', ${PERIOD.toSeconds()})`,
      usingMetrics: {},
      label: '',
      period: PERIOD,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'ML events ingested, per service', left: [eventsPerService], width: 12 }),
      new GraphWidget({
        title: 'Log files',
        left: [
          count(METRIC_NAMES.LOG_FILES_INGESTED, 'ingested'),
          count(METRIC_NAMES.LOG_FILES_SKIPPED, 'skipped'),
          count(METRIC_NAMES.LOG_FILES_FAILED, 'failed'),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Malformed records',
        left: [count(METRIC_NAMES.MALFORMED_RECORDS, 'malformed records')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Queues',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            label: 'dead letters',
          }),
        ],
        right: [props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: 'oldest (s)' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Ingest function',
        left: [
          props.ingestFunction.metricErrors({ period: PERIOD, label: 'errors' }),
          props.ingestFunction.metricThrottles({ period: PERIOD, label: 'throttles' }),
        ],
        right: [
          props.ingestFunction.metricDuration({
            period: PERIOD,
            statistic: 'p99',
            label: 'p99 duration (ms)',
          }),
        ],
        width: 8,
      }),
    );
  }
}
