import { SESSION_CONTEXT_FIELDS, USER_IDENTITY_FIELDS } from '../contract/cloudtrail-fields';
import { parseRecordJson, type RecordValue } from '../lambda/core/record-json';

/**
 * CloudTrail Lake query results back into CloudTrail records. A result row holds one value per
 * selected column, each a string: top-level fields as logged (`eventID`, `eventTime` as
 * `2024-06-02 20:15:00.000`), and nested ones (`userIdentity`, `requestParameters`) in Trino's
 * notation for rows and maps, `{type=AssumedRole, principalid=AROA..., arn=...}`, with field names
 * in lower case. That notation does not quote: a value holding `, name=` or a brace cannot be told
 * from the structure, so it is read as well as it can be, and a value selected as JSON
 * (`json_format(CAST(userIdentity AS JSON))`) is read exactly.
 */

// The nested field names of CloudTrail records, by the lower case Lake prints them in.
const CLOUDTRAIL_FIELD_NAMES = new Map(
  [
    ...USER_IDENTITY_FIELDS,
    ...SESSION_CONTEXT_FIELDS,
    'creationDate',
    'mfaAuthenticated',
    'federatedProvider',
    'userId',
    'identityStoreArn',
    'issuerType',
    'credentialsIssuedTo',
    'originatingAccountId',
    'sourceArn',
    'sourceAccount',
    'tlsVersion',
    'cipherSuite',
    'clientProvidedHostHeader',
  ].map((name) => [name.toLowerCase(), name]),
);

// A scalar in an object ends where the next `name=` starts, or at the closing brace.
const NEXT_FIELD = /^, [A-Za-z_][A-Za-z0-9_-]*=/;

/** Reads Trino's `{name=value, ...}` / `[a, b]` notation; undefined when the text is not in it. */
class TrinoNotationReader {
  private at = 0;

  constructor(private readonly text: string) {}

  read(): RecordValue | undefined {
    const value = this.value('top');
    return value !== undefined && this.at === this.text.length ? value : undefined;
  }

  private value(context: 'object' | 'array' | 'top'): RecordValue | undefined {
    const character = this.text[this.at];
    if (character === '{') return this.object();
    if (character === '[') return this.array();
    return this.scalar(context);
  }

  private object(): RecordValue | undefined {
    this.at++;
    const object: Record<string, RecordValue> = Object.create(null);
    if (this.text[this.at] === '}') {
      this.at++;
      return object;
    }
    for (;;) {
      const equals = this.text.indexOf('=', this.at);
      if (equals === -1) return undefined;
      const name = this.text.slice(this.at, equals);
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return undefined;
      this.at = equals + 1;
      const value = this.value('object');
      if (value === undefined) return undefined;
      if (value !== null) object[CLOUDTRAIL_FIELD_NAMES.get(name) ?? name] = value;
      if (this.text[this.at] === '}') {
        this.at++;
        return object;
      }
      if (!this.text.startsWith(', ', this.at)) return undefined;
      this.at += 2;
    }
  }

  private array(): RecordValue | undefined {
    this.at++;
    const elements: RecordValue[] = [];
    if (this.text[this.at] === ']') {
      this.at++;
      return elements;
    }
    for (;;) {
      const value = this.value('array');
      if (value === undefined) return undefined;
      elements.push(value);
      if (this.text[this.at] === ']') {
        this.at++;
        return elements;
      }
      if (!this.text.startsWith(', ', this.at)) return undefined;
      this.at += 2;
    }
  }

  private scalar(context: 'object' | 'array' | 'top'): RecordValue | undefined {
    const start = this.at;
    const text = this.text;
    let depth = 0;
    while (this.at < text.length) {
      const character = text[this.at];
      if (depth === 0 && context === 'object') {
        if (character === '}' || NEXT_FIELD.test(text.slice(this.at, this.at + 80))) break;
      } else if (depth === 0 && context === 'array') {
        if (character === ']' || text.startsWith(', ', this.at)) break;
      }
      if (character === '{' || character === '[') depth++;
      else if ((character === '}' || character === ']') && depth > 0) depth--;
      this.at++;
    }
    const scalar = text.slice(start, this.at);
    return scalar === 'null' ? null : scalar;
  }
}

/** A Lake column's value as a record holds it. */
function recordValueOf(value: unknown): unknown {
  if (typeof value !== 'string' || !(value.startsWith('{') || value.startsWith('['))) return value;
  try {
    return parseRecordJson(value);
  } catch {
    return new TrinoNotationReader(value).read() ?? value;
  }
}

