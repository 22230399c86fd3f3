import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Code,
  type EventSourceMapping,
  FilterCriteria,
  FilterRule,
  Function as LambdaFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';
import { createTestApp, logicalIdOf } from './pipeline-app';

const ONLY_FORECAST_INSERTS = FilterCriteria.filter({
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { NewImage: { service: { S: FilterRule.isEqual('forecast') } } },
});

let stack: Stack;
let pipeline: MlTrailPipeline;
let consumer: LambdaFunction;
let mapping: EventSourceMapping;
let template: Template;

function createConsumer(scope: Stack, id: string): LambdaFunction {
  return new LambdaFunction(scope, id, {
    runtime: Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => {};'),
    role: new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  });
}

beforeAll(() => {
  stack = new Stack(createTestApp(), 'Consumers');
  pipeline = new MlTrailPipeline(stack, 'Pipeline');
  consumer = createConsumer(stack, 'ForecastAudit');
  mapping = pipeline.addStreamConsumer(consumer, { filters: [ONLY_FORECAST_INSERTS] });
  template = Template.fromStack(stack);
});

describe('addStreamConsumer', () => {
  it('invokes the consumer from the table stream, newest records first, only for matching records', () => {
    const table = logicalIdOf(pipeline.table);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(consumer) },
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { service: { S: ['forecast'] } } },
            }),
          },
        ],
      },
    });
  });

  it('grants the consumer stream reads on this table stream only, plus ListStreams, which takes no resource', () => {
    const table = logicalIdOf(pipeline.table);
    const readPolicy = mapping.node.scope?.node.findChild('ReadPolicy');
    if (readPolicy === undefined) throw new Error('no read policy');
    const policy = template.toJSON().Resources[logicalIdOf(readPolicy)];
    expect(policy.Properties.Roles).toEqual([
      { Ref: logicalIdOf(stack.node.findChild('ForecastAuditRole')) },
    ]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::GetAtt': [table, 'StreamArn'] },
      },
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
    ]);
  });

  it('creates the mapping after the grant, which Lambda checks at creation', () => {
    const readPolicy = mapping.node.scope?.node.findChild('ReadPolicy');
    if (readPolicy === undefined) throw new Error('no read policy');
    template.hasResource('AWS::Lambda::EventSourceMapping', {
      DependsOn: [logicalIdOf(readPolicy)],
    });
  });

  it('refuses to subscribe the same consumer twice', () => {
    expect(() => pipeline.addStreamConsumer(consumer)).toThrow(/already subscribed to this events stream/);
  });

  it('refuses a consumer whose role is unknown, naming the fix', () => {
    const imported = LambdaFunction.fromFunctionArn(
      stack,
      'Imported',
      'arn:aws:lambda:us-east-1:111122223333:function:elsewhere',
    );
    expect(() => pipeline.addStreamConsumer(imported)).toThrow(
      /fromFunctionAttributes\(\{ functionArn, role \}\)/,
    );
  });
});
