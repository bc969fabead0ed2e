// Entry point of `npm run check`: the policy gate and strict schemas on any YAML (cli/check.ts).
import { runCheck } from './check';

process.exitCode = runCheck(process.argv.slice(2));
