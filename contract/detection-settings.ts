/**
 * The detection rules by name, their defaults and how they are configured: the one list the CDK
 * construct (prop `detections`), the detections function (its environment) and `mltrail detect`
 * read. The rules themselves are in `lambda/core/detections/`.
 */
import { nearNames } from './near-names';

/** The names of the detection rules. */
export const DETECTION_RULE_IDS = [
  'bedrock-invocation-logging-changed',
  'bedrock-guardrail-weakened',
  'model-access-opened',
  'model-reconnaissance-burst',
  'first-model-invocation',
  'access-denied-burst',
  'sagemaker-made-reachable',
  'first-presigned-notebook-url',
  'root-identity-call',
] as const;

export type DetectionRuleId = (typeof DETECTION_RULE_IDS)[number];

/** What can be set of one rule. */
export interface RuleSettings {
  /** @default true */
  readonly enabled?: boolean;
  /** Events in one window that make a burst (burst rules only). */
  readonly threshold?: number;
  /** Length of a burst rule's window, in whole minutes (1-1440). Windows start at whole multiples from the epoch. */
  readonly windowMinutes?: number;
}

/** Settings of each rule by name; a rule not named keeps its defaults. */
export type DetectionSettings = Readonly<Partial<Record<DetectionRuleId, RuleSettings>>>;

/** A rule's settings once defaults are applied. */
export interface ResolvedRuleSettings {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly windowMinutes: number;
}

/** The burst rules and their default window; other rules take no threshold. */
export const BURST_RULE_DEFAULTS: Readonly<
  Partial<Record<DetectionRuleId, { threshold: number; windowMinutes: number }>>
> = {
  'model-reconnaissance-burst': { threshold: 20, windowMinutes: 10 },
  'access-denied-burst': { threshold: 10, windowMinutes: 10 },
  // One alert per root identity and hour, however many calls it makes.
  'root-identity-call': { threshold: 1, windowMinutes: 60 },
};

const MAX_WINDOW_MINUTES = 1440;

/** Detection settings that are not valid: names the setting and what was wrong. */
export class DetectionSettingsError extends Error {
  override name = 'DetectionSettingsError';
}

/** Every rule's settings, with the defaults where `settings` names nothing. Throws on a bad setting. */
export function resolveDetectionSettings(
  settings: DetectionSettings = {},
  source = 'detections',
): Readonly<Record<DetectionRuleId, ResolvedRuleSettings>> {
  validateDetectionSettings(settings, source);
  const resolved = {} as Record<DetectionRuleId, ResolvedRuleSettings>;
  for (const id of DETECTION_RULE_IDS) {
    const given = settings[id] ?? {};
    const burst = BURST_RULE_DEFAULTS[id];
    resolved[id] = {
      enabled: given.enabled ?? true,
      threshold: given.threshold ?? burst?.threshold ?? 1,
      windowMinutes: given.windowMinutes ?? burst?.windowMinutes ?? 0,
    };
  }
  return resolved;
}

/** Throws a {@link DetectionSettingsError} naming the first bad rule name or setting. */
export function validateDetectionSettings(
  settings: unknown,
  source = 'detections',
): asserts settings is DetectionSettings {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new DetectionSettingsError(
      `${source} must be an object of rule name -> settings, got ${JSON.stringify(settings)}`,
    );
  }
  for (const [id, rule] of Object.entries(settings)) {
    if (!(DETECTION_RULE_IDS as readonly string[]).includes(id)) {
      const near = [
        ...new Set([
          ...nearNames(id, DETECTION_RULE_IDS),
          ...DETECTION_RULE_IDS.filter((rule) => rule.includes(id)),
        ]),
      ];
      throw new DetectionSettingsError(
        `${source}: unknown rule ${id}${near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''} (rules: ${DETECTION_RULE_IDS.join(', ')})`,
      );
    }
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      throw new DetectionSettingsError(`${source}.${id} must be an object such as {"enabled":false}`);
    }
    for (const [key, value] of Object.entries(rule)) {
      if (key === 'enabled') {
        if (typeof value !== 'boolean')
          throw new DetectionSettingsError(`${source}.${id}.enabled must be true or false`);
      } else if (key === 'threshold' || key === 'windowMinutes') {
        if (BURST_RULE_DEFAULTS[id as DetectionRuleId] === undefined) {
          throw new DetectionSettingsError(
            `${source}.${id}.${key}: ${id} is not a burst rule (burst rules: ${Object.keys(BURST_RULE_DEFAULTS).join(', ')})`,
          );
        }
        const max = key === 'windowMinutes' ? MAX_WINDOW_MINUTES : Number.MAX_SAFE_INTEGER;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
          throw new DetectionSettingsError(
            `${source}.${id}.${key} must be a whole number from 1${key === 'windowMinutes' ? ` to ${max}` : ''}, got ${JSON.stringify(value)}`,
          );
        }
      } else {
        throw new DetectionSettingsError(
          `${source}.${id}: unknown setting ${key} (settings: enabled, threshold, windowMinutes)`,
        );
      }
    }
  }
}

/** Names of the detections function's environment variables. */
export const DETECTIONS_ENV = {
  /** Name of the detection state table. Required. */
  STATE_TABLE_NAME: 'MLTRAIL_DETECTION_STATE_TABLE',
  /** JSON of {@link DetectionSettings}; unset: every rule with its defaults. */
  RULES: 'MLTRAIL_DETECTION_RULES',
} as const;

/** Path of the detections function's entry file, relative to the project root; it exports `handler`. */
export const DETECTIONS_HANDLER_ENTRY = 'lambda/detections-handler.ts';

/** Powertools service name of the detections function. */
export const DETECTIONS_SERVICE_NAME = 'mltrail-detections';
