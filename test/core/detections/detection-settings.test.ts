import { describe, expect, it } from 'vitest';
import { resolveDetectionSettings } from '../../../contract/detection-settings';

describe('resolveDetectionSettings', () => {
  it('keeps every rule on with its defaults when nothing is set', () => {
    const settings = resolveDetectionSettings();
    expect(settings['access-denied-burst']).toEqual({ enabled: true, threshold: 10, windowMinutes: 10 });
    expect(settings['bedrock-guardrail-weakened'].enabled).toBe(true);
  });

  it('applies what is set over the defaults of that rule only', () => {
    const settings = resolveDetectionSettings({ 'model-reconnaissance-burst': { threshold: 50 } });
    expect(settings['model-reconnaissance-burst']).toEqual({
      enabled: true,
      threshold: 50,
      windowMinutes: 10,
    });
  });

  it.each([
    [
      { 'guardrail-weakened': {} },
      /unknown rule guardrail-weakened; did you mean bedrock-guardrail-weakened/,
    ],
    [{ 'bedrock-guardrail-weakened': { threshold: 3 } }, /bedrock-guardrail-weakened is not a burst rule/],
    [
      { 'access-denied-burst': { threshold: 0 } },
      /access-denied-burst.threshold must be a whole number from 1, got 0/,
    ],
    [
      { 'access-denied-burst': { windowMinutes: 2000 } },
      /windowMinutes must be a whole number from 1 to 1440/,
    ],
    [{ 'access-denied-burst': { enabled: 'no' } }, /access-denied-burst.enabled must be true or false/],
    [{ 'access-denied-burst': { treshold: 5 } }, /unknown setting treshold/],
    [['access-denied-burst'], /must be an object of rule name -> settings/],
  ])('refuses %j naming what is wrong', (settings, message) => {
    expect(() => resolveDetectionSettings(settings as never, 'detections')).toThrow(message);
  });
});
