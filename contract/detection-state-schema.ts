/**
 * The detection state table: what the detections function remembers between records, so that a
 * record seen again (a retried batch, an ingested file written again) never alerts twice.
 *
 * One key, `id`. Three kinds of items, told apart by `kind`:
 * - `alert#<rule>#<subject>`: one per alert, written only if absent. Its INSERT on this table's
 *   stream is what reaches the alarm topic (an EventBridge pipe sends `message` as it is).
 * - `seen#<rule>#<subject>`: the first event of a first-seen rule, written only if absent; it keeps
 *   the eventID that claimed it, so a retry of that same event still alerts (once).
 * - `window#<rule>#<principal>#<windowStart>`: the eventIDs of a burst rule's window, as a string
 *   set (adding an eventID twice counts it once), capped at the rule's threshold.
 */

/** The state table's only key. */
export const STATE_KEY = 'id';
/** Time to live of window items, epoch seconds. */
export const STATE_TTL_ATTRIBUTE = 'expiresAt';
/** Which kind of item. */
export const STATE_KIND_ATTRIBUTE = 'kind';
/** The SNS message body of an alert item, as the pipe sends it. */
export const ALERT_MESSAGE_ATTRIBUTE = 'message';
/** The eventIDs counted in a window item (a string set). */
export const WINDOW_EVENTS_ATTRIBUTE = 'eventIDs';
/** The eventID that claimed a first-seen item. */
export const SEEN_BY_ATTRIBUTE = 'eventID';

export type StateKind = 'alert' | 'seen' | 'window';

/** Days a window item outlives its window (a late or replayed record still finds it). */
export const WINDOW_RETENTION_DAYS = 2;

/** The state table's stream records that are new alerts (an alert id is written once): the pipe's filter. */
export function alertItemPattern(): Record<string, unknown> {
  return { eventName: ['INSERT'], dynamodb: { NewImage: { [STATE_KIND_ATTRIBUTE]: { S: ['alert'] } } } };
}