/** The record of one result row, from its columns' names and values; a Lake null leaves the field out. */
export function recordOfLakeColumns(columns: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const record: Record<string, unknown> = Object.create(null);
  for (const [name, value] of columns) {
    if (value === null || value === undefined || value === 'null') continue;
    record[name] = recordValueOf(value);
  }
  return record;
}

/**
 * The record of one row of `get-query-results` (`[{"eventID":"..."},{"eventName":"..."}]`), or
 * why the row is not one.
 */
export function recordOfQueryResultRow(row: unknown): Record<string, unknown> | string {
  if (!Array.isArray(row)) return 'is not a list of columns';
  const columns: [string, unknown][] = [];
  for (const cell of row) {
    if (typeof cell !== 'object' || cell === null || Array.isArray(cell))
      return 'holds a column that is not an object';
    columns.push(...(Object.entries(cell) as [string, unknown][]));
  }
  return recordOfLakeColumns(columns);
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** One CSV row, its fields and where it started. */
export interface CsvRow {
  /** Rows before it, the header included. */
  readonly index: number;
  readonly offset: number;
  readonly fields: readonly string[];
  /** Set when the row was longer than the limit: its fields are not kept. */
  readonly tooLarge?: boolean;
}

/**
 * Splits CSV (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks) into rows as it
 * streams in, holding one row at a time; a row past `maxRowBytes` is reported without its fields.
 * Throws on a quote left open at the end.
 */
export class CsvSplitter {
  private fieldBytes: Buffer[] = [];
  private fields: string[] = [];
  private inQuotes = false;
  private quotePending = false;
  private rowBytes = 0;
  private rowStart = 0;
  private offset = 0;
  private index = 0;
  private rowHasContent = false;

  constructor(private readonly maxRowBytes: number) {}

  push(chunk: Buffer): CsvRow[] {
    const rows: CsvRow[] = [];
    let fieldStart = 0;
    const keep = (end: number) => {
      if (end > fieldStart && this.rowBytes <= this.maxRowBytes)
        this.fieldBytes.push(chunk.subarray(fieldStart, end));
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      this.rowBytes++;
      if (this.quotePending) {
        this.quotePending = false;
        if (byte === QUOTE) {
          // A doubled quote inside quotes is one quote: keep the second.
          this.inQuotes = true;
          fieldStart = i;
          continue;
        }
      }
      if (this.inQuotes) {
        if (byte === QUOTE) {
          keep(i);
          this.inQuotes = false;
          this.quotePending = true;
          fieldStart = i + 1;
        }
        continue;
      }
      if (byte === QUOTE) {
        keep(i);
        this.inQuotes = true;
        this.rowHasContent = true;
        fieldStart = i + 1;
      } else if (byte === COMMA) {
        keep(i);
        this.endField();
        this.rowHasContent = true;
        fieldStart = i + 1;
      } else if (byte === NEWLINE) {
        keep(i);
        this.endRow(rows, this.offset + i + 1);
        fieldStart = i + 1;
      } else {
        this.rowHasContent = true;
      }
    }
    keep(chunk.length);
    this.offset += chunk.length;
    return rows;
  }

  /** The last row, when the input does not end with a line break. */
  end(): CsvRow[] {
    if (this.inQuotes)
      throw new Error(`a quoted field is not closed (row ${this.index} at byte offset ${this.rowStart})`);
    const rows: CsvRow[] = [];
    this.endRow(rows, this.offset);
    return rows;
  }

  private endField(): void {
    // A line break may be CRLF: the carriage return is not part of the field.
    const text = Buffer.concat(this.fieldBytes).toString('utf8');
    this.fields.push(text.endsWith('\r') ? text.slice(0, -1) : text);
    this.fieldBytes = [];
  }

  private endRow(rows: CsvRow[], nextStart: number): void {
    if (this.rowHasContent || this.fields.length > 0 || this.fieldBytes.length > 0) {
      this.endField();
      const tooLarge = this.rowBytes > this.maxRowBytes;
      rows.push({
        index: this.index,
        offset: this.rowStart,
        fields: tooLarge ? [] : this.fields,
        ...(tooLarge ? { tooLarge } : {}),
      });
      this.index++;
    }
    this.fields = [];
    this.fieldBytes = [];
    this.rowBytes = 0;
    this.rowHasContent = false;
    this.rowStart = nextStart;
  }
}
