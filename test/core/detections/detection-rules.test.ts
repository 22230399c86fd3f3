import { describe, expect, it } from 'vitest';
import { type DetectionRuleId, resolveDetectionSettings } from '../../../contract/detection-settings';
import type { MlEventItem } from '../../../contract/ml-event-item';
import { DETECTION_RULES } from '../../../lambda/core/detections/detection-rules';
import { itemOfRecord, readDetectionRecord } from '../../support/ml-event-items';

const SETTINGS = resolveDetectionSettings();
const fixture = (name: string, overrides: Partial<MlEventItem> = {}) =>
  itemOfRecord(readDetectionRecord(name), overrides);

function rulesRaisedBy(item: MlEventItem): { ruleId: DetectionRuleId; kind: string; subject?: string }[] {
  return DETECTION_RULES.flatMap((rule) => {
    const signal = rule.signalOf(item, SETTINGS[rule.id]);
    if (signal === undefined) return [];
    return [
      { ruleId: rule.id, kind: signal.kind, ...('subject' in signal ? { subject: signal.subject } : {}) },
    ];
  });
}

const ROLE = 'arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/DevAdmin';
const APP_ROLE = 'arn:aws:iam::111122223333:role/genai-app-role';
const INTERN = 'arn:aws:iam::123456789012:user/intern';

