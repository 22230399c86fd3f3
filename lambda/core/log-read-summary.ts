/** A record that was counted and left out, for the file's summary line. */
export interface MalformedRecordNote {
  /** Position in the Records array, from 0. */
  readonly index: number;
  readonly eventId?: string;
  readonly reason: string;
}

/** What reading one log file found (so far, when it failed part-way). */
export interface LogReadSummary {
  /** Elements of the Records array. */
  readonly records: number;
  /** Records of catalogued services handed to the sink. */
  readonly mlEvents: number;
  readonly eventsByService: Readonly<Record<string, number>>;
  /** ML events older than the retention: counted, not written. */
  readonly expiredEvents: number;
  /**
   * Records left out and counted: not objects, lacking a required field, not valid JSON, larger
   * than the record limit or nested too deep.
   */
  readonly malformedRecords: number;
  /** The first few malformed records, with their eventID when they have one. */
  readonly malformed: readonly MalformedRecordNote[];
}

/** Notes kept per file for the summary line; the count goes on past it. */
export const MAX_MALFORMED_NOTES = 10;

/** Counts one file's records as they are read. */
export class LogReadTally {
  private records = 0;
  private mlEvents = 0;
  private expiredEvents = 0;
  private malformedRecords = 0;
  private readonly malformed: MalformedRecordNote[] = [];
  private readonly eventsByService: Record<string, number> = {};

  countRecord(): void {
    this.records += 1;
  }

  countMlEvent(service: string): void {
    this.mlEvents += 1;
    this.eventsByService[service] = (this.eventsByService[service] ?? 0) + 1;
  }

  countExpired(): void {
    this.expiredEvents += 1;
  }

  noteMalformed(note: MalformedRecordNote): void {
    this.malformedRecords += 1;
    if (this.malformed.length < MAX_MALFORMED_NOTES) this.malformed.push(note);
  }

  /** Whether every record read was malformed. */
  get allMalformed(): boolean {
    return this.records > 0 && this.malformedRecords === this.records;
  }

  summary(): LogReadSummary {
    return {
      records: this.records,
      mlEvents: this.mlEvents,
      eventsByService: { ...this.eventsByService },
      expiredEvents: this.expiredEvents,
      malformedRecords: this.malformedRecords,
      malformed: [...this.malformed],
    };
  }
}
