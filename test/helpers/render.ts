import { parseSpec } from '../../platform/loader';
import { resolvePlatform, type PlatformModel } from '../../platform/model';
import type { PlatformSpecInput } from '../../platform/schema';
import { renderPlatform, type RenderResult } from '../../render/pipeline';
import type { KubeObject } from '../../blocks/kube-object';

export interface Rendered extends RenderResult {
  readonly model: PlatformModel;
  readonly objects: readonly KubeObject[];
  /** Objects of one kind (optionally in one environment's files). */
  find(kind: string, opts?: { env?: string; name?: string; namespace?: string }): KubeObject[];
  /** Exactly one object; throws otherwise. */
  get(kind: string, name: string, opts?: { env?: string; namespace?: string }): KubeObject;
}

export function render(spec: PlatformSpecInput): Rendered {
  const model = resolvePlatform(parseSpec(spec, 'fixture'));
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
