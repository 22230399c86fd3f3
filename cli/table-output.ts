import type { MlEventItem } from '../contract/ml-event-item';

/** Longest principal shown in a table; longer ones are cut in the middle. */
export const MAX_PRINCIPAL_WIDTH = 64;

const COLUMNS: readonly { readonly title: string; readonly value: (item: MlEventItem) => string }[] = [
  { title: 'TIME (UTC)', value: (item) => item.eventTime },
  { title: 'SERVICE', value: (item) => item.service },
  { title: 'EVENT', value: (item) => item.eventName },
  { title: 'PRINCIPAL', value: (item) => shorten(item.principal, MAX_PRINCIPAL_WIDTH) },
  { title: 'ACCOUNT', value: (item) => item.recipientAccountId ?? '-' },
  { title: 'OUTCOME', value: (item) => item.errorCode ?? 'ok' },
];

function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  const half = Math.floor((width - 3) / 2);
  return `${text.slice(0, half)}...${text.slice(text.length - (width - 3 - half))}`;
}

/** Events as an aligned text table with a header line: time, service, event, principal, account, outcome. */
export function formatEventTable(items: readonly MlEventItem[]): string[] {
  const rows = [
    COLUMNS.map((column) => column.title),
    ...items.map((item) => COLUMNS.map((c) => c.value(item))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd(),
  );
}
