/** Files listed ahead of the readers at most: listing and reading overlap in bounded memory. */
export const MAX_LISTED_AHEAD = 10_000;

/** What the feed has listed so far. */
export interface ListedSoFar {
  readonly files: number;
  readonly bytes: number;
  /** The listing has ended: the counts are the totals. */
  readonly complete: boolean;
}

/**
 * Hands out the items of a listing to several readers while the listing goes on, keeping at most
 * `maxAhead` listed items not yet taken. A bucket with millions of log files is never held whole.
 * A listing error reaches the readers once the items listed before it are taken.
 */
export class CandidateFeed<T extends { readonly size: number }> {
  private readonly queue: T[] = [];
  private head = 0;
  private files = 0;
  private bytes = 0;
  private complete = false;
  private failure: { readonly error: unknown } | undefined;
  private readonly waitingReaders: Array<() => void> = [];
  private resumeListing: (() => void) | undefined;

  constructor(
    listing: AsyncIterable<T>,
    private readonly maxAhead = MAX_LISTED_AHEAD,
  ) {
    void this.fill(listing);
  }

  /** The counts listed so far. */
  get listed(): ListedSoFar {
    return { files: this.files, bytes: this.bytes, complete: this.complete };
  }

  /** The next item, or undefined when the listing has ended and every item was taken. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.head < this.queue.length) {
        const item = this.queue[this.head] as T;
        this.head += 1;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        this.resumeListing?.();
        return item;
      }
      if (this.failure) throw this.failure.error;
      if (this.complete) return undefined;
      await new Promise<void>((resolve) => this.waitingReaders.push(resolve));
    }
  }

  private get waiting(): number {
    return this.queue.length - this.head;
  }

  private wakeReaders(): void {
    for (const wake of this.waitingReaders.splice(0)) wake();
  }

  private async fill(listing: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of listing) {
        this.queue.push(item);
        this.files += 1;
        this.bytes += item.size;
        this.wakeReaders();
        while (this.waiting >= this.maxAhead) {
          await new Promise<void>((resolve) => {
            this.resumeListing = resolve;
          });
          this.resumeListing = undefined;
        }
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.complete = true;
      this.wakeReaders();
    }
  }
}
