import type { CfnTrailProps } from 'aws-cdk-lib/aws-cloudtrail';

/**
 * Data-event resource types logged when `mlDataEvents` is `true`: model invocations and agent and
 * knowledge-base calls in Amazon Bedrock, and endpoint invocations in Amazon SageMaker AI.
 */
export const DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES: readonly string[] = [
  'AWS::Bedrock::Model',
  'AWS::Bedrock::AgentAlias',
  'AWS::Bedrock::KnowledgeBase',
  'AWS::SageMaker::Endpoint',
];

/** The event selector properties of a trail: one of the two kinds, never both. */
export type TrailEventSelection = Pick<CfnTrailProps, 'eventSelectors' | 'advancedEventSelectors'>;

/**
 * Selects all read and write management events and, when `dataEventResourceTypes` is not
 * empty, the data events of those resource types.
 *
 * CloudTrail rejects a trail with both basic and advanced selectors, and only advanced ones
 * can name these resource types, so with data events the management events are expressed as
 * an advanced selector too. `resources.type` takes one value per selector.
 */
export function selectTrailEvents(dataEventResourceTypes: readonly string[]): TrailEventSelection {
  if (dataEventResourceTypes.length === 0) {
    return { eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }] };
  }
  return {
    advancedEventSelectors: [
      {
        name: 'Management events',
        fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
      },
      ...dataEventResourceTypes.map((resourceType) => ({
        name: `Data events of ${resourceType}`,
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: [resourceType] },
        ],
      })),
    ],
  };
}
