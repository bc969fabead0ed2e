import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PlatformSpec } from './schema';
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
  const peers = loadPeers(file, spec, (path, message) => problemAt(path, message, document, locate));
  if (peers.problems.length) throw new SpecError(file, peers.problems);
  const patchNames = spec.patches.map((_, i) => problemAt(['patches', i], '', document, locate).replace(/: $/, ''));
  try {
    return resolvePlatform(spec, { sealedSecrets: sealed.byEnvironment, extraManifests: extra.byEnvironment, patchNames, peers: peers.models });
  } catch (e) {
    // Problems the model finds (a connection budget) name their path in words: give them their line too.
    if (e instanceof SpecError) throw new SpecError(file, relocate(e.problems, document, locate));
    throw e;
  }
}

/**
 * The models of the spec's `peers`, each read from its spec file (relative to this one) and resolved on
 * its own: what this spec's calls across specs are granted against. A peer's own peers are not read.
 */
function loadPeers(file: string, spec: PlatformSpec, at: (path: (string | number)[], message: string) => string): { models: Map<string, PlatformModel>; problems: string[] } {
  const models = new Map<string, PlatformModel>();
  const problems: string[] = [];
  spec.peers.forEach((p, i) => {
    const path = resolve(dirname(file), p.spec);
    if (!existsSync(path)) {
      problems.push(at(['peers', i, 'spec'], `no spec at ${p.spec} (${path})`));
      return;
    }
    try {
      const peer = parseSpecSource(readSpecFile(path), path).spec;
      if (peer.name !== p.name) problems.push(at(['peers', i, 'name'], `${p.spec} is the spec of '${peer.name}', not '${p.name}'`));
      else models.set(p.name, resolvePlatform(peer, { peers: 'unresolved' }));
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      problems.push(at(['peers', i, 'spec'], `${p.spec} is not a valid platform spec (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}; npm run synth there lists them): ${e.problems[0]}`));
    }
  });
  return { models, problems };
}

/** `a.b.c: message` problems found after parsing, with the path's line and column added (as every spec problem has). */
function relocate(problems: readonly string[], document: unknown, locate: Locate): string[] {
  return problems.map((p) => {
    const m = /^([A-Za-z][\w-]*(?:\.[\w-]+)*): ([\s\S]*)$/.exec(p);
    return m ? problemAt(m[1]!.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), m[2]!, document, locate) : p;
  });
}

/** Problems found against the spec after it was loaded (a data-format change), located in the spec file. */
export function locateProblems(file: string, problems: readonly string[]): string[] {
  const { document, locate } = parseSpecSource(readSpecFile(file), file);
  return relocate(problems, document, locate);
}
