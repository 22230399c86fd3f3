import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import { DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES } from '../../lib/trail-event-selectors';
import { createTestApp } from './pipeline-app';

const MANAGEMENT_EVENTS = {
  Name: 'Management events',
  FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
};

function dataEvents(resourceType: string) {
  return {
    Name: `Data events of ${resourceType}`,
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: [resourceType] },
    ],
  };
}

let defaultTypes: Template;
let chosenTypes: Template;

beforeAll(() => {
  const app = createTestApp();
  const withDefaults = new Stack(app, 'DefaultDataEvents');
  new MlTrailPipeline(withDefaults, 'Pipeline', { mlDataEvents: true });
  const withChoice = new Stack(app, 'ChosenDataEvents');
  new MlTrailPipeline(withChoice, 'Pipeline', { mlDataEvents: ['AWS::SageMaker::Endpoint'] });
  defaultTypes = Template.fromStack(withDefaults);
  chosenTypes = Template.fromStack(withChoice);
});

describe('ML data events', () => {
  it('log Bedrock and SageMaker data events beside all management events, as advanced selectors only', () => {
    expect(DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES).toEqual([
      'AWS::Bedrock::Model',
      'AWS::Bedrock::AgentAlias',
      'AWS::Bedrock::KnowledgeBase',
      'AWS::SageMaker::Endpoint',
    ]);
    defaultTypes.hasResourceProperties('AWS::CloudTrail::Trail', {
      EventSelectors: Match.absent(),
      AdvancedEventSelectors: [MANAGEMENT_EVENTS, ...DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES.map(dataEvents)],
    });
  });

  it('log only the resource types given', () => {
    chosenTypes.hasResourceProperties('AWS::CloudTrail::Trail', {
      EventSelectors: Match.absent(),
      AdvancedEventSelectors: [MANAGEMENT_EVENTS, dataEvents('AWS::SageMaker::Endpoint')],
    });
  });
});
