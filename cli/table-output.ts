import type { MlEventSummary } from '../contract/ml-event-item';

/** Width of a table when the output is not a terminal. */
export const DEFAULT_TABLE_WIDTH = 120;
/** An event name is never cut below this many characters. */
const MIN_EVENT_NAME_WIDTH = 16;
const GAP = '  ';

interface Column {
  readonly title: string;
  readonly value: (event: MlEventSummary) => string;
  /** Dropped, in this order, when the table is wider than the terminal; absent: always kept. */
  readonly dropOrder?: number;
  /** For the line under the table when the column is dropped but holds one value. */
  readonly noun?: string;
}

const COLUMNS: readonly Column[] = [
  { title: 'TIME (UTC)', value: (event) => event.eventTime },
  { title: 'SERVICE', value: (event) => event.service ?? '-' },
  { title: 'EVENT', value: (event) => event.eventName ?? '-' },
  { title: 'PRINCIPAL', value: (event) => event.principal ?? '-' },
  { title: 'ACTOR', value: (event) => event.actor ?? '-', dropOrder: 2, noun: 'actor' },
  { title: 'ACCOUNT', value: (event) => event.recipientAccountId ?? '-', dropOrder: 4, noun: 'account' },
  { title: 'REGION', value: (event) => event.awsRegion ?? '-', dropOrder: 3, noun: 'region' },
  { title: 'OUTCOME', value: (event) => event.errorCode ?? 'ok' },
  { title: 'EVENT ID', value: (event) => event.eventID, dropOrder: 1 },
];

/** A table of events and what it left out. */
export interface EventTable {
  /** The header line and one line per event. */
  readonly lines: readonly string[];
  /** Dropped columns that hold one value for every event: `account 111122223333`. */
  readonly notes: readonly string[];
  /** Titles of the dropped columns whose values differ between events. */
  readonly dropped: readonly string[];
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function widthOf(widths: readonly number[]): number {
  return widths.reduce((sum, width) => sum + width, 0) + GAP.length * Math.max(0, widths.length - 1);
}

/**
 * Events as an aligned table that fits `width` characters: time, service, event, principal,
 * actor, account, region, outcome, eventID. When it does not fit, columns that hold one value for
 * every event go first (said under the table), then eventID, actor, region and account, then the
 * event name is shortened. A principal is never cut, so it can be pasted back into `--principal`.
 */
export function formatEventTable(events: readonly MlEventSummary[], width = DEFAULT_TABLE_WIDTH): EventTable {
  const cells = events.map((event) => COLUMNS.map((column) => column.value(event)));
  const naturalWidths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...cells.map((row) => (row[index] as string).length)),
  );
  const distinct = COLUMNS.map((_, index) => new Set(cells.map((row) => row[index])));
  const kept = new Set(COLUMNS.map((_, index) => index));
  const total = () => widthOf([...kept].map((index) => naturalWidths[index] as number));
  const droppable = COLUMNS.map((column, index) => ({ column, index })).filter(
    ({ column }) => column.dropOrder !== undefined,
  );
  // One value for all (or none at all) tells nothing a row needs: those go first.
  const uninformative = droppable.filter(({ index }) => (distinct[index]?.size ?? 0) <= 1);
  const byOrder = [...droppable].sort((a, b) => (a.column.dropOrder ?? 0) - (b.column.dropOrder ?? 0));
  for (const { index } of [...uninformative, ...byOrder]) {
    if (total() <= width) break;
    kept.delete(index);
  }
  const widths = [...naturalWidths];
  const eventIndex = COLUMNS.findIndex((column) => column.title === 'EVENT');
  const over = total() - width;
  if (over > 0) {
    widths[eventIndex] = Math.max(MIN_EVENT_NAME_WIDTH, (widths[eventIndex] as number) - over);
  }
  const shown = [...kept];
  const lineOf = (row: readonly string[]) =>
    shown
      .map((index, position) => {
        const text =
          index === eventIndex ? cut(row[index] as string, widths[index] as number) : (row[index] as string);
        return position === shown.length - 1 ? text : text.padEnd(widths[index] as number);
      })
      .join(GAP)
      .trimEnd();
  const notes = COLUMNS.flatMap((column, index) => {
    const values = distinct[index] ?? new Set();
    const [only] = [...values];
    return !kept.has(index) && column.noun !== undefined && values.size === 1 && only !== '-'
      ? [`${column.noun} ${only}`]
      : [];
  });
  const dropped = COLUMNS.flatMap((column, index) =>
    !kept.has(index) && (distinct[index]?.size ?? 0) > 1 ? [column.title] : [],
  );
  return { lines: [lineOf(COLUMNS.map((column) => column.title)), ...cells.map(lineOf)], notes, dropped };
}

/** Counts as an aligned two-column table, largest first. */
export function formatCountTable(title: string, counts: readonly (readonly [string, number])[]): string[] {
  const rows = [
    [title.toUpperCase(), 'EVENTS'],
    ...counts.map(([key, count]) => [key, count.toLocaleString('en-US')]),
  ];
  const keyWidth = Math.max(...rows.map((row) => (row[0] as string).length));
  const countWidth = Math.max(...rows.map((row) => (row[1] as string).length));
  return rows.map(
    ([key, count]) => `${(key as string).padEnd(keyWidth)}${GAP}${(count as string).padStart(countWidth)}`,
  );
}
