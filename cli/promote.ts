import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseSpecText, SpecError } from '../platform/loader';
import { deleteIn, setIn } from './spec-edit';
import { suggestion } from '../platform/problems';
import type { PlatformSpec } from '../platform/schema';

/**
 * `npm run promote -- <service> <from-env> <to-env>`: the image `from-env` runs goes to `to-env`,
 * edited into the spec with its comments and layout kept (the `yaml` package's document API).
 *
 * An image that differs from the service's `image` lives in `services[].environments.<env>.image`;
 * once every environment runs the same image it is folded back into `image` and the overrides go,
 * so a finished promotion leaves the file as if the image had been bumped in one place.
 */

export interface PromoteResult {
  /** What changed, one line per environment; empty when `to` already runs that image. */
  readonly changes: string[];
  /** The new text of the spec (the same text when nothing changed). */
  readonly text: string;
}

export class PromoteError extends Error {}

const USAGE = 'usage: npm run promote -- <service> <from-env> <to-env> [--spec platform.yaml] [--dry-run]';

/** The promotion applied to a spec's text; throws PromoteError (or SpecError for an invalid spec) and never returns an invalid spec. */
export function promote(text: string, source: string, service: string, from: string, to: string): PromoteResult {
  const spec = parseSpecText(text, source);
  const envNames = Object.keys(spec.environments);
  const index = spec.services.findIndex((s) => s.name === service);
  if (index < 0) throw new PromoteError(`no service '${service}' in ${source}${suggestion(service, spec.services.map((s) => s.name))}`);
  for (const env of [from, to]) {
    if (!spec.environments[env]) throw new PromoteError(`no environment '${env}' in ${source}${suggestion(env, envNames)} (environments: ${envNames.join(', ')})`);
  }
  if (from === to) throw new PromoteError(`promote from one environment to another (got ${from} twice)`);
  const s = spec.services[index]!;
  if (s.blueGreen) {
    throw new PromoteError(
      `${service} is released blue-green: set environments.${to}.blueGreen.<idle colour> to the image ${from} runs, check it at ${service}-preview, then switch environments.${to}.blueGreen.active`,
    );
  }
  const imageIn = (sp: PlatformSpec['services'][number], env: string) => (sp.environments[env]?.image ?? sp.image)!;
  const image = imageIn(s, from);
  if (imageIn(s, to) === image) return { changes: [], text };

  const svc = ['services', index] as const;
  const before = imageIn(s, to);
  let out = image === s.image ? deleteIn(text, [...svc, 'environments', to, 'image'], 2) : setIn(text, [...svc, 'environments', to, 'image'], image);
  const changes = [`${service}: ${to} ${before} → ${image} (as in ${from})`];
  // Every environment on one image: it becomes the service's image, the overrides go.
  const after = envNames.map((e) => (e === to ? image : imageIn(s, e)));
  if (after.every((i) => i === image) && image !== s.image) {
    out = setIn(out, [...svc, 'image'], image);
    for (const e of envNames) out = deleteIn(out, [...svc, 'environments', e, 'image'], 2);
    changes.push(`${service}: every environment runs ${image}: it is now services[${service}].image, the per-environment images are removed`);
  }
  parseSpecText(out, source); // what is written is a valid spec
  return { changes, text: out };
}

/** The command: reads, promotes, writes atomically. Returns the exit code. */
export function runPromote(argv: string[], io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { spec: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  } catch (e) {
    io.err(`promote: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${USAGE}\n\nSets <to-env>'s image of <service> to the one <from-env> runs, in the spec (comments and layout kept).\nReview with npm run synth && npm run diff, then commit.\n`);
    return 0;
  }
  if (parsed.positionals.length !== 3) {
    io.err(`promote: expected <service> <from-env> <to-env>, got ${parsed.positionals.length} argument(s)\n${USAGE}\n`);
    return 2;
  }
  const [service, from, to] = parsed.positionals as [string, string, string];
  const file = parsed.values.spec ?? process.env.PLATFORM_SPEC ?? 'platform.yaml';
  try {
    const text = readFileSync(file, 'utf8');
    const result = promote(text, file, service, from, to);
    if (result.changes.length === 0) {
      io.out(`promote: ${service} already runs the same image in ${to} as in ${from}; ${file} unchanged\n`);
      return 0;
    }
    for (const c of result.changes) io.out(`promote: ${c}\n`);
    if (parsed.values['dry-run']) {
      io.out(`promote: --dry-run, ${file} unchanged\n`);
      return 0;
    }
    const tmp = `${file}.promote-${process.pid}`;
    writeFileSync(tmp, result.text);
    renameSync(tmp, file);
    io.out(`promote: ${file} updated; review with npm run synth && npm run diff, then commit\n`);
    return 0;
  } catch (e) {
    if (e instanceof PromoteError || e instanceof SpecError) io.err(`promote: ${e.message}\n`);
    else io.err(`promote: ${(e as Error).message}\n`);
    return 1;
  }
}
