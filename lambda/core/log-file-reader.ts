import { createGunzip, type Gunzip } from 'node:zlib';
import { LogFormatError } from './errors';
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, RecordsArraySplitter } from './records-array-splitter';

/** Bounds on one log file. */
export interface LogFileLimits {
  /** Largest record kept, in bytes; a larger one is dropped and counted. @default 16 MiB */
  readonly maxRecordBytes?: number;
  /**
   * Decompressed bytes after which the file fails (a gzip bomb): the reader streams, so memory is
   * not at stake, but the function's time is. @default 2 GiB
   */
  readonly maxDecompressedBytes?: number;
}

/** Default {@link LogFileLimits.maxDecompressedBytes}: CloudTrail's largest log files are far smaller. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 2 * 1024 ** 3;

const GZIP_MAGIC = [0x1f, 0x8b] as const;
// Larger output chunks than zlib's 16 KiB default: fewer hand-offs between the thread pool and the reader.
const GUNZIP_CHUNK_BYTES = 256 * 1024;
/** Compressed bytes handed to gunzip at once (see feedGunzip), and the buffers they are copied into. */
const COMPRESSED_PIECE_BYTES = 64 * 1024;
const COMPRESSED_PIECE_BUFFERS = 3;
// The splitter is handed at most this much at once: the records of one push are held together, and
// a 256 KiB chunk of tiny records that are not JSON, each with its error, would take tens of MB.
const SPLIT_SLICE_BYTES = 64 * 1024;
// Records are handed on once a decompressed chunk is split (a hand-off per chunk, not per slice),
// or sooner once this many wait.
const BATCH_RECORDS = 1024;

async function* withHead(
  head: readonly Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Hands a gzipped body to gunzip in pieces of {@link COMPRESSED_PIECE_BYTES}, copied into a few
 * buffers that are used again once gunzip has read them. An HTTPS body arrives in TLS records of 16
 * KiB: written one by one, each cost a round trip to zlib's thread and a short output chunk (a
 * fifth more CPU for the whole read). Fresh pieces of 64 KiB or more, each alive while zlib inflates
 * its 700 KB, reached V8's old space and held tens of MB of garbage until a full collection; these
 * buffers are allocated once. Ends gunzip after the body, or destroys it with the body's error.
 */
