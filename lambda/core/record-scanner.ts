import { RECORD_SCANNER_WASM_BASE64 } from './wasm/record-scanner-wasm';

/** What a {@link RecordScanner.scan} call stopped at (the STATUS_* of wasm/record-scanner.ts). */
export enum ScanStatus {
  /** The input is consumed: inside a record, or between two ({@link RecordScanner.endedBetweenRecords}). */
  End = 0,
  /** A ']' or '}' at the depth of the array ends a record (a row when ']'), at the stop position. */
  ArrayEnd = 1,
  /** After a ',' between records, a ',' or ']' where a record should start. */
  NoRecord = 2,
  /** The rows are full: stopped between records, at the next record's first byte. */
  RowsFull = 3,
  /** An unescaped control character in a string. */
  ControlCharacter = 4,
  /** A bracket that does not match the one it closes. */
  Mismatched = 5,
}

/** A record the scanner completed, in the positions of its input; valid until the next row is read. */
export interface ScannedRecord {
  /** Its first byte; -1 when it began in an earlier call. */
  readonly start: number;
  /** The separator after it (',' or ']'). */
  readonly end: number;
  /** Its top-level eventSource when a string, decoded; undefined when none or undecodable. */
  readonly eventSource: string | undefined;
  /** The id of its eventSource, the same for every record of the scanner's file; -1 when not interned. */
  readonly eventSourceId: number;
  /** Its first bracket nested too deep, from its first byte; -1 when none. */
  readonly tooDeepOffset: number;
  /**
   * Whether a digit stands outside its strings: false says it holds no number (outside strings a
   * JSON text has digits only in numbers), so that its parse needs no search for one.
   */
  readonly holdsDigits: boolean;
}

// Node.js's WebAssembly, typed as far as it is used here (@types/node declares only the namespace).
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface ScannerExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  inputPointer(): number;
  inputCapacity(): number;
  rowsPointer(): number;
  rowArenaPointer(): number;
  rows(): number;
  stoppedAt(): number;
  carriedFrom(): number;
  endedBetweenRecords(): number;
  openRecordStart(): number;
  endedInString(): number;
  internedPointer(id: number): number;
  internedLength(id: number): number;
  scan(start: number, length: number, base: number, continuing: number): number;
}

const FIELD_NONE = 0;
const FIELD_EVENT_SOURCE = 1;
const FIELD_EVENT_ID = 2;
const ROW_INTS = 10;
const SOURCE_COPIED = -2;
const SOURCE_ESCAPED_FLAG = 1;
const ID_ESCAPED_FLAG = 2;

let compiled: object | undefined;

