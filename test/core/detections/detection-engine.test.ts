import { describe, expect, it } from 'vitest';
import { type DetectionSettings, resolveDetectionSettings } from '../../../contract/detection-settings';
import type { MlEventItem } from '../../../contract/ml-event-item';
import { alertMessage, detectAlerts, windowOf } from '../../../lambda/core/detections/detection-engine';
import { MemoryDetectionState } from '../../../lambda/core/detections/memory-detection-state';
import { itemOfRecord, readDetectionRecord } from '../../support/ml-event-items';

const fixture = (name: string, overrides: Partial<MlEventItem> = {}) =>
  itemOfRecord(readDetectionRecord(name), overrides);

async function alertsOf(
  items: readonly MlEventItem[],
  settings: DetectionSettings = {},
  state = new MemoryDetectionState(),
) {
  const resolved = resolveDetectionSettings(settings);
  const alerts = [];
  for (const item of items) alerts.push(...(await detectAlerts(item, resolved, state)));
  return alerts;
}

function deniedAt(second: number, eventID = `denied-${second}`): MlEventItem {
  const time = `2024-10-01T12:0${Math.floor(second / 60)}:${String(second % 60).padStart(2, '0')}Z`;
  return fixture('bedrock-invoke-model-access-denied', { eventID, eventTime: time });
}

describe('detectAlerts', () => {
  it('alerts once on a guardrail deletion, with the event to show, and not again when the event comes again', async () => {
    const state = new MemoryDetectionState();
    const item = fixture('bedrock-delete-guardrail');

    const first = await alertsOf([item], {}, state);
    const replay = await alertsOf([item], {}, state);

    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      alertId: 'bedrock-guardrail-weakened#3105145b-d0ca-41ab-a0fd-73f4f31ccbd1',
      eventID: '3105145b-d0ca-41ab-a0fd-73f4f31ccbd1',
      eventTime: '2025-01-21T18:12:33Z',
      severity: 'high',
      summary:
        'arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/DevAdmin (dr.evil) deleted guardrail cmy5azq5koeo',
    });
    expect(JSON.parse(alertMessage(first[0] as never)).show).toBe(
      'mltrail show 3105145b-d0ca-41ab-a0fd-73f4f31ccbd1',
    );
    expect(replay).toEqual([]);
  });

  it('alerts on the first invocation of a model by a principal only, not on its next ones, nor on a replay', async () => {
    const state = new MemoryDetectionState();
    const first = fixture('bedrock-invoke-model');
    const second = fixture('bedrock-invoke-model', {
      eventID: 'second-call',
      eventTime: '2024-10-01T11:53:00Z',
    });
    const otherModel = fixture('bedrock-invoke-model', {
      eventID: 'other-model',
      requestParameters: { modelId: 'amazon.titan-text-express-v1' },
    });

    const alerts = await alertsOf([first, second, otherModel, first], {}, state);

    expect(alerts.map((alert) => [alert.ruleId, alert.eventID])).toEqual([
      ['first-model-invocation', first.eventID],
      ['first-model-invocation', 'other-model'],
    ]);
  });

  it('alerts on a burst when the threshold is reached within one window, once per window', async () => {
    const settings = { 'access-denied-burst': { threshold: 3, windowMinutes: 10 } };
    const alerts = await alertsOf([deniedAt(0), deniedAt(10), deniedAt(20), deniedAt(30)], settings);

    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      ruleId: 'access-denied-burst',
      eventID: 'denied-20',
      window: { start: '2024-10-01T12:00:00Z', end: '2024-10-01T12:10:00Z', threshold: 3 },
    });
  });

  it('counts a replayed event once: the same events again never reach a threshold they did not reach', async () => {
    const settings = { 'access-denied-burst': { threshold: 3, windowMinutes: 10 } };
    const once = deniedAt(0);
    expect(await alertsOf([once, once, once, deniedAt(10), deniedAt(10)], settings)).toEqual([]);
  });

  it('counts events in the window of their eventTime, not the order they arrive in', async () => {
    const settings = { 'access-denied-burst': { threshold: 2, windowMinutes: 1 } };
    // 12:00:59 and 12:01:00 are in two windows; 12:01:00 and 12:01:30 in one.
    const alerts = await alertsOf([deniedAt(90), deniedAt(59), deniedAt(60)], settings);
    expect(alerts.map((alert) => alert.window?.start)).toEqual(['2024-10-01T12:01:00Z']);
  });

  it('leaves a rule that is turned off silent, and keeps the others', async () => {
    const alerts = await alertsOf(
      [fixture('bedrock-delete-guardrail'), fixture('bedrock-delete-model-invocation-logging-configuration')],
      { 'bedrock-guardrail-weakened': { enabled: false } },
    );
    expect(alerts.map((alert) => alert.ruleId)).toEqual(['bedrock-invocation-logging-changed']);
  });

  it('alerts once an hour on a root identity, however many ML calls it makes', async () => {
    const root = (eventID: string, eventTime: string) =>
      fixture('bedrock-root-list-foundation-models', { eventID, eventTime });
    const alerts = await alertsOf([
      root('r1', '2022-11-10T16:31:02Z'),
      root('r2', '2022-11-10T16:45:00Z'),
      root('r3', '2022-11-10T17:00:00Z'),
    ]);
    expect(
      alerts.filter((alert) => alert.ruleId === 'root-identity-call').map((alert) => alert.eventID),
    ).toEqual(['r1', 'r3']);
  });
});

describe('windowOf', () => {
  it.each([
    ['2024-10-01T12:09:59Z', 10, '2024-10-01T12:00:00Z', '2024-10-01T12:10:00Z'],
    ['2024-10-01T12:10:00Z', 10, '2024-10-01T12:10:00Z', '2024-10-01T12:20:00Z'],
    ['2024-10-01T23:59:59Z', 1440, '2024-10-01T00:00:00Z', '2024-10-02T00:00:00Z'],
  ])('puts %s in a %i-minute window from %s to %s', (eventTime, minutes, start, end) => {
    expect(windowOf(eventTime, minutes)).toEqual({ start, end });
  });
});
