// Entry point of `cdk8s synth` (cdk8s.yaml) and `npm run synth`.
import { synth } from './cli/synth';

process.exitCode = synth();
