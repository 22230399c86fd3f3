import { describe, expect, it } from 'vitest';
import { readLogRecords } from '../../lambda/core/log-file-reader';
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

describe('readLogRecords', () => {
  it.each([
    ['one byte at a time', (bytes: Buffer) => chunked(bytes, 1)],
    ['after an empty chunk', afterAnEmptyChunk],
  ])('recognizes a gzipped log delivered %s', async (_name, deliver) => {
    const body = gzippedLogFile([{ eventID: 'a' }, { eventID: 'b' }]);

    const texts = await recordTexts(deliver(body));

    expect(texts).toEqual(['{"eventID":"a"}', '{"eventID":"b"}']);
  });
});
