import { makeRecord } from './factories';

/**
 * Records a caller (or a strange account) can make CloudTrail log, each valid JSON and each an ML
 * event that must be stored: long keys, numbers DynamoDB cannot hold, map keys that mean
 * something to JavaScript, huge fields. Raw JSON texts where JSON.stringify could not write them.
 */
export interface HostileRecord {
  readonly name: string;
  readonly eventId: string;
  /** The record as raw JSON text. */
  readonly text: string;
}

function hostile(name: string, overrides: Record<string, unknown>): HostileRecord {
  const eventId = `hostile-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  return { name, eventId, text: JSON.stringify(makeRecord({ eventID: eventId, ...overrides })) };
}

function withRawParameters(name: string, requestParametersJson: string): HostileRecord {
  const eventId = `hostile-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  const text = JSON.stringify(makeRecord({ eventID: eventId, requestParameters: '@@' })).replace(
    '"@@"',
    requestParametersJson,
  );
  return { name, eventId, text };
}

const longRoleArn = `arn:aws:iam::123456789012:role/${'r'.repeat(3000)}`;

/** One of each shape that used to fail a whole batch or file, or to be stored wrong. */
export const HOSTILE_RECORDS: readonly HostileRecord[] = [
  hostile('principal over 2,048 bytes', {
    userIdentity: { type: 'IAMUser', arn: longRoleArn, accountId: '123456789012' },
  }),
  hostile('eventName over 2,048 bytes', { eventName: `Create${'X'.repeat(3000)}` }),
  hostile('accountId over 2,048 bytes', { recipientAccountId: '1'.repeat(3000) }),
  {
    name: 'eventID over 1,024 bytes',
    eventId: `e${'9'.repeat(1500)}`,
    text: JSON.stringify(makeRecord({ eventID: `e${'9'.repeat(1500)}` })),
  },
  withRawParameters('a number DynamoDB cannot hold', '{"limit":1e200,"tiny":1e-200,"max":1e308}'),
  hostile('errorMessage of 5 MB', { errorCode: 'ValidationException', errorMessage: 'm'.repeat(5_000_000) }),
  hostile('userAgent of 1 MB', { userAgent: 'u'.repeat(1_000_000) }),
  withRawParameters('map key constructor', '{"tags":{"constructor":"x"}}'),
  withRawParameters('map key __proto__', '{"tags":{"__proto__":{"admin":"true"},"team":"ml"}}'),
  withRawParameters('map key constructor holding a map', '{"constructor":{"name":"Map","size":3}}'),
  withRawParameters('integers past 2^53', '{"id":9007199254740993,"neg":-9007199254740993,"zero":-0}'),
  withRawParameters('an empty key beside (empty)', '{"labels":{"":"a","(empty)":"b"}}'),
  withRawParameters('a lone surrogate', '{"name":"\\ud800x"}'),
  withRawParameters('a number of 100 digits', `{"n":${'7'.repeat(100)}}`),
  hostile('responseElements of 1 MB', { responseElements: { blob: 'b'.repeat(1_000_000) } }),
  withRawParameters(
    'more values to change than changedPaths lists',
    `{${Array.from({ length: 40 }, (_, index) => `"n${index}":-0`).join(',')}}`,
  ),
  withRawParameters('a -0 under a key of 300 bytes', `{"tags":{"${'k'.repeat(300)}":-0,"team":"ml"}}`),
];
