import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MlTrailStack } from '../lib/mltrail-stack';
import { PipelinePropsError } from '../lib/pipeline-props-validation';

const app = new App();
try {
  new MlTrailStack(app, 'MlTrail');
} catch (error) {
  // A setting the stack cannot use is the operator's to fix: one line naming it, no stack trace.
  if (!(error instanceof PipelinePropsError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
