import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MlEventItem } from '../contract/ml-event-item';
import { GLOBAL_SECONDARY_INDEXES, indexesOf } from '../contract/table-schema';
import { type RecordContext, toMlEvent } from '../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';
import { storedItemSize } from '../lambda/core/storable-payload';
import {
  capacityOf,
  DOLLARS_PER_MILLION_WRU,
  eventIdOf,
  MAX_WCU_PER_PARTITION_KEY_VALUE,
  type TargetCapacity,
  writeUnitsOfItem,
} from './capacity-model';

/**
 * `npm run bench -- --capacity [--json]`: replays a workload through toMlEvent and the key
 * functions and reports, for the table and every index, the peak write units on one partition-key
 * value in one second, the write units per event and the dollars per million events.
 */

const ROOT = join(import.meta.dirname, '..');
// A typical InvokeModel: the 1,022-byte record Sumo Logic publishes for its Bedrock app.
const INVOKE_MODEL_FIXTURE = join(ROOT, 'test/fixtures/bedrock-invoke-model-1kb.json');
// A larger one: an assumed-role call with additionalEventData and a longer user agent (1,327 bytes).
const LARGER_INVOKE_MODEL_FIXTURE = join(ROOT, 'test/fixtures/bedrock-invoke-model.json');
const SHARED_RECORDS = join(ROOT, '../shared/cloudtrail-samples/records.jsonl');
const FIXTURE_RECORDS = join(ROOT, 'test/fixtures/real-samples/records.jsonl');
// A log file key as CloudTrail names it; the item stores the key (see the README's item schema).
const LOG_FILE =
  's3://mltrail-trail-logs/AWSLogs/111122223333/CloudTrail/us-west-2/2024/10/01/111122223333_CloudTrail_us-west-2_20241001T1155Z_kQx3vG8sPz1LmN0a.json.gz';

/** The workload: a hot InvokeModel stream and quiet services beside it. */
export interface CapacityWorkload {
  /** InvokeModel events a second, all from one principal to one model in one account. */
  readonly hotEventsPerSecond: number;
  readonly seconds: number;
  /** Events a second of each real sample record of a catalogued service (the quiet services). */
  readonly quietEventsPerSecondPerRecord: number;
  readonly retentionDays: number;
}

export const DEFAULT_CAPACITY_WORKLOAD: CapacityWorkload = {
  hotEventsPerSecond: 10_000,
  seconds: 3,
  quietEventsPerSecondPerRecord: 2,
  retentionDays: 0,
};

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The real sample records of catalogued services: the shared corpus, else the fixture's. */
function quietRecords(): { records: Record<string, unknown>[]; source: string } {
  const shared = existsSync(SHARED_RECORDS);
  const lines = shared
    ? readJsonl(SHARED_RECORDS)
    : readJsonl(FIXTURE_RECORDS).map((line) => line.record as Record<string, unknown>);
  const records = lines.filter((record) => {
    const service = DEFAULT_SERVICE_CATALOGUE.get(String(record.eventSource));
    return (
      service !== undefined && typeof record.eventTime === 'string' && typeof record.eventName === 'string'
    );
  });
  return { records, source: shared ? SHARED_RECORDS : FIXTURE_RECORDS };
}

function secondOf(start: number, offset: number): string {
  return `${new Date(start + offset * 1000).toISOString().slice(0, 19)}Z`;
}

/** The items of a workload, as the pipeline would write them. */
export function workloadItems(workload: CapacityWorkload): {
  hot: MlEventItem[];
  quiet: MlEventItem[];
  source: string;
} {
  const invokeModel = JSON.parse(readFileSync(INVOKE_MODEL_FIXTURE, 'utf8')) as Record<string, unknown>;
  const context: RecordContext = { logFile: LOG_FILE, retentionDays: workload.retentionDays };
  const start = Date.parse(invokeModel.eventTime as string);
  const hot: MlEventItem[] = [];
  const quiet: MlEventItem[] = [];
  const { records, source } = quietRecords();
  for (let second = 0; second < workload.seconds; second += 1) {
    const eventTime = secondOf(start, second);
    for (let n = 0; n < workload.hotEventsPerSecond; n += 1) {
      const eventID = eventIdOf('hot', second * workload.hotEventsPerSecond + n);
      hot.push(toMlEvent({ ...invokeModel, eventTime, eventID }, 'bedrock', context));
    }
    for (const [index, record] of records.entries()) {
      for (let n = 0; n < workload.quietEventsPerSecondPerRecord; n += 1) {
        const service = DEFAULT_SERVICE_CATALOGUE.get(String(record.eventSource)) as string;
        const eventID = eventIdOf('quiet', (second * records.length + index) * 1000 + n);
        quiet.push(toMlEvent({ ...record, eventTime, eventID }, service, context));
      }
    }
  }
  return { hot, quiet, source };
}