describe('the detection rules, over real-shaped records', () => {
  it.each([
    [
      'bedrock-delete-model-invocation-logging-configuration',
      {},
      [{ ruleId: 'bedrock-invocation-logging-changed', kind: 'event' }],
    ],
    [
      'bedrock-delete-model-invocation-logging-configuration',
      { eventName: 'PutModelInvocationLoggingConfiguration' },
      [{ ruleId: 'bedrock-invocation-logging-changed', kind: 'event' }],
    ],
    ['bedrock-delete-guardrail', {}, [{ ruleId: 'bedrock-guardrail-weakened', kind: 'event' }]],
    ['bedrock-update-guardrail', {}, [{ ruleId: 'bedrock-guardrail-weakened', kind: 'event' }]],
    ['bedrock-put-use-case-for-model-access', {}, [{ ruleId: 'model-access-opened', kind: 'event' }]],
    [
      'bedrock-put-use-case-for-model-access',
      { eventName: 'CreateFoundationModelAgreement' },
      [{ ruleId: 'model-access-opened', kind: 'event' }],
    ],
    [
      'bedrock-put-use-case-for-model-access',
      { eventName: 'PutFoundationModelEntitlement' },
      [{ ruleId: 'model-access-opened', kind: 'event' }],
    ],
    [
      'bedrock-list-foundation-models',
      {},
      [{ ruleId: 'model-reconnaissance-burst', kind: 'burst', subject: ROLE }],
    ],
    [
      'bedrock-list-foundation-models',
      { eventName: 'GetFoundationModelAvailability' },
      [{ ruleId: 'model-reconnaissance-burst', kind: 'burst', subject: ROLE }],
    ],
    [
      'bedrock-invoke-model',
      {},
      [
        {
          ruleId: 'first-model-invocation',
          kind: 'first-seen',
          subject: `${APP_ROLE}|anthropic.claude-3-5-sonnet-20240620-v1:0`,
        },
      ],
    ],
    [
      'bedrock-invoke-model',
      { eventName: 'Converse' },
      [
        {
          ruleId: 'first-model-invocation',
          kind: 'first-seen',
          subject: `${APP_ROLE}|anthropic.claude-3-5-sonnet-20240620-v1:0`,
        },
      ],
    ],
    [
      'bedrock-invoke-model',
      {
        eventSource: 'sagemaker.amazonaws.com',
        service: 'sagemaker',
        eventName: 'InvokeEndpoint',
        requestParameters: { endpointName: 'churn' },
      },
      [{ ruleId: 'first-model-invocation', kind: 'first-seen', subject: `${APP_ROLE}|churn` }],
    ],
    [
      'bedrock-invoke-model-access-denied',
      {},
      [{ ruleId: 'access-denied-burst', kind: 'burst', subject: APP_ROLE }],
    ],
    [
      'bedrock-invoke-model-access-denied',
      { errorCode: 'Client.UnauthorizedOperation' },
      [{ ruleId: 'access-denied-burst', kind: 'burst', subject: APP_ROLE }],
    ],
    ['sagemaker-create-notebook-instance', {}, [{ ruleId: 'sagemaker-made-reachable', kind: 'event' }]],
    [
      'sagemaker-create-notebook-instance',
      { requestParameters: { notebookInstanceName: 'n' } },
      [{ ruleId: 'sagemaker-made-reachable', kind: 'event' }],
    ],
    [
      'sagemaker-create-presigned-notebook-instance-url',
      {},
      [{ ruleId: 'first-presigned-notebook-url', kind: 'first-seen', subject: INTERN }],
    ],
    [
      'bedrock-root-list-foundation-models',
      {},
      [
        { ruleId: 'model-reconnaissance-burst', kind: 'burst', subject: 'arn:aws:iam::111122223333:root' },
        { ruleId: 'root-identity-call', kind: 'burst', subject: 'arn:aws:iam::111122223333:root' },
      ],
    ],
  ] as const)('%s %o raises %o', (name, overrides, expected) => {
    expect(rulesRaisedBy(fixture(name, overrides as Partial<MlEventItem>))).toEqual(expected);
  });

  it.each([
    ['a failed guardrail deletion', 'bedrock-delete-guardrail', { errorCode: 'ValidationException' }],
    [
      'a failed logging deletion',
      'bedrock-delete-model-invocation-logging-configuration',
      { errorCode: 'ResourceNotFoundException' },
    ],
    [
      'a read of the logging configuration',
      'bedrock-delete-model-invocation-logging-configuration',
      { eventName: 'GetModelInvocationLoggingConfiguration' },
    ],
    [
      'a guardrail deletion by another service than Bedrock',
      'bedrock-delete-guardrail',
      { service: 'sagemaker', eventSource: 'sagemaker.amazonaws.com' },
    ],
    [
      'a failed invocation (the access-denied rule reads it)',
      'bedrock-invoke-model',
      { errorCode: 'ThrottlingException' },
    ],
    [
      'a notebook created without internet or root access',
      'sagemaker-create-notebook-instance',
      {
        requestParameters: {
          notebookInstanceName: 'n',
          directInternetAccess: 'Disabled',
          rootAccess: 'Disabled',
        },
      },
    ],
    [
      'a notebook update that leaves root access alone',
      'sagemaker-create-notebook-instance',
      { eventName: 'UpdateNotebookInstance', requestParameters: { notebookInstanceName: 'n' } },
    ],
    [
      'a truncated request (stored as its JSON text) of a private notebook',
      'sagemaker-create-notebook-instance',
      { eventName: 'UpdateNotebookInstance', requestParameters: '{"rootAccess":"Ena' },
    ],
  ] as const)('stays silent on %s', (_title, name, overrides) => {
    expect(rulesRaisedBy(fixture(name, overrides as Partial<MlEventItem>))).toEqual([]);
  });

  it('names the root access it saw when a notebook update enables it (PascalCase as the API spells it)', () => {
    const item = fixture('sagemaker-create-notebook-instance', {
      eventName: 'UpdateNotebookInstance',
      requestParameters: { NotebookInstanceName: 'ExampleNotebook', RootAccess: 'Enabled' },
    });
    const rule = DETECTION_RULES.find((candidate) => candidate.id === 'sagemaker-made-reachable');
    expect(rule?.signalOf(item, SETTINGS['sagemaker-made-reachable'])?.summary).toBe(
      `${INTERN} (intern) called UpdateNotebookInstance on ExampleNotebook with root access`,
    );
  });

  it('reads the burst threshold and window from the settings', () => {
    const settings = resolveDetectionSettings({ 'access-denied-burst': { threshold: 3, windowMinutes: 5 } });
    const rule = DETECTION_RULES.find((candidate) => candidate.id === 'access-denied-burst');
    const signal = rule?.signalOf(
      fixture('bedrock-invoke-model-access-denied'),
      settings['access-denied-burst'],
    );
    expect(signal).toMatchObject({ kind: 'burst', threshold: 3, windowMinutes: 5 });
  });

  it('every rule is documented by the events it reads', () => {
    for (const rule of DETECTION_RULES) expect(rule.eventNames.length, rule.id).toBeGreaterThan(0);
    expect(new Set(DETECTION_RULES.map((rule) => rule.id)).size).toBe(DETECTION_RULES.length);
  });
});