async function feedGunzip(chunks: AsyncIterable<Uint8Array>, gunzip: Gunzip): Promise<void> {
  const free: Buffer[] = Array.from({ length: COMPRESSED_PIECE_BUFFERS }, () =>
    Buffer.allocUnsafeSlow(COMPRESSED_PIECE_BYTES),
  );
  // Wakes the feed waiting for a buffer: one was given back, or gunzip closed.
  let wake: (() => void) | undefined;
  const wakeFeed = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  gunzip.once('close', wakeFeed);
  const giveBack = (buffer: Buffer) => {
    free.push(buffer);
    wakeFeed();
  };
  // A free buffer, or undefined once gunzip is closed (it failed, or its reader stopped).
  const take = async (): Promise<Buffer | undefined> => {
    while (free.length === 0 && !gunzip.destroyed) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    return gunzip.destroyed ? undefined : free.pop();
  };
  const write = (buffer: Buffer, length: number) =>
    gunzip.write(buffer.subarray(0, length), (error) => {
      if (!error) giveBack(buffer);
    });
  try {
    let piece = await take();
    let filled = 0;
    for await (const chunk of chunks) {
      for (let offset = 0; offset < chunk.length && piece; ) {
        const copied = Math.min(chunk.length - offset, piece.length - filled);
        piece.set(chunk.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
        if (filled === piece.length) {
          write(piece, filled);
          piece = await take();
          filled = 0;
        }
      }
      if (!piece) return;
    }
    if (piece && filled > 0) write(piece, filled);
    gunzip.end();
  } catch (error) {
    gunzip.destroy(error as Error);
  }
}

function isGzip(head: readonly Uint8Array[]): boolean {
  const start = Buffer.concat(head.map((chunk) => chunk.subarray(0, GZIP_MAGIC.length)));
  return start[0] === GZIP_MAGIC[0] && start[1] === GZIP_MAGIC[1];
}

/**
 * The decompressed bytes of a log file body: gunzipped when it starts with the gzip magic
 * number (whatever its name says), as it is otherwise. Streams; nothing is held whole.
 */
export async function* decompressedChunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  // A stream may hand over the magic number split, or after an empty chunk: read until it is whole.
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < GZIP_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  if (headBytes === 0) return;
  const chunks = withHead(head, iterator);
  if (!isGzip(head)) {
    for await (const chunk of chunks) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return;
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  void feedGunzip(chunks, gunzip);
  let decompressedBytes = 0;
  try {
    for await (const chunk of gunzip) {
      decompressedBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      const detail =
        code === 'Z_BUF_ERROR'
          ? 'truncated gzip (unexpected end of file)'
          : `corrupt gzip (${(cause as Error).message})`;
      throw new LogFormatError(detail, decompressedBytes, { cause });
    }
    throw cause;
  } finally {
    gunzip.destroy();
  }
}

/** How {@link readLogRecordBatches} reads a file. */
export interface LogRecordsOptions extends LogFileLimits {
  /**
   * Which records to hold and check, by top-level eventSource; the others come back
   * {@link RawRecord.skipped}. @default every record
   */
  readonly keepEventSource?: (eventSource: string) => boolean;
  /** Which skipped records name their eventID, by eventSource. @default every one */
  readonly skippedEventIds?: (eventSource: string) => boolean;
  /** Whether kept records are checked against the JSON grammar as they are split. @default true */
  readonly checkKeptRecords?: boolean;
}

/**
 * The elements of a CloudTrail log file's `Records` array as raw JSON bytes, in batches of those
 * completed in one chunk of the decompressed stream, or of a thousand or so when a chunk holds more
 * (one hand-off per batch, not per record).
 * Accepts gzipped or plain JSON. Memory stays bounded by the largest single record, whatever the
 * file's size. Throws {@link LogFormatError} (with the byte offset) when the file is not a log.
 */
export async function* readLogRecordBatches(
  body: AsyncIterable<Uint8Array>,
  options: LogRecordsOptions = {},
): AsyncGenerator<readonly RawRecord[]> {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const splitter = new RecordsArraySplitter({
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    keepEventSource: options.keepEventSource,
    skippedEventIds: options.skippedEventIds,
    checkKeptRecords: options.checkKeptRecords,
  });
  let bytes = 0;
  for await (const chunk of decompressedChunks(body)) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      throw new LogFormatError(
        `the file decompresses to more than the ceiling of ${maxBytes} bytes (a gzip bomb?)`,
        maxBytes,
      );
    }
    let batch: RawRecord[] = [];
    for (let start = 0; start < chunk.length; start += SPLIT_SLICE_BYTES) {
      const records = splitter.push(chunk.subarray(start, start + SPLIT_SLICE_BYTES));
      if (batch.length === 0) batch = records;
      else for (const record of records) batch.push(record);
      if (batch.length >= BATCH_RECORDS || splitter.failure) {
        if (batch.length > 0) yield batch;
        batch = [];
      }
      if (splitter.failure) throw splitter.failure;
    }
    if (batch.length > 0) yield batch;
  }
  splitter.end();
}

/**
 * The elements of a CloudTrail log file's `Records` array, one at a time, as raw JSON bytes, each
 * checked against the JSON grammar: {@link readLogRecordBatches} with every record kept.
 */
export async function* readLogRecords(
  body: AsyncIterable<Uint8Array>,
  limits: LogFileLimits = {},
): AsyncGenerator<RawRecord> {
  for await (const records of readLogRecordBatches(body, limits)) yield* records;
}
