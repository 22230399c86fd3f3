import type { DetectionRuleId, ResolvedRuleSettings } from '../../../contract/detection-settings';
import { WINDOW_RETENTION_DAYS } from '../../../contract/detection-state-schema';
import type { MlEventItem } from '../../../contract/ml-event-item';
import { DETECTION_RULES, type DetectionRule } from './detection-rules';
import type { Alert, Signal } from './signals';

/**
 * What the rules remember between events: the state table in AWS, a map in `mltrail detect`.
 * Every operation is idempotent for one eventID, so that a record handled twice changes nothing.
 */
export interface DetectionState {
  /** Claims `id` for `eventID` if no event did; returns the eventID that holds it. */
  claimFirstSeen(id: string, eventID: string): Promise<string>;
  /**
   * Adds `eventID` to the window `id` unless it already holds `threshold` events, and returns how
   * many it holds (at most `threshold`). `expiresAt` is when the window may be forgotten (epoch s).
   */
  countInWindow(id: string, eventID: string, threshold: number, expiresAt: number): Promise<number>;
  /** Records the alert if its id is new; returns whether it was (only a new alert is sent). */
  recordAlert(alert: Alert): Promise<boolean>;
}

/** Settings of every rule, once resolved. */
export type RuleSettingsById = Readonly<Record<DetectionRuleId, ResolvedRuleSettings>>;

const WINDOW_RETENTION_S = WINDOW_RETENTION_DAYS * 86_400;

/** The window `[start, end)` of `windowMinutes` holding `eventTime`, counted from the epoch. */
export function windowOf(eventTime: string, windowMinutes: number): { start: string; end: string } {
  const length = windowMinutes * 60_000;
  const time = Date.parse(eventTime);
  if (Number.isNaN(time)) throw new RangeError(`eventTime ${eventTime} is not a time`);
  const start = Math.floor(time / length) * length;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
  return { start: iso(start), end: iso(start + length) };
}

function alertOf(rule: DetectionRule, signal: Signal, alertId: string, window?: Alert['window']): Alert {
  const { item } = signal;
  return {
    alertId,
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    summary: signal.summary,
    eventID: item.eventID,
    eventTime: item.eventTime,
    eventName: item.eventName,
    service: item.service,
    principal: item.principal,
    ...(item.actor === undefined ? {} : { actor: item.actor }),
    ...(item.recipientAccountId === undefined ? {} : { recipientAccountId: item.recipientAccountId }),
    ...(item.awsRegion === undefined ? {} : { awsRegion: item.awsRegion }),
    ...(item.sourceIPAddress === undefined ? {} : { sourceIPAddress: item.sourceIPAddress }),
    ...(window === undefined ? {} : { window }),
  };
}

async function alertFor(
  rule: DetectionRule,
  signal: Signal,
  state: DetectionState,
): Promise<Alert | undefined> {
  const { item } = signal;
  switch (signal.kind) {
    case 'event':
      return alertOf(rule, signal, `${rule.id}#${item.eventID}`);
    case 'first-seen': {
      const holder = await state.claimFirstSeen(`seen#${rule.id}#${signal.subject}`, item.eventID);
      return holder === item.eventID ? alertOf(rule, signal, `${rule.id}#${signal.subject}`) : undefined;
    }
    case 'burst': {
      const window = windowOf(item.eventTime, signal.windowMinutes);
      const expiresAt = Math.floor(Date.parse(window.end) / 1000) + WINDOW_RETENTION_S;
      const id = `${rule.id}#${signal.subject}#${window.start}`;
      const count = await state.countInWindow(`window#${id}`, item.eventID, signal.threshold, expiresAt);
      return count >= signal.threshold
        ? alertOf(rule, signal, id, { ...window, threshold: signal.threshold })
        : undefined;
    }
  }
}

/**
 * The new alerts one event raises under the enabled rules. Deterministic: the alert ids, the
 * windows and the first-seen claims derive from the events alone (eventID, principal, eventTime),
 * never from the clock, so the same events give the same alerts, and a replay gives none.
 */
export async function detectAlerts(
  item: MlEventItem,
  settings: RuleSettingsById,
  state: DetectionState,
  rules: readonly DetectionRule[] = DETECTION_RULES,
): Promise<Alert[]> {
  const alerts: Alert[] = [];
  for (const rule of rules) {
    const ruleSettings = settings[rule.id];
    if (!ruleSettings.enabled) continue;
    const signal = rule.signalOf(item, ruleSettings);
    if (signal === undefined) continue;
    const alert = await alertFor(rule, signal, state);
    if (alert !== undefined && (await state.recordAlert(alert))) alerts.push(alert);
  }
  return alerts;
}

/** The SNS message of an alert: JSON a person can read and a program can parse. */
export function alertMessage(alert: Alert): string {
  return JSON.stringify(
    {
      alert: alert.title,
      severity: alert.severity,
      rule: alert.ruleId,
      summary: alert.summary,
      eventID: alert.eventID,
      show: `mltrail show ${alert.eventID}`,
      eventTime: alert.eventTime,
      service: alert.service,
      eventName: alert.eventName,
      principal: alert.principal,
      actor: alert.actor,
      recipientAccountId: alert.recipientAccountId,
      awsRegion: alert.awsRegion,
      sourceIPAddress: alert.sourceIPAddress,
      window: alert.window,
      alertId: alert.alertId,
    },
    null,
    2,
  );
}
