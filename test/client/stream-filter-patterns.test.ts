import { describe, expect, it } from 'vitest';
import { type StreamMatch, streamFilterPattern } from '../../contract/stream-filter-patterns';

describe('streamFilterPattern', () => {
  it.each<[string, StreamMatch, Record<string, unknown>]>([
    [
      'inserts of one service',
      { changes: ['INSERT'], item: { service: ['bedrock'] } },
      { eventName: ['INSERT'], dynamodb: { NewImage: { service: { S: ['bedrock'] } } } },
    ],
    [
      'several values, a prefix and a boolean',
      {
        item: {
          eventName: ['DeleteGuardrail', 'UpdateGuardrail'],
          principal: { prefix: 'arn:aws:iam::111122223333:' },
          readOnly: false,
        },
      },
      {
        dynamodb: {
          NewImage: {
            eventName: { S: ['DeleteGuardrail', 'UpdateGuardrail'] },
            principal: { S: [{ prefix: 'arn:aws:iam::111122223333:' }] },
            readOnly: { BOOL: [false] },
          },
        },
      },
    ],
    [
      'removals, matched on the old image',
      { changes: ['REMOVE'], item: { service: ['sagemaker'] } },
      { eventName: ['REMOVE'], dynamodb: { OldImage: { service: { S: ['sagemaker'] } } } },
    ],
    ['every change of any item', {}, {}],
  ])('builds %s', (_title, match, pattern) => {
    expect(streamFilterPattern(match)).toEqual(pattern);
  });

  it.each<[StreamMatch, RegExp]>([
    [{ changes: [] }, /changes is empty/],
    [{ item: { service: [] } }, /item.service is an empty list/],
    [{ item: { principal: { prefix: '' } } }, /item.principal.prefix is empty/],
    [{ changes: ['INSERT', 'REMOVE'], item: { service: ['bedrock'] } }, /a removed item has no new image/],
  ])('refuses %j', (match, message) => {
    expect(() => streamFilterPattern(match)).toThrow(message);
  });
});
