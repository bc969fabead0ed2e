import { dirname } from 'node:path';
import { parseSpecSource, problemAt, readSpecFile, SpecError } from './loader';
import type { Locate } from './problems';
import { resolvePlatform, type PlatformModel } from './model';
import { loadSealedSecrets } from './sealed-secrets';
import { loadExtraManifests } from './extra-manifests';

/**
 * A platform from its files: the spec (`platform.yaml`) and what is kept beside it (the
 * SealedSecrets in `secrets/<env>/`, each environment's `extraManifests` folder), resolved into the model. Every problem of every file in one
 * SpecError, each with its file position.
 */
export function loadPlatform(file: string): PlatformModel {
  const { spec, document, locate } = parseSpecSource(readSpecFile(file), file);
  const sealed = loadSealedSecrets(dirname(file), spec);
  const extra = loadExtraManifests(dirname(file), spec);
  const problems = [...[...sealed.specProblems, ...extra.specProblems].map((p) => problemAt(p.path, p.message, document, locate)), ...sealed.fileProblems, ...extra.problems];
  if (problems.length) throw new SpecError(file, problems);
  const patchNames = spec.patches.map((_, i) => problemAt(['patches', i], '', document, locate).replace(/: $/, ''));
  try {
    return resolvePlatform(spec, { sealedSecrets: sealed.byEnvironment, extraManifests: extra.byEnvironment, patchNames });
  } catch (e) {
    // Problems the model finds (a connection budget) name their path in words: give them their line too.
    if (e instanceof SpecError) throw new SpecError(file, relocate(e.problems, document, locate));
    throw e;
  }
}

/** `a.b.c: message` problems found after parsing, with the path's line and column added (as every spec problem has). */
function relocate(problems: readonly string[], document: unknown, locate: Locate): string[] {
  return problems.map((p) => {
    const m = /^([A-Za-z][\w-]*(?:\.[\w-]+)*): ([\s\S]*)$/.exec(p);
    return m ? problemAt(m[1]!.split('.'), m[2]!, document, locate) : p;
  });
}

/** Problems found against the spec after it was loaded (a data-format change), located in the spec file. */
export function locateProblems(file: string, problems: readonly string[]): string[] {
  const { document, locate } = parseSpecSource(readSpecFile(file), file);
  return relocate(problems, document, locate);
}
