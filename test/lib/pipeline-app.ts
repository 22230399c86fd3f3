import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { ArtifactMetadataEntryType } from 'aws-cdk-lib/cloud-assembly-schema';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The context of cdk.json: the feature flags the deployed app synthesizes with. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/**
 * An app configured like `bin/app.ts` (cdk.json's feature flags, cdk-nag's AwsSolutions checks
 * as a validation plugin, so any unacknowledged finding fails synthesis) that skips bundling and
 * the built-in CloudFormation validation, so a synthesis takes well under a second.
 */
export function createTestApp(context: Readonly<Record<string, unknown>> = {}): App {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** Every acknowledged validation rule under `scope`: rule id as cdk-nag reports it -> reason. */
export function acknowledgedRules(scope: IConstruct): Record<string, string> {
  const rules: Record<string, string> = {};
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          // aws-cdk-lib files a rule id without a namespace under "Annotation::"; cdk-nag matches it without.
          rules[id.replace(/^Annotation::/i, '')] = reason;
        }
      }
    }
  }
  return rules;
}

/** `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>` as CloudFormation renders it. */
export function renderedTrailArn(trailName: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':cloudtrail:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:trail/${trailName}`,
      ],
    ],
  };
}

/** `arn:<partition>:cloudtrail:*:<account>:trail/*`, every trail of the account, as CloudFormation renders it. */
export function renderedTrailArnPattern(): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:', { Ref: 'AWS::AccountId' }, ':trail/*'],
    ],
  };
}

/** `<bucket ARN>/<path>` as CloudFormation renders it for a bucket in the stack. */
export function renderedObjectArn(bucketLogicalId: string, ...path: unknown[]): unknown {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketLogicalId, 'Arn'] }, ...path]] };
}

/** Logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const resource = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!CfnElement.isCfnElement(resource)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  }
  return Stack.of(resource).resolve(resource.logicalId) as string;
}

/** The messages of the warnings added to `scope` itself (synthesis reports them; they do not fail it). */
export function warningsOf(scope: IConstruct): string[] {
  return scope.node.metadata
    .filter((entry) => entry.type === ArtifactMetadataEntryType.WARN)
    .map((entry) => String(entry.data));
}
