import type { DetectionRuleId, ResolvedRuleSettings } from '../../../contract/detection-settings';
import type { MlEventItem } from '../../../contract/ml-event-item';
import type { Severity, Signal } from './signals';

/** One detection rule: a pure function of an item and the rule's settings. */
export interface DetectionRule {
  readonly id: DetectionRuleId;
  readonly title: string;
  readonly severity: Severity;
  /** The eventNames it reads, for the README and `mltrail detect`. */
  readonly eventNames: readonly string[];
  signalOf(item: MlEventItem, settings: ResolvedRuleSettings): Signal | undefined;
}

// A failed call changed nothing; the access-denied rule reads failures.
const succeeded = (item: MlEventItem) => item.errorCode === undefined;
const isBedrock = (item: MlEventItem) => item.service === 'bedrock';
const isSageMaker = (item: MlEventItem) => item.service === 'sagemaker';

function by(item: MlEventItem): string {
  return item.actor === undefined ? item.principal : `${item.principal} (${item.actor})`;
}

/** A top-level request parameter, by CloudTrail's camelCase name or the API's PascalCase one. */
function requestParameter(item: MlEventItem, name: string): unknown {
  const parameters = item.requestParameters;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) return undefined;
  const map = parameters as Record<string, unknown>;
  return map[name] ?? map[`${name[0]?.toUpperCase()}${name.slice(1)}`];
}

function textParameter(item: MlEventItem, name: string): string | undefined {
  const value = requestParameter(item, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function eventRule(
  rule: Omit<DetectionRule, 'signalOf'>,
  applies: (item: MlEventItem) => boolean,
  summaryOf: (item: MlEventItem) => string,
): DetectionRule {
  return {
    ...rule,
    signalOf: (item) =>
      rule.eventNames.includes(item.eventName) && applies(item)
        ? { kind: 'event', ruleId: rule.id, item, summary: summaryOf(item) }
        : undefined,
  };
}

const INVOCATION_LOGGING = eventRule(
  {
    id: 'bedrock-invocation-logging-changed',
    title: 'Bedrock model invocation logging deleted or changed',
    severity: 'high',
    eventNames: ['DeleteModelInvocationLoggingConfiguration', 'PutModelInvocationLoggingConfiguration'],
  },
  (item) => isBedrock(item) && succeeded(item),
  (item) =>
    item.eventName === 'DeleteModelInvocationLoggingConfiguration'
      ? `${by(item)} deleted the model invocation logging configuration in ${item.awsRegion ?? 'an unknown Region'}`
      : `${by(item)} changed the model invocation logging configuration in ${item.awsRegion ?? 'an unknown Region'}`,
);

const GUARDRAIL = eventRule(
  {
    id: 'bedrock-guardrail-weakened',
    title: 'Bedrock guardrail deleted or changed',
    severity: 'high',
    eventNames: ['DeleteGuardrail', 'UpdateGuardrail'],
  },
  (item) => isBedrock(item) && succeeded(item),
  (item) =>
    `${by(item)} ${item.eventName === 'DeleteGuardrail' ? 'deleted' : 'updated'} guardrail ${textParameter(item, 'guardrailIdentifier') ?? item.resourceArn ?? '(unnamed)'}`,
);

const MODEL_ACCESS = eventRule(
  {
    id: 'model-access-opened',
    title: 'Foundation model access opened',
    severity: 'high',
    eventNames: [
      'PutUseCaseForModelAccess',
      'CreateFoundationModelAgreement',
      'PutFoundationModelEntitlement',
    ],
  },
  (item) => isBedrock(item) && succeeded(item),
  (item) =>
    `${by(item)} called ${item.eventName}${textParameter(item, 'modelId') ? ` for ${textParameter(item, 'modelId')}` : ''}: model access is being opened (a step of LLMjacking)`,
);

const RECONNAISSANCE_EVENTS = ['GetFoundationModelAvailability', 'ListFoundationModels'];
const RECONNAISSANCE: DetectionRule = {
  id: 'model-reconnaissance-burst',
  title: 'Burst of foundation model discovery calls from one principal',
  severity: 'medium',
  eventNames: RECONNAISSANCE_EVENTS,
  signalOf: (item, settings) =>
    isBedrock(item) && RECONNAISSANCE_EVENTS.includes(item.eventName)
      ? {
          kind: 'burst',
          ruleId: 'model-reconnaissance-burst',
          item,
          subject: item.principal,
          threshold: settings.threshold,
          windowMinutes: settings.windowMinutes,
          summary: `${by(item)} made ${settings.threshold} or more model discovery calls (${RECONNAISSANCE_EVENTS.join(', ')}) within ${settings.windowMinutes} minutes`,
        }
      : undefined,
};

const BEDROCK_INVOCATIONS = ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream'];
const SAGEMAKER_INVOCATIONS = ['InvokeEndpoint', 'InvokeEndpointAsync', 'InvokeEndpointWithResponseStream'];

function invokedModelOf(item: MlEventItem): string | undefined {
  if (isBedrock(item) && BEDROCK_INVOCATIONS.includes(item.eventName)) {
    return textParameter(item, 'modelId') ?? item.resourceArn ?? '(unknown model)';
  }
  if (isSageMaker(item) && SAGEMAKER_INVOCATIONS.includes(item.eventName)) {
    return textParameter(item, 'endpointName') ?? item.resourceArn ?? '(unknown endpoint)';
  }
  return undefined;
}

const FIRST_INVOCATION: DetectionRule = {
  id: 'first-model-invocation',
  title: 'Principal invoked a model for the first time',
  severity: 'low',
  eventNames: [...BEDROCK_INVOCATIONS, ...SAGEMAKER_INVOCATIONS],
  signalOf: (item) => {
    const model = invokedModelOf(item);
    if (model === undefined || !succeeded(item)) return undefined;
    return {
      kind: 'first-seen',
      ruleId: 'first-model-invocation',
      item,
      subject: `${item.principal}|${model}`,
      summary: `${by(item)} invoked ${model} for the first time`,
    };
  },
};

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
]);
const ACCESS_DENIED: DetectionRule = {
  id: 'access-denied-burst',
  title: 'Burst of access-denied errors on ML services from one principal',
  severity: 'medium',
  eventNames: ['(any, with errorCode AccessDenied, AccessDeniedException or UnauthorizedOperation)'],
  signalOf: (item, settings) =>
    item.errorCode !== undefined && ACCESS_DENIED_CODES.has(item.errorCode)
      ? {
          kind: 'burst',
          ruleId: 'access-denied-burst',
          item,
          subject: item.principal,
          threshold: settings.threshold,
          windowMinutes: settings.windowMinutes,
          summary: `${by(item)} was denied ${settings.threshold} or more ML-service calls within ${settings.windowMinutes} minutes (last: ${item.service} ${item.eventName})`,
        }
      : undefined,
};

