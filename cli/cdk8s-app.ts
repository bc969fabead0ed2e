// Entry point of `cdk8s synth` (cdk8s.yaml's `app`); `npm run synth` runs main.ts.
//
// The cdk8s CLI deletes its output directory before it runs the app, and for
// `--stdout` it pipes every file it finds there to stdout at once (no `---`
// between files, large files interleaved). So the CLI's directory is a scratch
// one (`output: .cdk8s.out` in cdk8s.yaml) and this app:
// - under `cdk8s synth`: writes dist/ itself exactly as `npm run synth` does
//   (same checks, same bytes, atomically: a bad spec leaves dist/ as it was),
//   and leaves the objects as one multi-document file in the scratch directory;
// - under `cdk8s synth --stdout` (or `-o DIR`): renders with the same checks
//   and writes only that one file where the CLI asked, so stdout is one valid
//   YAML stream; dist/ is not touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_OUTDIR, DEFAULT_SPEC, renderChecked, reportFailure, synth } from './synth';

/** cdk8s.yaml's `output`: the directory the cdk8s CLI deletes and fills. */
export const CDK8S_SCRATCH = '.cdk8s.out';
/** The one file the cdk8s CLI finds: every object of dist/ (kustomizations aside), in dist/'s file order. */
export const STREAM_FILE = 'platform.k8s.yaml';

/** Every Kubernetes object of the tree as one YAML stream (`kubectl apply -f -`); kustomization.yaml files only list files. */
export function objectStream(files: ReadonlyMap<string, string>): string {
  return [...files]
    .filter(([path]) => !/(^|\/)kustomization\.yaml$/.test(path))
    .map(([, text]) => (text.endsWith('\n') ? text : `${text}\n`))
    .join('---\n');
}

function main(): number {
  const cliOut = process.env.CDK8S_OUTDIR;
  if (!cliOut) {
    console.error('cli/cdk8s-app.ts is run by `cdk8s synth` (it sets CDK8S_OUTDIR); run `npm run synth` instead.');
    return 2;
  }
  const spec = process.env.PLATFORM_SPEC ?? DEFAULT_SPEC;
  const stream = (files: ReadonlyMap<string, string>) => {
    mkdirSync(cliOut, { recursive: true });
    writeFileSync(join(cliOut, STREAM_FILE), objectStream(files));
  };
  if (resolve(cliOut) === resolve(CDK8S_SCRATCH)) return synth({ spec, outdir: DEFAULT_OUTDIR, onWritten: stream });
  try {
    stream(renderChecked(spec, DEFAULT_OUTDIR).files);
    return 0;
  } catch (e) {
    reportFailure(e, DEFAULT_OUTDIR);
    return 1;
  }
}

process.exitCode = main();
