// Entry point of `npm run diff`: object-level manifest diff with risk flags (diff/command.ts).
import { runDiff } from '../diff/command';

process.exitCode = runDiff(process.argv.slice(2));
