// AssemblyScript, compiled to WebAssembly by `npm run build:wasm` into record-scanner-wasm.ts.
//
// The structural scan of the elements of a log's Records array, 64 bytes at a time with SIMD (the
// technique of simdjson's stage 1): bit masks of the quotes, backslashes and brackets of a block;
// the escaped bytes from the runs of backslashes; the bytes inside strings by a prefix XOR of the
// unescaped quotes. Only the brackets outside strings are then visited one by one, and at the top
// level of a record also its commas: the member after each is read in place when its key is
// `eventSource` or `eventID`. Where records end is exactly what a byte-at-a-time scan that tracks
// strings, escapes and brackets finds (see records-array-splitter.ts); every other byte is passed
// over unread. A top-level member that cannot be read (not a string value, a cut it cannot carry)
// leaves the field unknown: the record is then kept and parsed, never skipped on a guess.

/** Bytes of input one call takes: a 64 KiB slice and a carried string head. */
const INPUT_CAPACITY: i32 = 64 * 1024 + 4096;
/** Rows (completed records) one call reports at most; then it stops between two records. */
const ROW_CAPACITY: i32 = 2048;
const ROW_INTS: i32 = 10;
const MAX_NESTING: i32 = 512;
/** Top-level values longer than this cannot be a catalogued eventSource (nor a useful eventID). */
const MAX_CAPTURED_BYTES: i32 = 2048;
/** The longest a key may be written and still be `eventSource` (every character a \u escape). */
const MAX_CAPTURED_KEY_BYTES: i32 = 66;
/** The most input handed in again when a member is cut by the input's end; a longer one is unknown. */
const MAX_CARRIED_BYTES: i32 = 4096 - 64;
const INTERN_CAPACITY: i32 = 2048;
const INTERN_SLOTS: i32 = 4096;
const INTERN_ARENA_BYTES: i32 = 64 * 1024;

// The input is followed by 64 bytes that loads may read past its end (masked off).
const INPUT: usize = memory.data(INPUT_CAPACITY + 64, 16);
const ROWS: usize = memory.data(ROW_CAPACITY * ROW_INTS * 4, 16);
// Copies of the captured values of the rows of one call: at most the input, and one record carried in.
const ROW_ARENA_BYTES: i32 = INPUT_CAPACITY + 2 * MAX_CAPTURED_BYTES;
const ROW_ARENA: usize = memory.data(ROW_ARENA_BYTES, 16);
const CURRENT_SOURCE: usize = memory.data(MAX_CAPTURED_BYTES, 16);
const CURRENT_ID: usize = memory.data(MAX_CAPTURED_BYTES, 16);
const NESTING: usize = memory.data(MAX_NESTING, 16);
// Interned unescaped eventSource values: (offset, length) per id, hash slots holding id + 1.
const INTERN_ENTRIES: usize = memory.data(INTERN_CAPACITY * 8, 16);
const INTERN_TABLE: usize = memory.data(INTERN_SLOTS * 4, 16);
const INTERN_ARENA: usize = memory.data(INTERN_ARENA_BYTES, 16);

// Statuses of scan().
/** The input is consumed: inside a record, or between two (see carryFrom). */
const STATUS_END: i32 = 0;
/** A ']' or '}' at the depth of the array ends a record (reported when ']'), at stopPosition. */
const STATUS_ARRAY_END: i32 = 1;
/** After a ',' between records, a ',' or ']' at stopPosition where a record should start. */
const STATUS_NO_RECORD: i32 = 2;
/** The rows are full: stopped between records, at the first byte of the next one. */
const STATUS_ROWS_FULL: i32 = 3;
/** An unescaped control character in a string, at stopPosition. */
const STATUS_CONTROL_CHARACTER: i32 = 4;
/** A bracket at stopPosition that does not match the one it closes. */
const STATUS_MISMATCHED: i32 = 5;

// Which top-level string is next.
const FIELD_NONE: i32 = 0;
const FIELD_EVENT_SOURCE: i32 = 1;
const FIELD_EVENT_ID: i32 = 2;

// A captured eventSource: none, interned (>= 0: its id), or copied (escaped, or the table is full).
const SOURCE_NONE: i32 = -1;
const SOURCE_COPIED: i32 = -2;

// Bytes of `eventSou`, `rce"` and `eventID"` as little-endian integers, to compare keys in one load.
const EVENT_SOU: u64 = 0x756f53746e657665;
const RCE_QUOTE: u32 = 0x22656372;
const EVENT_ID_QUOTE: u64 = 0x224449746e657665;
const ODD_BITS: u64 = 0xaaaaaaaaaaaaaaaa;

