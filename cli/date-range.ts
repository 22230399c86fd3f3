import { parseEventTime } from '../lambda/core/ml-event';
import { UsageError } from './usage-error';

/** Inclusive range of UTC days, `YYYY-MM-DD`; an absent end is open. */
export interface DayRange {
  readonly since?: string;
  readonly until?: string;
}

const DATE_OPTION = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2}))?)?Z?)?$/;

const RELATIVE_OPTION = /^(\d+)([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A time as the sort key writes it: `YYYY-MM-DDTHH:MM:SS`, UTC, without the `Z`. */
function sortableTime(millis: number): string {
  return new Date(millis).toISOString().slice(0, 19);
}

/**
 * Checks a `--since`/`--until` value: an ISO date (`2024-06-01`), a UTC time
 * (`2024-06-01T12:00:00Z`, seconds and minutes optional), a time with an offset or fractions (what
 * `date -Iseconds` prints: `2024-06-01T14:00:00+02:00`, read in UTC), or a time back from now
 * (`30m`, `24h`, `7d`). Returns it in UTC without a trailing `Z`.
 */
export function parseTimeOption(value: string, option: string, now = Date.now()): string {
  const relative = RELATIVE_OPTION.exec(value);
  if (relative) {
    return sortableTime(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  }
  const match = DATE_OPTION.exec(value);
  if (!match) {
    const withOffset = parseEventTime(value);
    if (withOffset !== undefined && /T/.test(value)) return sortableTime(withOffset);
  }
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match ?? [];
  const time = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  if (
    !match ||
    Number.isNaN(time) ||
    new Date(time).toISOString().slice(0, 10) !== `${year}-${month}-${day}`
  ) {
    throw new UsageError(
      `${option} "${value}" is not an ISO date or time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, a time with an offset, or 30m, 24h, 7d back from now`,
    );
  }
  return value.replace(/Z$/, '');
}

/** The days `--since`/`--until` cover; throws a usage error when they are out of order. */
export function dayRangeOf(since?: string, until?: string): DayRange {
  const range = {
    ...(since === undefined ? {} : { since: parseTimeOption(since, '--since').slice(0, 10) }),
    ...(until === undefined ? {} : { until: parseTimeOption(until, '--until').slice(0, 10) }),
  };
  if (range.since && range.until && range.since > range.until) {
    throw new UsageError(`--since ${since} is after --until ${until}`);
  }
  return range;
}

/**
 * Whether a day, or a month (`YYYY-MM`) or year (`YYYY`) as a whole, overlaps the range.
 */
export function overlapsRange(period: string, range: DayRange): boolean {
  if (range.since && period < range.since.slice(0, period.length)) return false;
  if (range.until && period > range.until.slice(0, period.length)) return false;
  return true;
}