/** What the capacity bench reports. */
export interface CapacityReport {
  readonly workload: CapacityWorkload & { readonly events: number; readonly quietSource: string };
  readonly typicalInvokeModel: {
    readonly loggedBytes: number;
    readonly itemBytes: number;
    readonly wruDefaultIndexes: number;
    readonly wruAllIndexes: number;
    readonly dollarsPerMillionDefaultIndexes: number;
    readonly dollarsPerMillionAllIndexes: number;
  };
  readonly largerInvokeModel: {
    readonly loggedBytes: number;
    readonly itemBytes: number;
    readonly wruDefaultIndexes: number;
    readonly wruAllIndexes: number;
  };
  readonly targets: readonly (TargetCapacity & {
    readonly optional: boolean;
    readonly dollarsPerMillionEvents: number;
  })[];
  readonly meanWruPerEvent: { readonly defaultIndexes: number; readonly allIndexes: number };
  readonly dollarsPerMillionEvents: { readonly defaultIndexes: number; readonly allIndexes: number };
  readonly maxWcuPerKeyValue: number;
  readonly pricing: string;
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Runs the capacity model over a workload. */
export function runCapacityModel(workload: CapacityWorkload = DEFAULT_CAPACITY_WORKLOAD): CapacityReport {
  const { hot, quiet, source } = workloadItems(workload);
  const items = [...hot, ...quiet];
  const targets = capacityOf(items, GLOBAL_SECONDARY_INDEXES).map((target) => ({
    ...target,
    optional: GLOBAL_SECONDARY_INDEXES.find((index) => index.indexName === target.target)?.optional ?? false,
    wruPerEvent: round(target.wruPerEvent),
    dollarsPerMillionEvents: round(target.wruPerEvent * DOLLARS_PER_MILLION_WRU),
  }));
  const meanOf = (selected: typeof targets) => selected.reduce((sum, target) => sum + target.wruPerEvent, 0);
  const defaultMean = meanOf(targets.filter((target) => !target.optional));
  const allMean = meanOf(targets);
  const typical = hot[0] as MlEventItem;
  const typicalDefault = writeUnitsOfItem(typical, indexesOf([]));
  const typicalAll = writeUnitsOfItem(typical, GLOBAL_SECONDARY_INDEXES);
  const loggedBytes = (path: string) =>
    Buffer.byteLength(JSON.stringify(JSON.parse(readFileSync(path, 'utf8'))));
  const largerRecord = JSON.parse(readFileSync(LARGER_INVOKE_MODEL_FIXTURE, 'utf8')) as Record<
    string,
    unknown
  >;
  const larger = toMlEvent(largerRecord, 'bedrock', {
    logFile: LOG_FILE,
    retentionDays: workload.retentionDays,
  });
  return {
    workload: { ...workload, events: items.length, quietSource: source },
    largerInvokeModel: {
      loggedBytes: loggedBytes(LARGER_INVOKE_MODEL_FIXTURE),
      itemBytes: storedItemSize(larger),
      wruDefaultIndexes: writeUnitsOfItem(larger, indexesOf([])),
      wruAllIndexes: writeUnitsOfItem(larger, GLOBAL_SECONDARY_INDEXES),
    },
    typicalInvokeModel: {
      loggedBytes: loggedBytes(INVOKE_MODEL_FIXTURE),
      itemBytes: storedItemSize(typical),
      wruDefaultIndexes: typicalDefault,
      wruAllIndexes: typicalAll,
      dollarsPerMillionDefaultIndexes: round(typicalDefault * DOLLARS_PER_MILLION_WRU),
      dollarsPerMillionAllIndexes: round(typicalAll * DOLLARS_PER_MILLION_WRU),
    },
    targets,
    meanWruPerEvent: { defaultIndexes: round(defaultMean), allIndexes: round(allMean) },
    dollarsPerMillionEvents: {
      defaultIndexes: round(defaultMean * DOLLARS_PER_MILLION_WRU),
      allIndexes: round(allMean * DOLLARS_PER_MILLION_WRU),
    },
    maxWcuPerKeyValue: MAX_WCU_PER_PARTITION_KEY_VALUE,
    pricing: `on-demand $${DOLLARS_PER_MILLION_WRU} per million write request units, us-east-1`,
  };
}

/** The report as aligned text lines. */
export function formatCapacityReport(report: CapacityReport): string[] {
  const { workload, typicalInvokeModel: typical, largerInvokeModel: larger } = report;
  return [
    `workload: ${workload.hotEventsPerSecond} InvokeModel/s from one principal to one model in one account for ${workload.seconds} s, ` +
      `plus ${workload.quietEventsPerSecondPerRecord}/s of each real sample record of a catalogued service (${workload.events} events)`,
    `typical InvokeModel (${typical.loggedBytes} bytes logged): item ${typical.itemBytes} bytes; ${typical.wruDefaultIndexes} WRU with the default indexes ` +
      `($${typical.dollarsPerMillionDefaultIndexes}/M events), ${typical.wruAllIndexes} WRU with every index ($${typical.dollarsPerMillionAllIndexes}/M)`,
    `larger InvokeModel (${larger.loggedBytes} bytes logged: assumed role, additionalEventData): item ${larger.itemBytes} bytes; ` +
      `${larger.wruDefaultIndexes} WRU with the default indexes, ${larger.wruAllIndexes} with every index`,
    `${'target'.padEnd(12)} ${'opt-in'.padEnd(6)} ${'writes'.padStart(7)} ${'peak WCU/key/s'.padStart(14)} ${'WRU/event'.padStart(9)} ${'$/M events'.padStart(10)}  largest entry`,
    ...report.targets.map(
      (target) =>
        `${target.target.padEnd(12)} ${(target.optional ? 'yes' : 'no').padEnd(6)} ${String(target.writes).padStart(7)} ` +
        `${String(target.peakWcuPerKeyValueSecond).padStart(14)} ${target.wruPerEvent.toFixed(3).padStart(9)} ` +
        `${target.dollarsPerMillionEvents.toFixed(3).padStart(10)}  ${target.largestEntryBytes} B`,
    ),
    `mean WRU/event: ${report.meanWruPerEvent.defaultIndexes} with the default indexes ($${report.dollarsPerMillionEvents.defaultIndexes}/M events), ` +
      `${report.meanWruPerEvent.allIndexes} with every index ($${report.dollarsPerMillionEvents.allIndexes}/M events); ${report.pricing}`,
  ];
}
