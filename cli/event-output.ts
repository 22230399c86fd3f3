import { ExactNumber } from '../contract/exact-number';
import type { MlEventSummary } from '../contract/ml-event-item';
import { toJsonText } from '../lambda/core/record-json';
import { UsageError } from './usage-error';

/** How `query`, `show` and `stats` print. */
export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** The format `--output` and its short form `--json` ask for. */
export function outputFormatOf(options: { readonly output?: string; readonly json?: boolean }): OutputFormat {
  if (options.json && options.output !== undefined && options.output !== 'json') {
    throw new UsageError(`--json is --output json: it cannot go with --output ${options.output}`);
  }
  return options.json ? 'json' : ((options.output as OutputFormat | undefined) ?? 'table');
}

/** The columns of `--output csv`: what the indexes hold of each event. */
export const CSV_COLUMNS: readonly (keyof MlEventSummary)[] = [
  'eventTime',
  'eventID',
  'service',
  'eventName',
  'principal',
  'principalType',
  'actor',
  'recipientAccountId',
  'awsRegion',
  'errorCode',
  'sourceIPAddress',
  'accessKeyId',
  'readOnly',
  'resourceArn',
];

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
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
