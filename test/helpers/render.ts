import { parseSpec } from '../../platform/loader';
import { resolvePlatform, type PlatformModel } from '../../platform/model';
import type { PlatformSpecInput } from '../../platform/schema';
import { renderPlatform, type RenderResult } from '../../render/pipeline';
import type { KubeObject } from '../../blocks/kube-object';
import { canaryPlatform, smallPlatform } from './fixtures';

export interface Rendered extends RenderResult {
  readonly model: PlatformModel;
  readonly objects: readonly KubeObject[];
  /** Objects of one kind (optionally in one environment's files). */
  find(kind: string, opts?: { env?: string; name?: string; namespace?: string }): KubeObject[];
  /** Exactly one object; throws otherwise. */
  get(kind: string, name: string, opts?: { env?: string; namespace?: string }): KubeObject;
}

/**
 * The fixtures most test files render unchanged (smallPlatform, canaryPlatform): their output is rendered once per
 * test worker (test files share a worker's modules) and frozen, so a test that changes what it was given fails
 * where it does instead of changing another file's platform. The model is resolved afresh for each caller: it
 * holds the catalogue's shared defaults, which must stay as their modules left them.
 */
const shared = new Map<string, Omit<Rendered, 'model'> | undefined>([JSON.stringify(smallPlatform()), JSON.stringify(canaryPlatform())].map((k) => [k, undefined]));

/** Freezes every object and array under `x` (the render's JSON); a Map's entries cannot be frozen, its `set`, `delete` and `clear` throw. */
function freeze<T>(x: T): T {
  if (x instanceof Map) {
    for (const v of x.values()) freeze(v);
    for (const m of ['set', 'delete', 'clear'] as const) Object.defineProperty(x, m, { value: () => { throw new TypeError(`a shared render (test/helpers/render.ts) is read-only: ${m} on a Map`); } });
  } else if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) freeze(v);
  }
  return x;
}

export function render(spec: PlatformSpecInput): Rendered {
  const key = JSON.stringify(spec);
  if (!shared.has(key)) return renderAfresh(spec);
  let output = shared.get(key);
  if (!output) {
    const { model: _, ...rest } = renderAfresh(spec);
    for (const part of [rest.charts, rest.files, rest.objects]) freeze(part);
    shared.set(key, (output = rest));
  }
  return { ...output, model: modelOf(spec) };
}

const modelOf = (spec: PlatformSpecInput) => resolvePlatform(parseSpec(spec, 'fixture'));

function renderAfresh(spec: PlatformSpecInput): Rendered {
  const model = modelOf(spec);
  const result = renderPlatform(model);
  const withEnv = result.charts.flatMap((c) => c.objects.map((o) => ({ env: c.file.split('/')[0]!, o })));
  const find: Rendered['find'] = (kind, opts = {}) =>
    withEnv
      .filter(({ env, o }) => o.kind === kind && (!opts.env || env === opts.env) && (!opts.name || o.metadata.name === opts.name) && (!opts.namespace || o.metadata.namespace === opts.namespace))
      .map(({ o }) => o);
  return {
    ...result,
    model,
    objects: withEnv.map(({ o }) => o),
    find,
    get(kind, name, opts = {}) {
      const found = find(kind, { ...opts, name });
      if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** What `f` throws; fails the test when it returns. */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}