/** The value of a JSON string's content bytes, as JSON.parse gives it; undefined for a bad escape. */
export function decodeJsonString(content: Buffer, escaped: boolean): string | undefined {
  const text = content.toString('utf8');
  if (!escaped) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * The structural scan of a log's records (WebAssembly with SIMD, see wasm/record-scanner.ts) for
 * one file (a new scanner for each): input goes into {@link input}, {@link scan} finds where records end and what
 * their top-level eventSource and eventID are, carrying its state from call to call.
 */
export class RecordScanner {
  private readonly exports: ScannerExports;
  private readonly memory: Buffer;
  /** The scanner's input buffer; {@link capacity} bytes. */
  readonly input: Buffer;
  readonly capacity: number;
  private readonly rowsView: Int32Array;
  private readonly arena: Buffer;
  /** Interned eventSource values by id, decoded once. */
  private eventSources: string[] = [];
  private readonly found: { -readonly [K in keyof ScannedRecord]: ScannedRecord[K] } = {
    start: 0,
    end: 0,
    eventSource: undefined,
    eventSourceId: -1,
    tooDeepOffset: -1,
    holdsDigits: true,
  };

  constructor() {
    compiled ??= new Module(Buffer.from(RECORD_SCANNER_WASM_BASE64, 'base64'));
    let memory: Buffer | undefined;
    const classifyEscapedKey = (pointer: number, length: number): number => {
      const key = decodeJsonString((memory as Buffer).subarray(pointer, pointer + length), true);
      return key === 'eventSource' ? FIELD_EVENT_SOURCE : key === 'eventID' ? FIELD_EVENT_ID : FIELD_NONE;
    };
    const instance = new Instance(compiled, { env: { classifyEscapedKey } });
    this.exports = instance.exports as unknown as ScannerExports;
    // The scanner never grows its memory, so these views stay valid.
    memory = Buffer.from(this.exports.memory.buffer);
    this.memory = memory;
    this.capacity = this.exports.inputCapacity();
    this.input = memory.subarray(this.exports.inputPointer(), this.exports.inputPointer() + this.capacity);
    this.rowsView = new Int32Array(this.exports.memory.buffer, this.exports.rowsPointer());
    this.arena = memory.subarray(this.exports.rowArenaPointer());
  }

  /** Scans input[start, length), whose first byte is at `base` in the file; see {@link ScanStatus}. */
  scan(start: number, length: number, base: number, continuing: boolean): ScanStatus {
    return this.exports.scan(start, length, base, continuing ? 1 : 0) as ScanStatus;
  }

  /** How many records the last call completed. */
  get rows(): number {
    return this.exports.rows();
  }

  /** Where the last call stopped (for a status other than End). */
  get stoppedAt(): number {
    return this.exports.stoppedAt();
  }

  /** Where the string the last input ended in began: hand input[carriedFrom..] in again; -1 if none. */
  get carriedFrom(): number {
    return this.exports.carriedFrom();
  }

  get endedBetweenRecords(): boolean {
    return this.exports.endedBetweenRecords() !== 0;
  }

  /** Where the record the last input ended in began in it; -1 when earlier. */
  get openRecordStart(): number {
    return this.exports.openRecordStart();
  }

  get endedInString(): boolean {
    return this.exports.endedInString() !== 0;
  }

  /**
   * The `n`th record completed by the last call, in one object reused from row to row (a log holds
   * millions of records; the caller copies what it keeps).
   */
  row(n: number): ScannedRecord {
    const rows = this.rowsView;
    const at = n * ROW_INTS;
    const sourceKind = rows[at + 2] as number;
    const flags = rows[at + 5] as number;
    const found = this.found;
    found.start = rows[at] as number;
    found.end = rows[at + 1] as number;
    found.eventSourceId = sourceKind;
    found.eventSource =
      sourceKind >= 0
        ? this.eventSourceOf(sourceKind)
        : sourceKind === SOURCE_COPIED
          ? this.decodeArena(
              rows[at + 3] as number,
              rows[at + 4] as number,
              (flags & SOURCE_ESCAPED_FLAG) !== 0,
            )
          : undefined;
    found.tooDeepOffset = rows[at + 8] as number;
    found.holdsDigits = rows[at + 9] !== 0;
    return found;
  }

  /** The top-level eventID of the `n`th record of the last call when a string, decoded. */
  eventIdOf(n: number): string | undefined {
    const rows = this.rowsView;
    const at = n * ROW_INTS;
    const idLength = rows[at + 7] as number;
    if (idLength < 0) return undefined;
    return this.decodeArena(
      rows[at + 6] as number,
      idLength,
      ((rows[at + 5] as number) & ID_ESCAPED_FLAG) !== 0,
    );
  }

  private decodeArena(offset: number, length: number, escaped: boolean): string | undefined {
    return escaped
      ? decodeJsonString(this.arena.subarray(offset, offset + length), true)
      : this.arena.toString('utf8', offset, offset + length);
  }

  private eventSourceOf(id: number): string {
    const known = this.eventSources[id];
    if (known !== undefined) return known;
    const pointer = this.exports.internedPointer(id);
    const name = this.memory.toString('utf8', pointer, pointer + this.exports.internedLength(id));
    this.eventSources[id] = name;
    return name;
  }
}
