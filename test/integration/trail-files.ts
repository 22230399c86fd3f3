import { gzipSync } from 'node:zlib';
import type { MlEventItem } from '../../contract/ml-event-item';
import { selectLogObject } from '../../lambda/core/log-object-selection';
import { findRecordDefect, toMlEvent } from '../../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import {
  gzippedLogFile,
  logObjectKey,
  readRealDigest,
  readRealRecords,
  readSeedRecords,
} from '../support/factories';

/** A log file to put somewhere, with the records it holds. */
export interface TrailFile {
  readonly key: string;
  readonly bytes: Buffer;
  readonly records: readonly Record<string, unknown>[];
}

const ML_SERVICES = new Set(DEFAULT_SERVICE_CATALOGUE.keys());

/**
 * Log files of seed records and other real records (test/fixtures): the seed services' events
 * (with records of other services) in an account trail's layout, the other ML-service events in an
 * organization trail's layout (with malformed ones among them), both below `keyPrefix`, and a
 * digest file.
 */
export function trailFiles(keyPrefix: string): {
  account: TrailFile;
  organization: TrailFile;
  digest: TrailFile;
} {
  const seeds = Object.values(readSeedRecords());
  const seedIds = new Set(seeds.map((seed) => seed.eventID));
  const real = readRealRecords().map((sample) => sample.record);
  const others = real.filter((record) => !ML_SERVICES.has(record.eventSource as string));
  const realMl = real.filter(
    (record) => ML_SERVICES.has(record.eventSource as string) && !seedIds.has(record.eventID),
  );
  const accountRecords = [...seeds, ...others];
  return {
    account: {
      key: logObjectKey({
        prefix: keyPrefix,
        accountId: '123456789012',
        date: '2024-06-02',
        id: 'Seeds0001',
      }),
      bytes: gzippedLogFile(accountRecords),
      records: accountRecords,
    },
    organization: {
      key: logObjectKey({
        prefix: keyPrefix,
        organizationId: 'o-a1b2c3d4e5',
        accountId: '111122223333',
        region: 'eu-west-1',
        date: '2024-06-03',
        id: 'RealMl001',
      }),
      bytes: gzippedLogFile(realMl),
      records: realMl,
    },
    digest: {
      key: `${keyPrefix}/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240602T2100Z.json.gz`,
      bytes: gzipSync(JSON.stringify(readRealDigest())),
      records: [],
    },
  };
}

/** The items the function makes of a file's records, as the core normalizes them. */
export function expectedItems(file: TrailFile, logFile: string): MlEventItem[] {
  const selection = selectLogObject(file.key);
  const logAccountId = selection.ingest ? selection.log.accountId : undefined;
  return file.records.flatMap((record) => {
    const service = DEFAULT_SERVICE_CATALOGUE.get(record.eventSource as string);
    if (!service || findRecordDefect(record)) return [];
    return [toMlEvent(record, service, { logFile, logAccountId, retentionDays: 0 })];
  });
}

/** Items in a stable order, for comparisons. */
export function byKey(items: readonly MlEventItem[]): MlEventItem[] {
  return [...items].sort((a, b) => (a.eventID < b.eventID ? -1 : 1));
}
