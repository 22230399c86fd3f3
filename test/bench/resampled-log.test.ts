import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureResampledLogFile } from '../../bench/resampled-log';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { findRecordDefect } from '../../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';

const dir = mkdtempSync(join(tmpdir(), 'mltrail-resampled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a resampled log of the bench', () => {
  it.each([0.01, 0.5])(
    'yields the same ML eventIDs to the reader as to whole-file JSON.parse, as generated (%f ML)',
    async (mlShare) => {
      const path = join(dir, `log-${mlShare}.json.gz`);
      const manifest = await ensureResampledLogFile(path, 2 * 2 ** 20, mlShare);
      const streamed: string[] = [];

      const summary = await ingestLogFile(
        { body: createReadStream(path, { highWaterMark: 4096 }), logFile: `file://${path}` },
        DEFAULT_SERVICE_CATALOGUE,
        { put: async (item) => void streamed.push(item.eventID) },
      );

      const log = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
        Records: Record<string, unknown>[];
      };
      const parsed = log.Records.filter(
        (record) => DEFAULT_SERVICE_CATALOGUE.has(record.eventSource as string) && !findRecordDefect(record),
      ).map((record) => record.eventID as string);
      expect(streamed).toEqual(parsed);
      expect(summary.records).toBe(manifest.records);
      expect(streamed.length).toBe(manifest.mlRecords);
      const hash = createHash('sha256');
      for (const id of streamed) hash.update(`${id}\n`);
      expect(hash.digest('hex')).toBe(manifest.mlEventIdsSha256);
    },
  );

  it('compresses about as real logs do (8x to 14x)', async () => {
    const manifest = await ensureResampledLogFile(join(dir, 'ratio.json.gz'), 4 * 2 ** 20, 0.01);

    const ratio = manifest.decompressedBytes / manifest.compressedBytes;

    expect(ratio).toBeGreaterThan(8);
    expect(ratio).toBeLessThan(14);
  });
});