@external("env", "classifyEscapedKey")
declare function classifyEscapedKey(pointer: usize, length: i32): i32;

// The scan of the current record, carried from call to call.
let depth: i32 = 0;
let inStringCarry: u64 = 0;
let escapeCarry: u64 = 0;
let isObject: bool = false;
let sourceKind: i32 = SOURCE_NONE;
let sourceLength: i32 = 0;
let sourceEscaped: bool = false;
let idLength: i32 = -1;
let idEscaped: bool = false;
let tooDeepOffset: i32 = -1;
/** A digit outside the record's strings was met: it may hold a number (JSON's only digits outside strings). */
let numberSeen: bool = false;
// Digits outside strings of the current block not yet told to the record they are in.
let pendingDigits: u64 = 0;
let recordStartAbsolute: f64 = 0;
let internCount: i32 = 0;
let internArenaUsed: i32 = 0;

// What one call found.
let rowCount: i32 = 0;
let rowArenaUsed: i32 = 0;
let stopPosition: i32 = 0;
let carryFrom: i32 = -1;
let recordStart: i32 = -1;
let lastStringEscaped: bool = false;
let betweenRecords: bool = false;

export function inputPointer(): usize {
  return INPUT;
}
export function inputCapacity(): i32 {
  return INPUT_CAPACITY;
}
export function rowsPointer(): usize {
  return ROWS;
}
export function rowArenaPointer(): usize {
  return ROW_ARENA;
}
export function rows(): i32 {
  return rowCount;
}
export function stoppedAt(): i32 {
  return stopPosition;
}
/** Where the string the input ended in began, to be handed in again with what follows; -1 if none. */
export function carriedFrom(): i32 {
  return carryFrom;
}
/** The input ended after a record's ',' before the next record began. */
export function endedBetweenRecords(): bool {
  return betweenRecords;
}
/** Where the record the input ended in began in it; -1 when it began in an earlier call. */
export function openRecordStart(): i32 {
  return recordStart;
}
/** The input ended inside a string of a record. */
export function endedInString(): bool {
  return inStringCarry != 0 || carryFrom >= 0;
}
export function internedPointer(id: i32): usize {
  return INTERN_ARENA + <usize>load<i32>(INTERN_ENTRIES + <usize>(id * 8));
}
export function internedLength(id: i32): i32 {
  return load<i32>(INTERN_ENTRIES + <usize>(id * 8) + 4);
}

function beginRecord(position: i32, absolute: f64): void {
  depth = 0;
  inStringCarry = 0;
  escapeCarry = 0;
  isObject = false;
  sourceKind = SOURCE_NONE;
  sourceEscaped = false;
  idLength = -1;
  idEscaped = false;
  tooDeepOffset = -1;
  numberSeen = false;
  recordStart = position;
  recordStartAbsolute = absolute;
}

@inline
function maskOf(v0: v128, v1: v128, v2: v128, v3: v128, byte: i32): u64 {
  const b = i8x16.splat(<i8>byte);
  return (
    <u64>i8x16.bitmask(i8x16.eq(v0, b)) |
    (<u64>i8x16.bitmask(i8x16.eq(v1, b)) << 16) |
    (<u64>i8x16.bitmask(i8x16.eq(v2, b)) << 32) |
    (<u64>i8x16.bitmask(i8x16.eq(v3, b)) << 48)
  );
}

@inline
function anyByte(v0: v128, v1: v128, v2: v128, v3: v128, byte: i32): bool {
  const b = i8x16.splat(<i8>byte);
  return v128.any_true(
    v128.or(v128.or(i8x16.eq(v0, b), i8x16.eq(v1, b)), v128.or(i8x16.eq(v2, b), i8x16.eq(v3, b))),
  );
}

@inline
function anyControl(v0: v128, v1: v128, v2: v128, v3: v128): bool {
  // The least unsigned byte of the block is below 0x20.
  const least = i8x16.min_u(i8x16.min_u(v0, v1), i8x16.min_u(v2, v3));
  return v128.any_true(i8x16.lt_u(least, i8x16.splat(0x20)));
}

