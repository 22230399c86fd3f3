import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MlEventItem } from '../../contract/ml-event-item';
import type { JsonObject } from '../../lambda/core/json-fields';
import { toMlEvent } from '../../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE, serviceOf } from '../../lambda/core/service-catalogue';
import { PROJECT_ROOT } from './factories';

/** A real-shaped CloudTrail record kept as a detections fixture. */
export type CloudTrailRecord = Record<string, unknown>;

/** Folder of the detections fixtures: real records, with where each was published. */
export const DETECTIONS_FIXTURES_DIR = join(PROJECT_ROOT, 'test/fixtures/detections');

/** A record of `test/fixtures/detections/<name>.json`. */
export function readDetectionRecord(name: string): CloudTrailRecord {
  return JSON.parse(readFileSync(join(DETECTIONS_FIXTURES_DIR, `${name}.json`), 'utf8')) as CloudTrailRecord;
}

/**
 * The item a record is stored as: the real normalizer's, with `overrides` over it. The service is
 * the default catalogue's for the record's eventSource.
 */
export function itemOfRecord(record: CloudTrailRecord, overrides: Partial<MlEventItem> = {}): MlEventItem {
  const service = serviceOf(DEFAULT_SERVICE_CATALOGUE, String(record.eventSource));
  if (service === undefined)
    throw new Error(`fixture eventSource ${String(record.eventSource)} is not catalogued`);
  const item = toMlEvent(record as JsonObject, service, {
    logFile: 'AWSLogs/111122223333/CloudTrail/fixture.json.gz',
  });
  return { ...item, ...overrides };
}