/** The ways a SageMaker call makes a notebook or domain reachable; the API's defaults count. */
function reachableBy(item: MlEventItem): string | undefined {
  if (!isSageMaker(item) || !succeeded(item)) return undefined;
  const name =
    textParameter(item, 'notebookInstanceName') ?? textParameter(item, 'domainName') ?? '(unnamed)';
  const enabled = (parameter: string, whenAbsent: boolean) => {
    const value = textParameter(item, parameter);
    return value === undefined ? whenAbsent : value === 'Enabled';
  };
  const reasons: string[] = [];
  switch (item.eventName) {
    // CreateNotebookInstance: DirectInternetAccess and RootAccess default to Enabled.
    case 'CreateNotebookInstance':
      if (enabled('directInternetAccess', true)) reasons.push('direct internet access');
      if (enabled('rootAccess', true)) reasons.push('root access');
      break;
    case 'UpdateNotebookInstance':
      if (enabled('rootAccess', false)) reasons.push('root access');
      break;
    // CreateDomain: AppNetworkAccessType defaults to PublicInternetOnly.
    case 'CreateDomain':
    case 'UpdateDomain': {
      const access = textParameter(item, 'appNetworkAccessType');
      if (access === 'PublicInternetOnly' || (access === undefined && item.eventName === 'CreateDomain')) {
        reasons.push('public internet access');
      }
      break;
    }
    default:
      return undefined;
  }
  return reasons.length === 0
    ? undefined
    : `${by(item)} called ${item.eventName} on ${name} with ${reasons.join(' and ')}`;
}

const REACHABLE: DetectionRule = {
  id: 'sagemaker-made-reachable',
  title: 'SageMaker notebook or domain made reachable',
  severity: 'medium',
  eventNames: ['CreateNotebookInstance', 'UpdateNotebookInstance', 'CreateDomain', 'UpdateDomain'],
  signalOf: (item) => {
    const summary = reachableBy(item);
    return summary === undefined
      ? undefined
      : { kind: 'event', ruleId: 'sagemaker-made-reachable', item, summary };
  },
};

const PRESIGNED_URL_EVENTS = ['CreatePresignedNotebookInstanceUrl', 'CreatePresignedDomainUrl'];
const PRESIGNED_URL: DetectionRule = {
  id: 'first-presigned-notebook-url',
  title: 'Principal created a presigned notebook URL for the first time',
  severity: 'medium',
  eventNames: PRESIGNED_URL_EVENTS,
  signalOf: (item) =>
    isSageMaker(item) && PRESIGNED_URL_EVENTS.includes(item.eventName) && succeeded(item)
      ? {
          kind: 'first-seen',
          ruleId: 'first-presigned-notebook-url',
          item,
          subject: item.principal,
          summary: `${by(item)} created a presigned URL (${item.eventName}) for the first time`,
        }
      : undefined,
};

const ROOT: DetectionRule = {
  id: 'root-identity-call',
  title: 'ML service called by a root identity',
  severity: 'high',
  eventNames: ['(any, with userIdentity.type Root)'],
  signalOf: (item, settings) =>
    item.principalType === 'Root'
      ? {
          kind: 'burst',
          ruleId: 'root-identity-call',
          item,
          subject: item.principal,
          threshold: settings.threshold,
          windowMinutes: settings.windowMinutes,
          summary: `the root identity ${item.principal} called ${item.service} ${item.eventName}`,
        }
      : undefined,
};

/** Every rule, in the README's order. */
export const DETECTION_RULES: readonly DetectionRule[] = [
  INVOCATION_LOGGING,
  GUARDRAIL,
  MODEL_ACCESS,
  RECONNAISSANCE,
  FIRST_INVOCATION,
  ACCESS_DENIED,
  REACHABLE,
  PRESIGNED_URL,
  ROOT,
];
