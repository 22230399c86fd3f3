import { SKIP_REASONS, type SkipReason } from '../lambda/core/log-object-selection';
import type { LogReadSummary } from '../lambda/core/log-read-summary';
import type { ObjectOutcome } from '../lambda/ingest-object';

/** What a file that failed had read and written before it did. */
export interface FailedFileCounts {
  readonly read?: LogReadSummary;
  readonly itemsWritten?: number;
  readonly rejectedItems?: number;
}

/** A log file that failed, and why. */
export interface FileFailure {
  readonly logFile: string;
  readonly error: string;
}

/** What a run did to its files, as printed and as `--json` writes it. */
export interface IngestSummary {
  readonly files: {
    readonly ingested: number;
    readonly skipped: number;
    readonly failed: number;
    /** Log files left out because their date folder is outside `--since`/`--until`. */
    readonly outOfRange: number;
  };
  readonly skippedByReason: Readonly<Partial<Record<SkipReason, number>>>;
  readonly failures: readonly FileFailure[];
  /** Records read from the ingested files. */
  readonly records: number;
  /** ML-service events among them. */
  readonly events: number;
  readonly eventsByService: Readonly<Record<string, number>>;
  /** ML events already past the retention (`MLTRAIL_RETENTION_DAYS`): not written. */
  readonly expiredEvents: number;
  readonly malformedRecords: number;
  /** Items written, failed files' included (their events up to the failure are in the table). */
  readonly itemsWritten: number;
  readonly duplicates: number;
  /** Items DynamoDB refused to store (a key or number out of its limits, an item too big): left out. */
  readonly rejectedItems: number;
  /** Bytes of the files read (as stored, compressed). */
  readonly bytes: number;
  readonly seconds: number;
}

/** Counts the outcomes of a run's files into an {@link IngestSummary}. */
export class IngestTally {
  private readonly startedAt = Date.now();
  private ingested = 0;
  private outOfRange = 0;
  private readonly skippedByReason: Partial<Record<SkipReason, number>> = {};
  private readonly failures: FileFailure[] = [];
  private records = 0;
  private events = 0;
  private readonly eventsByService: Record<string, number> = {};
  private expiredEvents = 0;
  private malformedRecords = 0;
  private itemsWritten = 0;
  private duplicates = 0;
  private rejectedItems = 0;
  private bytes = 0;

  /** Files done so far, whatever their outcome. */
  get filesDone(): number {
    return this.ingested + this.skipped + this.failures.length;
  }

  /** Events found so far. */
  get eventsFound(): number {
    return this.events;
  }

  /** Bytes of the files done so far. */
  get bytesDone(): number {
    return this.bytes;
  }

  private get skipped(): number {
    return Object.values(this.skippedByReason).reduce((sum, count) => sum + count, 0);
  }

  /** Counts a file that was ingested or skipped. */
  add(outcome: ObjectOutcome, bytes = 0): void {
    this.bytes += bytes;
    if (outcome.status === 'skipped') {
      this.skippedByReason[outcome.reason] = (this.skippedByReason[outcome.reason] ?? 0) + 1;
      return;
    }
    this.ingested += 1;
    this.countRead(outcome);
    this.itemsWritten += outcome.itemsWritten;
    this.duplicates += outcome.duplicates;
    this.rejectedItems += outcome.rejectedItems;
  }

  /** Counts a file that failed, and what was read and written of it before it did. */
  fail(logFile: string, error: unknown, bytes = 0, before?: FailedFileCounts): void {
    this.bytes += bytes;
    this.itemsWritten += before?.itemsWritten ?? 0;
    this.rejectedItems += before?.rejectedItems ?? 0;
    this.failures.push({ logFile, error: error instanceof Error ? error.message : String(error) });
    if (before?.read) this.countRead(before.read);
  }

  private countRead(read: LogReadSummary): void {
    this.records += read.records;
    this.events += read.mlEvents;
    for (const [service, count] of Object.entries(read.eventsByService)) {
      this.eventsByService[service] = (this.eventsByService[service] ?? 0) + count;
    }
    this.expiredEvents += read.expiredEvents;
    this.malformedRecords += read.malformedRecords;
  }

  /** Counts log files left out by the date range. */
  leaveOutOfRange(count: number): void {
    this.outOfRange += count;
  }

  summary(): IngestSummary {
    const sortedServices = Object.keys(this.eventsByService).sort();
    return {
      files: {
        ingested: this.ingested,
        skipped: this.skipped,
        failed: this.failures.length,
        outOfRange: this.outOfRange,
      },
      skippedByReason: Object.fromEntries(
        SKIP_REASONS.filter((reason) => this.skippedByReason[reason]).map((reason) => [
          reason,
          this.skippedByReason[reason],
        ]),
      ),
      failures: [...this.failures],
      records: this.records,
      events: this.events,
      eventsByService: Object.fromEntries(
        sortedServices.map((service) => [service, this.eventsByService[service] as number]),
      ),
      expiredEvents: this.expiredEvents,
      malformedRecords: this.malformedRecords,
      itemsWritten: this.itemsWritten,
      duplicates: this.duplicates,
      rejectedItems: this.rejectedItems,
      bytes: this.bytes,
      seconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
    };
  }
}

function countsOf(counts: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(counts)
    .filter(([, count]) => count)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

/** The summary as lines for a person: files by outcome, events by service, each failed file and why. */
export function formatSummary(summary: IngestSummary): string[] {
  const { files } = summary;
  const skippedDetail = files.skipped > 0 ? ` (${countsOf(summary.skippedByReason)})` : '';
  const outOfRange = files.outOfRange > 0 ? `, ${files.outOfRange} outside the date range` : '';
  const services = countsOf(summary.eventsByService);
  const lines = [
    `files:  ${files.ingested} ingested, ${files.skipped} skipped${skippedDetail}, ${files.failed} failed${outOfRange}`,
    `events: ${summary.events} ML events from ${summary.records} records${services ? ` (${services})` : ''}`,
  ];
  if (summary.expiredEvents > 0) {
    lines.push(`        ${summary.expiredEvents} events past the retention left out`);
  }
  if (summary.malformedRecords > 0) {
    lines.push(
      `        ${summary.malformedRecords} malformed record${summary.malformedRecords === 1 ? '' : 's'} left out`,
    );
  }
  if (summary.rejectedItems > 0) {
    lines.push(`        ${summary.rejectedItems} events DynamoDB refused to store left out`);
  }
  if (summary.failures.length > 0) {
    lines.push('failed files:');
    for (const failure of summary.failures) {
      // LogFileError messages already start with the file's name.
      const named = failure.error.startsWith(failure.logFile);
      lines.push(`  ${named ? failure.error : `${failure.logFile}: ${failure.error}`}`);
    }
  }
  return lines;
}
