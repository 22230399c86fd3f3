import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MlTrailStack } from '../lib/mltrail-stack';

const app = new App();
new MlTrailStack(app, 'MlTrail');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
