import { createHash } from 'node:crypto';
import type { MlEventItem } from '../contract/ml-event-item';
import { type IndexDefinition, projectedAttributesOf, TABLE_PARTITION_KEY } from '../contract/table-schema';
import { storedItemSize } from '../lambda/core/storable-payload';

/**
 * The write capacity a set of items takes, as DynamoDB counts it: a write request unit per 1 KB
 * (rounded up) of the item in the table and of its entry in each index that holds it (keys and
 * projected attributes), and at most 1,000 of them a second on one partition-key value.
 */

/** DynamoDB's on-demand price in us-east-1, in dollars per million write request units. */
export const DOLLARS_PER_MILLION_WRU = 0.625;
/** What one partition-key value takes a second, in write units. */
export const MAX_WCU_PER_PARTITION_KEY_VALUE = 1_000;
const WRITE_UNIT_BYTES = 1024;

/** Write units of one write of `bytes`. */
export function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** What an index holds of an item (table key, index keys, projection), or undefined when it lacks a key attribute. */
export function indexEntryOf(item: MlEventItem, index: IndexDefinition): Record<string, unknown> | undefined {
  const values = item as unknown as Record<string, unknown>;
  const keys = [TABLE_PARTITION_KEY, ...index.partitionKeys, ...index.sortKeys].map((key) => key.name);
  if (keys.some((name) => values[name] === undefined)) return undefined;
  const names = new Set([...keys, ...projectedAttributesOf(index)]);
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.has(name)));
}

/** The write capacity of the table or of one index. */
export interface TargetCapacity {
  /** `table` or the index name. */
  readonly target: string;
  /** Items or entries written. */
  readonly writes: number;
  /** Largest sum of write units on one partition-key value in one second of eventTime. */
  readonly peakWcuPerKeyValueSecond: number;
  /** The partition-key value of that peak, and its second. */
  readonly peakKeyValue: string;
  readonly peakSecond: string;
  /** Write units per event of the workload (0 for an event the index does not hold). */
  readonly wruPerEvent: number;
  /** Largest entry, in bytes as DynamoDB counts them. */
  readonly largestEntryBytes: number;
}

function partitionValueOf(entry: Record<string, unknown>, names: readonly string[]): string {
  return names.map((name) => String(entry[name])).join(' | ');
}

/** The capacity the table and each index take to write `items`. */
export function capacityOf(
  items: readonly MlEventItem[],
  indexes: readonly IndexDefinition[],
): TargetCapacity[] {
  const targets: {
    name: string;
    partitionKeys: readonly string[];
    entryOf: (item: MlEventItem) => object | undefined;
  }[] = [
    { name: 'table', partitionKeys: [TABLE_PARTITION_KEY.name], entryOf: (item) => item },
    ...indexes.map((index) => ({
      name: index.indexName,
      partitionKeys: index.partitionKeys.map((key) => key.name),
      entryOf: (item: MlEventItem) => indexEntryOf(item, index),
    })),
  ];
  return targets.map((target) => {
    const perKeySecond = new Map<string, number>();
    let writes = 0;
    let units = 0;
    let largest = 0;
    for (const item of items) {
      const entry = target.entryOf(item) as Record<string, unknown> | undefined;
      if (entry === undefined) continue;
      const bytes = storedItemSize(entry);
      const wru = writeUnitsOf(bytes);
      writes += 1;
      units += wru;
      largest = Math.max(largest, bytes);
      const key = `${partitionValueOf(entry, target.partitionKeys)}\u0000${item.eventTime}`;
      perKeySecond.set(key, (perKeySecond.get(key) ?? 0) + wru);
    }
    let peak = 0;
    let peakKey = '';
    for (const [key, wcu] of perKeySecond) {
      if (wcu > peak) [peak, peakKey] = [wcu, key];
    }
    const [peakKeyValue = '', peakSecond = ''] = peakKey.split('\u0000');
    return {
      target: target.name,
      writes,
      peakWcuPerKeyValueSecond: peak,
      peakKeyValue,
      peakSecond,
      wruPerEvent: items.length === 0 ? 0 : units / items.length,
      largestEntryBytes: largest,
    };
  });
}

/** Write units of one item in the table and the indexes that hold it. */
export function writeUnitsOfItem(item: MlEventItem, indexes: readonly IndexDefinition[]): number {
  return capacityOf([item], indexes).reduce((sum, target) => sum + target.wruPerEvent, 0);
}

/** A UUID-shaped eventID, the same for the same seed and number. */
export function eventIdOf(seed: string, n: number): string {
  const hex = createHash('sha256').update(`${seed}:${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
