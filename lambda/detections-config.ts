import {
  DETECTIONS_ENV,
  DetectionSettingsError,
  resolveDetectionSettings,
  validateDetectionSettings,
} from '../contract/detection-settings';
import type { RuleSettingsById } from './core/detections/detection-engine';
import { ConfigurationError } from './core/errors';

/** The detections function's settings, read once at start-up. */
export interface DetectionsConfig {
  readonly stateTableName: string;
  readonly rules: RuleSettingsById;
}

/** Reads the detections function's environment; throws a ConfigurationError naming the variable. */
export function loadDetectionsConfig(env: NodeJS.ProcessEnv): DetectionsConfig {
  const stateTableName = env[DETECTIONS_ENV.STATE_TABLE_NAME];
  if (stateTableName === undefined || stateTableName === '') {
    throw new ConfigurationError(`${DETECTIONS_ENV.STATE_TABLE_NAME} environment variable is not set`);
  }
  const text = env[DETECTIONS_ENV.RULES];
  let settings: unknown = {};
  if (text !== undefined && text !== '') {
    try {
      settings = JSON.parse(text);
    } catch (error) {
      throw new ConfigurationError(`${DETECTIONS_ENV.RULES} is not valid JSON: ${text}`, { cause: error });
    }
  }
  try {
    validateDetectionSettings(settings, DETECTIONS_ENV.RULES);
    return { stateTableName, rules: resolveDetectionSettings(settings, DETECTIONS_ENV.RULES) };
  } catch (error) {
    if (error instanceof DetectionSettingsError)
      throw new ConfigurationError(error.message, { cause: error });
    throw error;
  }
}
