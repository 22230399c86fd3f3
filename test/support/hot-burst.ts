import { eventIdOf } from '../../bench/capacity-model';
import { readJsonFixture } from './factories';

/**
 * The hot burst of the end-to-end capacity test, and the events it must leave in the table: the
 * query-path tests reuse it.
 */
// 12,000 InvokeModel events of one principal, model and account in one second of eventTime (more
// than the 10,000 a second the keys are sized for), in 12 files, and quiet services beside them.
// DynamoDB Local writes an item with seven indexes in about a millisecond of its CPU, so this is
// the largest burst the suite can afford.
export const HOT_EVENTS_PER_SECOND = 12_000;
export const HOT_SECONDS = 1;
const QUIET_EVENTS_PER_SERVICE = 20;
const QUIET_SERVICES = ['forecast', 'personalize', 'lookoutvision', 'frauddetector'] as const;
const START = Date.parse('2024-10-01T11:52:37Z');

function eventTimeOf(second: number): string {
  return `${new Date(START + second * 1000).toISOString().slice(0, 19)}Z`;
}

/** The burst's CloudTrail records, and the eventIDs the table must hold. */
export function hotBurstRecords(): { hot: Record<string, unknown>[]; quiet: Record<string, unknown>[] } {
  const invokeModel = readJsonFixture<Record<string, unknown>>('bedrock-invoke-model-1kb.json');
  const hot = Array.from({ length: HOT_EVENTS_PER_SECOND * HOT_SECONDS }, (_, n) => ({
    ...invokeModel,
    eventTime: eventTimeOf(Math.floor(n / HOT_EVENTS_PER_SECOND)),
    eventID: eventIdOf('hot-burst', n),
  }));
  const quiet = QUIET_SERVICES.flatMap((service, index) =>
    Array.from({ length: QUIET_EVENTS_PER_SERVICE }, (_, n) => ({
      ...invokeModel,
      eventSource: `${service}.amazonaws.com`,
      eventName: n % 2 === 0 ? 'DescribeDataset' : 'CreateDataset',
      requestParameters: { datasetArn: `arn:aws:${service}:us-west-2:111122223333:dataset/d${n % 3}` },
      errorCode: n % 5 === 0 ? 'AccessDeniedException' : undefined,
      eventTime: eventTimeOf(n % HOT_SECONDS),
      eventID: eventIdOf(`quiet-${index}`, n),
    })),
  );
  return { hot, quiet };
}
