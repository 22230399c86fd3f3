import { type RawRecord, RecordsArraySplitter } from '../../lambda/core/records-array-splitter';

/** The records of `text` fed to a splitter `chunkSize` bytes at a time; throws where the split breaks. */
export function splitInChunks(
  text: string | Buffer,
  chunkSize: number,
  options?: ConstructorParameters<typeof RecordsArraySplitter>[0],
): RawRecord[] {
  const splitter = new RecordsArraySplitter(options);
  const bytes = Buffer.from(text);
  const records: RawRecord[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    records.push(...splitter.push(bytes.subarray(offset, offset + chunkSize)));
    if (splitter.failure) throw splitter.failure;
  }
  splitter.end();
  return records;
}
