import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readLogRecordBatches, readLogRecords } from '../../lambda/core/log-file-reader';
import { chunked, gzippedLogFile } from '../support/factories';

async function recordTexts(body: AsyncIterable<Uint8Array>): Promise<string[]> {
  const texts: string[] = [];
  for await (const record of readLogRecords(body)) texts.push(record.bytes.toString());
  return texts;
}

async function* afterAnEmptyChunk(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(0);
  yield* chunked(bytes);
}

/** Yields a body in 16 KiB pieces (an HTTPS response's TLS records) through one buffer, refilled for each. */
async function* throughOneBuffer(bytes: Buffer): AsyncGenerator<Uint8Array> {
  const piece = Buffer.alloc(16 * 1024);
  for (let offset = 0; offset < bytes.length; offset += piece.length) {
    const length = bytes.copy(piece, 0, offset, offset + piece.length);
    yield piece.subarray(0, length);
  }
}

describe('readLogRecords', () => {
  it('reads a gzipped body whose source reuses its buffer once a piece is taken', async () => {
    const records = Array.from({ length: 3_000 }, (_, n) => ({
      eventID: `e-${n}`,
      note: randomBytes(24).toString('hex'),
    }));
    const body = gzippedLogFile(records);
    expect(body.length).toBeGreaterThan(4 * 16 * 1024);

    const texts = await recordTexts(throughOneBuffer(body));

    expect(texts).toEqual(records.map((record) => JSON.stringify(record)));
  });

  it.each([
    ['one byte at a time', (bytes: Buffer) => chunked(bytes, 1)],
    ['after an empty chunk', afterAnEmptyChunk],
  ])('recognizes a gzipped log delivered %s', async (_name, deliver) => {
    const body = gzippedLogFile([{ eventID: 'a' }, { eventID: 'b' }]);

    const texts = await recordTexts(deliver(body));

    expect(texts).toEqual(['{"eventID":"a"}', '{"eventID":"b"}']);
  });
});

async function* oneChunk(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('readLogRecordBatches', () => {
  async function batchSizes(text: string): Promise<number[]> {
    const sizes: number[] = [];
    for await (const batch of readLogRecordBatches(oneChunk(Buffer.from(text)))) sizes.push(batch.length);
    return sizes;
  }

  it('hands over the records of one chunk together, though they span several 64 KiB slices', async () => {
    const records = Array.from({ length: 900 }, (_, n) => ({ eventID: `e-${n}`, pad: 'x'.repeat(200) }));
    const text = JSON.stringify({ Records: records });
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);

    expect(await batchSizes(text)).toEqual([900]);
  });

  it('hands over a chunk of many small records in batches of about a thousand', async () => {
    const text = JSON.stringify({ Records: Array.from({ length: 40_000 }, (_, n) => ({ n })) });

    const sizes = await batchSizes(text);

    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(40_000);
    expect(Math.max(...sizes)).toBeLessThan(1_024 + (64 * 1024) / 8);
    expect(sizes.length).toBeGreaterThan(1);
  });
});
