import { ExactNumber } from '../contract/exact-number';
import type { MlEventSummary } from '../contract/ml-event-item';
import { LIST_ATTRIBUTES } from '../contract/table-schema';
import { toJsonText } from '../lambda/core/record-json';
import { UsageError } from './usage-error';

/** How `query`, `show` and `stats` print. */
export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** The options that choose an output format: `--output` and its short form `--json`. */
export interface OutputOptions {
  readonly output?: string;
  readonly json?: boolean;
}

/** The format `--output` and its short form `--json` ask for. */
export function outputFormatOf(options: OutputOptions): OutputFormat {
  if (options.json && options.output !== undefined && options.output !== 'json') {
    throw new UsageError(`--json is --output json: it cannot go with --output ${options.output}`);
  }
  return options.json ? 'json' : ((options.output as OutputFormat | undefined) ?? 'table');
}

/** The columns of `--output csv`: what the indexes hold of each event. */
export const CSV_COLUMNS: readonly (keyof MlEventSummary)[] = [
  'eventTime',
  'eventID',
  ...(LIST_ATTRIBUTES as readonly (keyof MlEventSummary)[]),
];

// A spreadsheet runs a cell that starts with one of these as a formula, and every text field of an
// event can be chosen by the caller (a user agent, a session name, an error message): such a value
// gets a leading apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces; a
 * text that a spreadsheet would run as a formula starts with `'`. Numbers and booleans are as they are.
 */
export function csvField(value: unknown): string {
  const raw = value === undefined || value === null ? '' : String(value);
  const text = typeof value === 'string' && FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of fields. */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}

/** A summary as a CSV line of CSV_COLUMNS. */
export function csvEventLine(event: MlEventSummary): string {
  return csvLine(CSV_COLUMNS.map((column) => event[column]));
}

/** JSON text indented by two spaces, numbers exactly as stored (ExactNumbers unquoted). */
export function toIndentedJsonText(value: unknown, indent = ''): string {
  if (typeof value !== 'object' || value === null || value instanceof ExactNumber) return toJsonText(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((each) => `${inner}${toIndentedJsonText(each, inner)}`).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const members = keys.map(
    (key) =>
      `${inner}${JSON.stringify(key)}: ${toIndentedJsonText((value as Record<string, unknown>)[key], inner)}`,
  );
  return `{\n${members.join(',\n')}\n${indent}}`;
}

// The order of the item schema: what happened, who, from where, on what, then the payloads.
const DISPLAY_ORDER: readonly string[] = [
  'eventID',
  'eventTime',
  'eventTimeAsLogged',
  'service',
  'keyShard',
  'eventSource',
  'eventName',
  'eventVersion',
  'eventType',
  'eventCategory',
  'readOnly',
  'managementEvent',
  'awsRegion',
  'recipientAccountId',
  'requestID',
  'sharedEventID',
  'sourceIPAddress',
  'userAgent',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'tlsDetails',
  'errorCode',
  'errorMessage',
  'principal',
  'principalType',
  'principalArn',
  'principalId',
  'principalAccountId',
  'userName',
  'accessKeyId',
  'invokedBy',
  'sourceIdentity',
  'sessionCreationDate',
  'mfaAuthenticated',
  'onBehalfOfUserId',
  'identityStoreArn',
  'actor',
  'resourceArn',
  'resourceArns',
  'requestParameters',
  'requestParametersTruncated',
  'responseElements',
  'responseElementsTruncated',
  'additionalEventData',
  'additionalEventDataTruncated',
  'changedPaths',
  'logFile',
  'expiresAt',
];
const DISPLAY_RANK = new Map(DISPLAY_ORDER.map((name, rank) => [name, rank]));

/**
 * The item's attributes in the item schema's order (DynamoDB returns them in any order), those
 * the schema does not name after, by name; payload maps keep their own order.
 */
export function inDisplayOrder<T extends object>(item: T): T {
  const rank = (name: string) => DISPLAY_RANK.get(name) ?? DISPLAY_ORDER.length;
  const names = Object.keys(item).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const ordered: Record<string, unknown> = Object.create(null);
  for (const name of names) ordered[name] = (item as Record<string, unknown>)[name];
  return ordered as T;
}
