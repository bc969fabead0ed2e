import { dirname } from 'node:path';
import { parseSpecSource, problemAt, readSpecFile, SpecError } from './loader';
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
  return resolvePlatform(spec, { sealedSecrets: sealed.byEnvironment, extraManifests: extra.byEnvironment, patchNames });
}