@inline
function controlMaskOf(v0: v128, v1: v128, v2: v128, v3: v128): u64 {
  const b = i8x16.splat(0x20);
  return (
    <u64>i8x16.bitmask(i8x16.lt_u(v0, b)) |
    (<u64>i8x16.bitmask(i8x16.lt_u(v1, b)) << 16) |
    (<u64>i8x16.bitmask(i8x16.lt_u(v2, b)) << 32) |
    (<u64>i8x16.bitmask(i8x16.lt_u(v3, b)) << 48)
  );
}

@inline
function digitMaskOf(v0: v128, v1: v128, v2: v128, v3: v128): u64 {
  // A byte minus '0' is below 10, unsigned, only for '0'-'9'.
  const zero = i8x16.splat(0x30);
  const ten = i8x16.splat(10);
  return (
    <u64>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v0, zero), ten)) |
    (<u64>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v1, zero), ten)) << 16) |
    (<u64>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v2, zero), ten)) << 32) |
    (<u64>i8x16.bitmask(i8x16.lt_u(i8x16.sub(v3, zero), ten)) << 48)
  );
}

/** Tells the current record of the digits pending before bit `bit` of the block (a token of its end). */
@inline
function takeDigitsBefore(bit: u64): void {
  const before = (<u64>1 << bit) - 1;
  if ((pendingDigits & before) != 0) numberSeen = true;
  pendingDigits &= ~before;
}

@inline
function prefixXor(bits: u64): u64 {
  let x = bits;
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

@inline
function isWhitespace(byte: i32): bool {
  return byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09;
}

/**
 * Scans a string's content from `from` for its closing quote, up to `limit` bytes: returns the
 * quote's index, -1 when the input ends first, -2 past the limit, -3 at a control character.
 * Sets lastStringEscaped.
 */
function findStringEnd(from: i32, length: i32, limit: i32): i32 {
  lastStringEscaped = false;
  let i = from;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const control = i8x16.splat(0x20);
  while (i < length) {
    // 16 bytes at a time up to the next quote, backslash or control character (an eventID is 36).
    if (i + 16 <= length) {
      const v = v128.load(INPUT + <usize>i);
      const special = i8x16.bitmask(
        v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, control)),
      );
      if (special == 0) {
        i += 16;
        if (i - from > limit) return -2;
        continue;
      }
      i += <i32>ctz(special);
    }
    if (i - from > limit) return -2;
    const byte = <i32>load<u8>(INPUT + <usize>i);
    if (byte == 0x22) return i;
    if (byte == 0x5c) {
      lastStringEscaped = true;
      i += 2;
      continue;
    }
    if (byte < 0x20) return -3;
    i++;
  }
  return i - from > limit ? -2 : -1;
}

function hashBytes(pointer: usize, length: i32): u32 {
  let hash: u32 = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = (hash ^ <u32>load<u8>(pointer + <usize>i)) * 0x01000193;
  return hash;
}

/** The id of an unescaped eventSource value, interned on first sight; -1 when the table is full. */
let lastInterned: i32 = -1;
function intern(pointer: usize, length: i32): i32 {
  // Records come in bursts of one service: the last value first, without a hash.
  const last = lastInterned;
  if (last >= 0 && internedLength(last) == length && memory.compare(internedPointer(last), pointer, length) == 0)
    return last;
  const id = lookUp(pointer, length);
  if (id >= 0) lastInterned = id;
  return id;
}

function lookUp(pointer: usize, length: i32): i32 {
  let slot = <i32>(hashBytes(pointer, length) & <u32>(INTERN_SLOTS - 1));
  for (;;) {
    const held = load<i32>(INTERN_TABLE + <usize>(slot * 4));
    if (held == 0) break;
    const id = held - 1;
    if (internedLength(id) == length && memory.compare(internedPointer(id), pointer, length) == 0) return id;
    slot = (slot + 1) & (INTERN_SLOTS - 1);
  }
  if (internCount == INTERN_CAPACITY || internArenaUsed + length > INTERN_ARENA_BYTES) return -1;
  const id = internCount++;
  store<i32>(INTERN_ENTRIES + <usize>(id * 8), internArenaUsed);
  store<i32>(INTERN_ENTRIES + <usize>(id * 8) + 4, length);
  memory.copy(INTERN_ARENA + <usize>internArenaUsed, pointer, length);
  internArenaUsed += length;
  store<i32>(INTERN_TABLE + <usize>(slot * 4), id + 1);
  return id;
}

