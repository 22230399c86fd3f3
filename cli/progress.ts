/** Where progress is written: a terminal gets a bar, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Work done so far. */
export interface ProgressCounts {
  readonly files: number;
  readonly events: number;
  readonly bytes: number;
}

/** The work known so far: the whole of it once `complete`. */
export interface ProgressTotals {
  readonly files: number;
  readonly bytes: number;
  /** False while files are still being listed: the totals may grow and there is no ETA yet. */
  readonly complete: boolean;
}

/** Reports progress of a run. */
export interface Progress {
  update(done: ProgressCounts, totals: ProgressTotals): void;
  /** Writes the last state and ends the bar's line. */
  finish(): void;
}

const BAR_WIDTH = 20;
const BAR_REFRESH_MS = 100;
/** Interval of the plain progress lines when the output is not a terminal. */
export const PROGRESS_LINE_INTERVAL_MS = 5_000;
const BYTES_PER_MB = 1024 * 1024;

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, '0')}`;
}

/**
 * One line: files done of those listed (`+` while the listing goes on), events, MB/s and the
 * estimated time left by bytes, once the listing is complete.
 */
export function formatProgress(done: ProgressCounts, totals: ProgressTotals, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? done.bytes / seconds : 0;
  const remaining = totals.bytes - done.bytes;
  const eta =
    totals.complete && rate > 0 && done.files < totals.files ? formatDuration(remaining / rate) : '-';
  return [
    `${done.files}/${totals.files}${totals.complete ? '' : '+'} files`,
    `${done.events.toLocaleString('en-US')} events`,
    `${(rate / BYTES_PER_MB).toFixed(1)} MB/s`,
    `ETA ${eta}`,
  ].join(' | ');
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * A progress bar redrawn in place on a terminal; elsewhere a plain line every few seconds; or
 * nothing at all when `quiet`.
 */
export function createProgress(
  stream: ProgressStream,
  options: { quiet?: boolean; lineIntervalMs?: number } = {},
): Progress {
  if (options.quiet) return { update: () => undefined, finish: () => undefined };
  const startedAt = Date.now();
  const interval = stream.isTTY ? BAR_REFRESH_MS : (options.lineIntervalMs ?? PROGRESS_LINE_INTERVAL_MS);
  let last: ProgressCounts = { files: 0, events: 0, bytes: 0 };
  let totals: ProgressTotals = { files: 0, bytes: 0, complete: false };
  let writtenAt = 0;
  const write = () => {
    writtenAt = Date.now();
    const line = formatProgress(last, totals, writtenAt - startedAt);
    if (stream.isTTY) {
      const text = `${bar(last.files, totals.files)} ${line}`.slice(0, (stream.columns ?? 80) - 1);
      stream.write(`\r\x1b[2K${text}`);
    } else {
      stream.write(`progress: ${line}\n`);
    }
  };
  return {
    update(done, known) {
      last = done;
      totals = known;
      if (Date.now() - writtenAt >= interval) write();
    },
    finish() {
      if (stream.isTTY) {
        write();
        stream.write('\n');
      }
    },
  };
}
