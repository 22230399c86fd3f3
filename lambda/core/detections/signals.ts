import type { DetectionRuleId } from '../../../contract/detection-settings';
import type { MlEventItem } from '../../../contract/ml-event-item';

/** How urgent an alert is. */
export type Severity = 'high' | 'medium' | 'low';

interface SignalBase {
  readonly ruleId: DetectionRuleId;
  readonly item: MlEventItem;
  /** One line for a person: what happened. */
  readonly summary: string;
}

/** The event alone is the alert. */
export interface EventSignal extends SignalBase {
  readonly kind: 'event';
}

/** An alert the first time `subject` is seen (a principal and a model, ...). */
export interface FirstSeenSignal extends SignalBase {
  readonly kind: 'first-seen';
  readonly subject: string;
}

/** An alert when `threshold` events of one `subject` fall in one window of eventTime. */
export interface BurstSignal extends SignalBase {
  readonly kind: 'burst';
  readonly subject: string;
  readonly threshold: number;
  readonly windowMinutes: number;
}

/** What a rule sees in one item: the engine turns it into an alert with the state it keeps. */
export type Signal = EventSignal | FirstSeenSignal | BurstSignal;

/** One alert: what a person is told, and where to look (`mltrail show <eventID>`). */
export interface Alert {
  /** Deterministic: the same events make the same id, which is how replays stay silent. */
  readonly alertId: string;
  readonly ruleId: DetectionRuleId;
  readonly title: string;
  readonly severity: Severity;
  readonly summary: string;
  /** The event that raised it (for a burst, the one that reached the threshold). */
  readonly eventID: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly service: string;
  readonly principal: string;
  readonly actor?: string;
  readonly recipientAccountId?: string;
  readonly awsRegion?: string;
  readonly sourceIPAddress?: string;
  /** For a burst: the window, `[windowStart, windowEnd)`, and its threshold. */
  readonly window?: { readonly start: string; readonly end: string; readonly threshold: number };
}