function emitRow(end: i32): void {
  const row = ROWS + <usize>(rowCount * ROW_INTS * 4);
  store<i32>(row, recordStart);
  store<i32>(row, end, 4);
  store<i32>(row, sourceKind, 8);
  if (sourceKind == SOURCE_COPIED) {
    store<i32>(row, rowArenaUsed, 12);
    store<i32>(row, sourceLength, 16);
    memory.copy(ROW_ARENA + <usize>rowArenaUsed, CURRENT_SOURCE, sourceLength);
    rowArenaUsed += sourceLength;
  }
  store<i32>(row, (sourceEscaped ? 1 : 0) | (idEscaped ? 2 : 0), 20);
  if (idLength >= 0) {
    store<i32>(row, rowArenaUsed, 24);
    memory.copy(ROW_ARENA + <usize>rowArenaUsed, CURRENT_ID, idLength);
    rowArenaUsed += idLength;
  } else {
    store<i32>(row, -1, 24);
  }
  store<i32>(row, idLength, 28);
  store<i32>(row, tooDeepOffset, 32);
  store<i32>(row, numberSeen ? 1 : 0, 36);
  rowCount++;
}

/** A top-level member with this key cannot be read: its field is unknown (the last key wins). */
function forgetField(field: i32): void {
  if (field == FIELD_EVENT_SOURCE) sourceKind = SOURCE_NONE;
  else if (field == FIELD_EVENT_ID) idLength = -1;
}

function skipWhitespace(from: i32, length: i32): i32 {
  let i = from;
  while (i < length && isWhitespace(<i32>load<u8>(INPUT + <usize>i))) i++;
  return i;
}

/** Which field a key opening at `quote` names (FIELD_*), its closing quote in keyEnd; -1 when cut. */
let keyEnd: i32 = 0;
function classifyKey(quote: i32, length: i32): i32 {
  const content = quote + 1;
  if (content + 12 <= length) {
    const head = load<u64>(INPUT + <usize>content);
    if (head == EVENT_ID_QUOTE) {
      keyEnd = content + 7;
      return FIELD_EVENT_ID;
    }
    if (head == EVENT_SOU) {
      if (load<u32>(INPUT + <usize>content, 8) == RCE_QUOTE) {
        keyEnd = content + 11;
        return FIELD_EVENT_SOURCE;
      }
    } else if (isOtherKeyHead(head)) {
      return FIELD_NONE;
    }
  }
  const end = findStringEnd(content, length, MAX_CAPTURED_KEY_BYTES);
  if (end == -1) return -1;
  if (end < 0) return FIELD_NONE;
  keyEnd = end;
  const keyLength = end - content;
  if (lastStringEscaped) return classifyEscapedKey(INPUT + <usize>content, keyLength);
  if (keyLength == 7 && load<u64>(INPUT + <usize>content) == EVENT_ID_QUOTE) return FIELD_EVENT_ID;
  if (
    keyLength == 11 &&
    load<u64>(INPUT + <usize>content) == EVENT_SOU &&
    load<u32>(INPUT + <usize>content, 8) == RCE_QUOTE
  )
    return FIELD_EVENT_SOURCE;
  return FIELD_NONE;
}

/**
 * The common case, told without a call: the member after `token` opens at once with a key that is
 * neither eventSource nor eventID, however written (see classifyKey).
 */
@inline
function isOtherMember(token: i32, length: i32): bool {
  const quote = token + 1;
  if (quote + 13 > length || load<u8>(INPUT + <usize>quote) != 0x22) return false;
  return isOtherKeyHead(load<u64>(INPUT + <usize>quote, 1));
}

/**
 * Whether a key whose first 8 content bytes are `head` is neither eventSource nor eventID: written
 * with an escape, either has a backslash in its first 8 bytes or starts `eventSou`.
 */
@inline
function isOtherKeyHead(head: u64): bool {
  return head != EVENT_ID_QUOTE && head != EVENT_SOU && !hasByte(head, 0x5c);
}

/** Whether any of the 8 bytes of `word` is `byte` (the SWAR zero-byte test). */
@inline
function hasByte(word: u64, byte: u64): bool {
  const x = word ^ (byte * 0x0101010101010101);
  return ((x - 0x0101010101010101) & ~x & 0x8080808080808080) != 0;
}

/** Keeps a field's string value, its content at input[content, end). */
function capture(field: i32, content: i32, end: i32): void {
  const valueLength = end - content;
  if (field == FIELD_EVENT_ID) {
    memory.copy(CURRENT_ID, INPUT + <usize>content, valueLength);
    idLength = valueLength;
    idEscaped = lastStringEscaped;
    return;
  }
  sourceEscaped = lastStringEscaped;
  sourceKind = lastStringEscaped ? -1 : intern(INPUT + <usize>content, valueLength);
  if (sourceKind < 0) {
    memory.copy(CURRENT_SOURCE, INPUT + <usize>content, valueLength);
    sourceLength = valueLength;
    sourceKind = SOURCE_COPIED;
  }
}

