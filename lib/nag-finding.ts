import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The finding id cdk-nag's `AwsSolutions-IAM5` reports for a wildcard resource, such as
 * `AwsSolutions-IAM5[Resource::<LogBucketABC123.Arn>/AWSLogs/*]`: the resolved value with
 * `Fn::Join` joined, `Fn::GetAtt` as `<Id.Attr>` and `Ref` as `<Id>`, as cdk-nag flattens it.
 */
export function wildcardResourceFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

function flatten(node: unknown): string {
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  if (typeof node === 'object' && node !== null) {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (intrinsic.Ref !== undefined) {
      return `<${flatten(intrinsic.Ref)}>`;
    }
  }
  return JSON.stringify(node);
}
