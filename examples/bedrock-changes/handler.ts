/**
 * An example stream consumer: prints one line for each new Bedrock control-plane change (a call
 * that is not read-only), and one for each Bedrock event that time to live expired. Deploy it with
 * `app.ts` beside this file.
 */
import { createStreamConsumer, type StreamChange } from '../../client/stream-consumer';

/** Where the lines go; the console in Lambda, a list in the tests. */
export type LineSink = (line: string) => void;

/** The line a change makes, or none. */
export function describeChange(change: StreamChange): string | undefined {
  switch (change.type) {
    case 'insert':
      return `${change.item.eventTime} ${change.item.principal} called ${change.item.eventName} (mltrail show ${change.item.eventID})`;
    case 'expire':
      return `${change.eventID} expired (${change.oldItem?.eventName ?? 'no old image'})`;
    default:
      return undefined;
  }
}

/** The handler, writing to `sink`. */
export function createBedrockChangesHandler(sink: LineSink) {
  return createStreamConsumer(
    (change) => {
      const line = describeChange(change);
      if (line !== undefined) sink(line);
    },
    { oldImages: true },
  );
}

/** Lambda entry point. */
export const handler = createBedrockChangesHandler((line) => console.log(line));