/**
 * The top-level member after the '{' or ',' at `token`: when its key is eventSource or eventID,
 * its string value is kept (anything else makes the field unknown). Returns false when the input
 * ends first and the member is to be handed in again from `token`.
 */
function readMember(token: i32, length: i32): bool {
  const quote = skipWhitespace(token + 1, length);
  if (quote == length) return !canCarry(token, length);
  if (load<u8>(INPUT + <usize>quote) != 0x22) return true;
  const field = classifyKey(quote, length);
  if (field == FIELD_NONE) return true;
  if (field < 0) return !canCarry(token, length);
  const colon = skipWhitespace(keyEnd + 1, length);
  if (colon == length) return !canCarry(token, length);
  if (load<u8>(INPUT + <usize>colon) != 0x3a) {
    forgetField(field);
    return true;
  }
  const value = skipWhitespace(colon + 1, length);
  if (value == length) return !canCarry(token, length);
  if (load<u8>(INPUT + <usize>value) != 0x22) {
    forgetField(field);
    return true;
  }
  const end = findStringEnd(value + 1, length, MAX_CAPTURED_BYTES);
  if (end == -1) return !canCarry(token, length);
  // Too long to be of use, or broken (the mask scan reports the control character).
  if (end < 0) forgetField(field);
  else capture(field, value + 1, end);
  return true;
}

/** Whether a member cut at the input's end from `token` is short enough to hand in again; if not, it is unknown. */
function canCarry(token: i32, length: i32): bool {
  if (length - token <= MAX_CARRIED_BYTES) return true;
  forgetField(FIELD_EVENT_SOURCE);
  forgetField(FIELD_EVENT_ID);
  return false;
}

/**
 * Scans input[start, length), whose first byte is at `base` in the file: continuing the record
 * the last call ended in, or starting one at `start`. Completed records become rows. Returns a
 * STATUS_*; see stoppedAt(), rows(), carriedFrom().
 */
