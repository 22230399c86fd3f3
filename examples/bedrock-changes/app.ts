/**
 * The example's CDK usage: the pipeline, and the consumer subscribed to new Bedrock changes and
 * to Bedrock expiries. `npx cdk synth --app 'node --import tsx examples/bedrock-changes/app.ts'`.
 */
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { MlTrailPipeline } from '../../lib/mltrail-pipeline';

/** A stack with the pipeline and the example consumer. */
export class BedrockChangesStack extends Stack {
  readonly pipeline: MlTrailPipeline;
  readonly consumer: NodejsFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.pipeline = new MlTrailPipeline(this, 'Pipeline');
    this.consumer = new NodejsFunction(this, 'BedrockChanges', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      runtime: Runtime.NODEJS_22_X,
    });
    this.pipeline.addStreamConsumer(this.consumer, {
      match: [
        { changes: ['INSERT'], item: { service: ['bedrock'], readOnly: false } },
        { changes: ['REMOVE'], item: { service: ['bedrock'] } },
      ],
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  new BedrockChangesStack(app, 'MlTrailBedrockChanges');
  app.synth();
}
