// Entry point of `npm run diff`: object-level manifest diff with risk flags (lib/diff/command.ts).
import { runDiff } from '../lib/diff/command';

process.exitCode = runDiff(process.argv.slice(2));
