import { buildPlatformApp } from '../charts';
import { enforcePolicies } from '../policy/gate';
import type { PlatformModel } from '../platform/model';
import { serializeCharts, synthCharts } from './synth';
import type { RenderedChart } from '../blocks/kube-object';
import { kustomizationFiles } from './kustomization';

export interface RenderResult {
  readonly charts: readonly RenderedChart[];
  /** Output path (relative to the output directory) → file content. */
  readonly files: ReadonlyMap<string, string>;
}

/** model → charts → policy gate → file contents. Pure: reads and writes nothing. */
export function renderPlatform(model: PlatformModel): RenderResult {
  const charts = synthCharts(buildPlatformApp(model));
  enforcePolicies(charts);
  const files = serializeCharts(charts);
  // Each environment directory also gets a kustomization.yaml listing its files.
  for (const [path, text] of kustomizationFiles(model.environments.map((e) => e.name), files.keys())) files.set(path, text);
  return { charts, files };
}
