import { describe, expect, it } from 'vitest';
import { CandidateFeed } from '../../cli/candidate-feed';

interface Item {
  readonly id: number;
  readonly size: number;
}

async function* listing(count: number, listed: number[], failAfter?: number): AsyncGenerator<Item> {
  for (let id = 0; id < count; id += 1) {
    if (failAfter !== undefined && id === failAfter) throw new Error('AccessDenied: s3:ListBucket');
    listed.push(id);
    yield { id, size: 10 };
  }
}

async function drain(feed: CandidateFeed<Item>, readers: number): Promise<number[]> {
  const taken: number[] = [];
  const reader = async () => {
    for (let item = await feed.next(); item; item = await feed.next()) {
      taken.push(item.id);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: readers }, reader));
  return taken;
}

describe('CandidateFeed', () => {
  it('hands every listed item to exactly one of several readers, in order', async () => {
    const feed = new CandidateFeed(listing(500, []), 20);

    const taken = await drain(feed, 4);

    expect(taken).toEqual(Array.from({ length: 500 }, (_, id) => id));
    expect(feed.listed).toEqual({ files: 500, bytes: 5000, complete: true });
  });

  it('lists no further ahead of the readers than its bound', async () => {
    const listed: number[] = [];
    const feed = new CandidateFeed(listing(1000, listed), 50);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(listed.length).toBeLessThanOrEqual(51);
    expect(feed.listed.complete).toBe(false);
    await feed.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listed.length).toBeLessThanOrEqual(52);
  });

  it('gives the items listed before a listing error, then the error', async () => {
    const feed = new CandidateFeed(listing(10, [], 3));

    const taken = [await feed.next(), await feed.next(), await feed.next()].map((item) => item?.id);

    expect(taken).toEqual([0, 1, 2]);
    await expect(feed.next()).rejects.toThrow('AccessDenied: s3:ListBucket');
  });

  it('ends at once on an empty listing', async () => {
    const feed = new CandidateFeed(listing(0, []));

    await expect(feed.next()).resolves.toBeUndefined();
    expect(feed.listed).toEqual({ files: 0, bytes: 0, complete: true });
  });
});
