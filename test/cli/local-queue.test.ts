import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../cli/local/local-queue';

describe('local queue', () => {
  it('delivers a burst of messages in batches of at most ten', async () => {
    const batches: SQSEvent[] = [];
    const queue = new LocalQueue(async (event) => {
      batches.push(event);
      return { batchItemFailures: [] };
    });

    for (let i = 0; i < 12; i += 1) queue.send(`message ${i}`);
    await queue.drained();

    expect(batches.map((batch) => batch.Records.length)).toEqual([10, 2]);
    expect(batches[0]?.Records[0]).toMatchObject({ body: 'message 0', eventSource: 'aws:sqs' });
  });

  it('delivers the reported failures again, then dead-letters them at the receive limit', async () => {
    const deliveries: string[] = [];
    const queue = new LocalQueue(
      async (event) => {
        deliveries.push(
          ...event.Records.map((record) => `${record.body}#${record.attributes.ApproximateReceiveCount}`),
        );
        return {
          batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({
            itemIdentifier: record.messageId,
          })),
        };
      },
      { maxReceiveCount: 2 },
    );

    queue.send('good');
    queue.send('bad');
    await queue.drained();

    expect(deliveries).toEqual(['good#1', 'bad#1', 'bad#2']);
    expect(queue.deadLetters).toMatchObject([{ body: 'bad', receiveCount: 2 }]);
  });

  it('fails the whole batch when the consumer throws', async () => {
    const queue = new LocalQueue(
      async () => {
        throw new Error('handler crashed');
      },
      { maxReceiveCount: 1 },
    );

    queue.send('a');
    queue.send('b');
    await queue.drained();

    expect(queue.deadLetters.map((letter) => letter.body)).toEqual(['a', 'b']);
  });

  it('hands batches to several consumers at once, each consumer one batch at a time', async () => {
    const busy = new Set<number>();
    let overlapped = false;
    const sizes: number[] = [];
    const consumers = [0, 1, 2].map((id) => async (event: SQSEvent) => {
      if (busy.has(id)) overlapped = true;
      busy.add(id);
      sizes.push(event.Records.length);
      await new Promise((resolve) => setImmediate(resolve));
      busy.delete(id);
      return { batchItemFailures: [] };
    });
    const queue = new LocalQueue(consumers);

    for (let i = 0; i < 45; i += 1) queue.send(`message ${i}`);
    await queue.drained();

    expect(overlapped).toBe(false);
    expect(sizes).toEqual([10, 10, 10, 10, 5]);
    expect(queue.stats()).toMatchObject({ batches: 5, mostBatchesInFlight: 3, notDone: 0 });
    expect(queue.acknowledged.map((message) => message.body).sort()).toEqual(
      Array.from({ length: 45 }, (_, i) => `message ${i}`).sort(),
    );
  });
});
