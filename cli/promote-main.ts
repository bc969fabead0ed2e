// Entry point of `npm run promote`: an image from one environment to the next, edited into platform.yaml (cli/promote.ts).
import { runPromote } from './promote';

process.exitCode = runPromote(process.argv.slice(2));
