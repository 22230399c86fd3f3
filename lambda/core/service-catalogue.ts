import { EVENT_SOURCE_PATTERN, SERVICE_NAME_PATTERN } from '../../contract/catalogue-format';
import { ConfigurationError } from './errors';

/** eventSource (e.g. `forecast.amazonaws.com`) -> service short name (e.g. `forecast`). */
export type ServiceCatalogue = ReadonlyMap<string, string>;

/**
 * The AWS AI/ML services whose events mltrail keeps, by CloudTrail eventSource. Some services log
 * their data-plane or companion APIs under another host; those map to the same short name.
 */
export const DEFAULT_SERVICE_CATALOGUE: ServiceCatalogue = new Map([
  ['forecast.amazonaws.com', 'forecast'],
  ['forecastquery.amazonaws.com', 'forecast'],
  ['personalize.amazonaws.com', 'personalize'],
  ['iotanalytics.amazonaws.com', 'iotanalytics'],
  ['lookoutmetrics.amazonaws.com', 'lookoutmetrics'],
  ['lookoutvision.amazonaws.com', 'lookoutvision'],
  ['sagemaker.amazonaws.com', 'sagemaker'],
  ['sagemaker-geospatial.amazonaws.com', 'sagemaker'],
  ['bedrock.amazonaws.com', 'bedrock'],
  ['bedrock-mantle.amazonaws.com', 'bedrock'],
  ['bedrock-agentcore.amazonaws.com', 'bedrock'],
  ['rekognition.amazonaws.com', 'rekognition'],
  ['comprehend.amazonaws.com', 'comprehend'],
  ['comprehendmedical.amazonaws.com', 'comprehendmedical'],
  ['textract.amazonaws.com', 'textract'],
  ['transcribe.amazonaws.com', 'transcribe'],
  ['translate.amazonaws.com', 'translate'],
  ['polly.amazonaws.com', 'polly'],
  ['lex.amazonaws.com', 'lex'],
  ['kendra.amazonaws.com', 'kendra'],
  ['kendra-ranking.amazonaws.com', 'kendra'],
  ['frauddetector.amazonaws.com', 'frauddetector'],
  ['lookoutequipment.amazonaws.com', 'lookoutequipment'],
  ['q.amazonaws.com', 'q'],
  ['codewhisperer.amazonaws.com', 'q'],
  ['qbusiness.amazonaws.com', 'qbusiness'],
]);

/**
 * Parses a catalogue given as JSON text `{ "<eventSource>": "<service>" }`, naming the setting
 * and the bad entry when it cannot be used.
 */
export function parseServiceCatalogue(json: string, settingName: string): ServiceCatalogue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new ConfigurationError(
      `${settingName} is not valid JSON: expected {"<eventSource>": "<service>"}, e.g. {"forecast.amazonaws.com": "forecast"}`,
      { cause },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`${settingName} must be a JSON object {"<eventSource>": "<service>"}`);
  }
  const catalogue = new Map<string, string>();
  for (const [eventSource, service] of Object.entries(parsed)) {
    if (!EVENT_SOURCE_PATTERN.test(eventSource)) {
      throw new ConfigurationError(
        `${settingName}: "${eventSource}" is not an eventSource; use the host CloudTrail logs, e.g. "forecast.amazonaws.com"`,
      );
    }
    if (typeof service !== 'string' || !SERVICE_NAME_PATTERN.test(service)) {
      throw new ConfigurationError(
        `${settingName}: service name for "${eventSource}" must be lowercase letters, digits or '-', got ${JSON.stringify(service)}`,
      );
    }
    catalogue.set(eventSource, service);
  }
  return catalogue;
}

/** The catalogue in force: `replacement` instead of the default when given, then `extra` over it. */
export function resolveServiceCatalogue(
  replacement: ServiceCatalogue | undefined,
  extra: ServiceCatalogue | undefined,
): ServiceCatalogue {
  const catalogue = new Map(replacement ?? DEFAULT_SERVICE_CATALOGUE);
  for (const [eventSource, service] of extra ?? []) catalogue.set(eventSource, service);
  if (catalogue.size === 0)
    throw new ConfigurationError('the service catalogue is empty: no event would be kept');
  return catalogue;
}

/**
 * The service of an eventSource, or undefined when it is not catalogued. Host names are
 * case-insensitive, so `SAGEMAKER.AMAZONAWS.COM` is SageMaker's.
 */
export function serviceOf(catalogue: ServiceCatalogue, eventSource: string): string | undefined {
  return catalogue.get(eventSource) ?? catalogue.get(eventSource.toLowerCase());
}
