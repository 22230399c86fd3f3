import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { walkFiles } from '../../cli/log-file-walker';
import { selectLogObject } from '../../lambda/core/log-object-selection';
import { buildSamples, SAMPLES_DIR } from '../../samples/build-samples';

async function committedSamples(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const file of walkFiles(`${SAMPLES_DIR}/AWSLogs`)) {
    files.set(relative(SAMPLES_DIR, file.path).split(sep).join('/'), readFileSync(file.path));
  }
  return files;
}

// Compressed bytes may differ between zlib builds; the digest's hash is of the compressed log file.
function comparable(bytes: Buffer): unknown {
  const json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  for (const logFile of json.logFiles ?? []) logFile.hashValue = '<sha-256 of the gzipped log file>';
  return json;
}

describe('bundled samples', () => {
  it('are what npm run samples builds from the seed records', async () => {
    const built = buildSamples();
    const committed = await committedSamples();

    expect([...committed.keys()].sort()).toEqual(built.map((file) => file.key).sort());
    for (const file of built) {
      expect(comparable(committed.get(file.key) as Buffer), file.key).toEqual(comparable(file.bytes));
    }
  });

  it('hold one log file per seed service, one in an organization trail layout, and a digest', () => {
    const built = buildSamples();
    const selections = built.map((file) => selectLogObject(file.key));
    const services = built.flatMap((file) =>
      (JSON.parse(gunzipSync(file.bytes).toString('utf8')).Records ?? []).map(
        (record: { eventSource: string }) => record.eventSource.split('.')[0],
      ),
    );

    expect(new Set(services)).toEqual(
      new Set(['forecast', 'personalize', 'iotanalytics', 'lookoutmetrics', 'lookoutvision', 'bedrock']),
    );
    expect(selections.filter((selection) => selection.ingest)).toHaveLength(6);
    expect(selections.filter((selection) => selection.ingest && selection.log.organizationId)).toHaveLength(
      1,
    );
    expect(selections.filter((selection) => !selection.ingest && selection.reason === 'digest')).toHaveLength(
      1,
    );
  });
});