export function scan(start: i32, length: i32, base: f64, continuing: bool): i32 {
  rowCount = 0;
  rowArenaUsed = 0;
  carryFrom = -1;
  betweenRecords = false;
  stopPosition = length;
  if (continuing) recordStart = -1;
  else beginRecord(start, base + <f64>start);
  // The depth in a local: a global is a load and a store at every bracket.
  let d = depth;
  let position = start;
  while (position < length) {
    const n = min(64, length - position);
    const valid: u64 = n == 64 ? <u64>-1 : (<u64>1 << <u64>n) - 1;
    const at = INPUT + <usize>position;
    const v0 = v128.load(at);
    const v1 = v128.load(at, 16);
    const v2 = v128.load(at, 32);
    const v3 = v128.load(at, 48);
    const quotes = maskOf(v0, v1, v2, v3, 0x22) & valid;
    // Most blocks hold no backslash and no control character: their masks are built only when one is there.
    const backslashes = anyByte(v0, v1, v2, v3, 0x5c) ? maskOf(v0, v1, v2, v3, 0x5c) & valid : 0;
    // simdjson's escape scan: the bytes after an odd run of backslashes are escaped.
    const potentialEscape = backslashes & ~escapeCarry;
    const escapeAndTerminal = (((potentialEscape << 1) | ODD_BITS) - potentialEscape) ^ ODD_BITS;
    const escaped = escapeAndTerminal ^ (backslashes | escapeCarry);
    const escapes = escapeAndTerminal & backslashes;
    const realQuotes = quotes & ~escaped;
    const inString = prefixXor(realQuotes) ^ inStringCarry;
    const outside = ~inString & valid;
    // A backslash outside a string is an ordinary byte to the scan: the masks after it are redone.
    // An unescaped control character inside one breaks the log.
    const special =
      (backslashes & outside) |
      (anyControl(v0, v1, v2, v3) ? controlMaskOf(v0, v1, v2, v3) & inString & ~escaped & valid : 0);
    const limit = special == 0 ? n : <i32>ctz(special);
    let remaining: u64 = limit == 64 ? <u64>-1 : (<u64>1 << <u64>limit) - 1;
    pendingDigits = digitMaskOf(v0, v1, v2, v3) & outside & remaining;
    const deep = bracketMask(v0, v1, v2, v3) & outside;
    const top = deep | (maskOf(v0, v1, v2, v3, 0x2c) & outside);
    for (;;) {
      const candidates = (d <= 1 ? top : deep) & remaining;
      if (candidates == 0) break;
      const bit = ctz(candidates);
      remaining &= ~((<u64>2 << bit) - 1);
      const p = position + <i32>bit;
      const byte = <i32>load<u8>(INPUT + <usize>p);
      if (byte == 0x7b || byte == 0x5b) {
        if (d >= MAX_NESTING) {
          if (tooDeepOffset < 0) tooDeepOffset = <i32>(base + <f64>p - recordStartAbsolute);
        } else {
          store<u8>(NESTING + <usize>d, <u8>byte);
        }
        d++;
        if (d == 1) {
          isObject = byte == 0x7b;
          if (isObject && !isOtherMember(p, length) && !readMember(p, length)) return carry(p, 0);
        }
        continue;
      }
      if (byte == 0x7d || byte == 0x5d) {
        if (d == 0) {
          takeDigitsBefore(bit);
          if (byte == 0x5d) emitRow(p);
          stopPosition = p;
          depth = d;
          return STATUS_ARRAY_END;
        }
        if (d <= MAX_NESTING && (load<u8>(NESTING + <usize>(d - 1)) == 0x7b) != (byte == 0x7d)) {
          stopPosition = p;
          depth = d;
          return STATUS_MISMATCHED;
        }
        d--;
        continue;
      }
      if (byte == 0x2c) {
        if (d == 1) {
          if (isObject && !isOtherMember(p, length) && !readMember(p, length)) return carry(p, 1);
          continue;
        }
        if (d != 0) continue;
        takeDigitsBefore(bit);
        emitRow(p);
        // Between two records: the next one starts at the first byte that is not whitespace.
        let next = p + 1;
        while (next < length && isWhitespace(<i32>load<u8>(INPUT + <usize>next))) next++;
        if (next == length) {
          stopPosition = length;
          betweenRecords = true;
          depth = d;
          return STATUS_END;
        }
        const first = <i32>load<u8>(INPUT + <usize>next);
        if (first == 0x2c || first == 0x5d) {
          stopPosition = next;
          depth = d;
          return STATUS_NO_RECORD;
        }
        if (rowCount == ROW_CAPACITY) {
          stopPosition = next;
          depth = d;
          return STATUS_ROWS_FULL;
        }
        beginRecord(next, base + <f64>next);
        d = 0;
        // The whitespace skipped holds no tokens; the record's first byte is the next one.
        continue;
      }
    }
    // What is left of the block's digits is the open record's.
    if (pendingDigits != 0) numberSeen = true;
    if (limit < n) {
      const p = position + limit;
      if (load<u8>(INPUT + <usize>p) != 0x5c) {
        stopPosition = p;
        depth = d;
        return STATUS_CONTROL_CHARACTER;
      }
      position = p + 1;
      inStringCarry = 0;
      escapeCarry = 0;
      continue;
    }
    const last = <u64>(n - 1);
    inStringCarry = ((inString >> last) & 1) != 0 ? <u64>-1 : 0;
    escapeCarry = (escapes >> last) & 1;
    position += n;
  }
  depth = d;
  return STATUS_END;
}

@inline
function bracketMask(v0: v128, v1: v128, v2: v128, v3: v128): u64 {
  // '{' 0x7b and '[' 0x5b, '}' 0x7d and ']' 0x5d differ only in bit 0x20.
  const lower = i8x16.splat(0x20);
  const w0 = v128.or(v0, lower);
  const w1 = v128.or(v1, lower);
  const w2 = v128.or(v2, lower);
  const w3 = v128.or(v3, lower);
  return maskOf(w0, w1, w2, w3, 0x7b) | maskOf(w0, w1, w2, w3, 0x7d);
}

/**
 * The input ends inside the top-level member after the '{' or ',' at `token`, which must be read
 * whole: it is handed in again from there, with the depth it was met at.
 */
function carry(token: i32, depthAtToken: i32): i32 {
  // The block's pending digits are all the record's (it runs on to the input's end): told now,
  // those after the token are met again when the member is handed in.
  if (pendingDigits != 0) numberSeen = true;
  carryFrom = token;
  depth = depthAtToken;
  inStringCarry = 0;
  escapeCarry = 0;
  stopPosition = token;
  return STATUS_END;
}
