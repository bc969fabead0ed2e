import { ApiObject, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../blocks/kube-object';
import { PlatformChart } from '../charts/platform-chart';

export interface RestoredChartProps {
  /** Output file, relative to the output directory. */
  readonly file: string;
  /** The chart's objects as they were rendered, in order. */
  readonly objects: readonly KubeObject[];
}

/**
 * A chart put back from the chart cache (render/chart-cache.ts): the objects a chart rendered from the
 * same input, each rendering to exactly its stored JSON. It stands where the chart stood in the App, so
 * the policy gate, the quotas, the inventory and the summary see its objects as they saw the chart's.
 */
export class RestoredChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: RestoredChartProps) {
    super(scope, id, { file: props.file });
    addRestoredObjects(this, props.objects);
  }
}

/** Puts `objects` back under `scope` (a RestoredChart, or a chart being built where a group stood), each rendering to exactly its JSON; ids `<prefix>o<n>`. */
export function addRestoredObjects(scope: Construct, objects: readonly KubeObject[], prefix = ''): void {
  objects.forEach((o, i) => new RestoredObject(scope, `${prefix}o${i}`, o));
}

/** One object of a RestoredChart: its identity for the tree's readers, its stored JSON for `toJson`. */
class RestoredObject extends ApiObject {
  constructor(
    scope: Construct,
    id: string,
    private readonly json: KubeObject,
  ) {
    super(scope, id, { apiVersion: json.apiVersion, kind: json.kind, metadata: { name: json.metadata.name, namespace: json.metadata.namespace } });
  }

  override toJson(): KubeObject {
    return this.json;
  }

  /** Never happens: the cache keeps no chart a patch changed, and keys every chart by the environment's patches. */
  override addJsonPatch(...ops: JsonPatch[]): void {
    throw new Error(`a patch (${ops.length} operations) matched ${this.kind} ${this.name} of a chart restored from the chart cache: the cache keeps no patched chart. Run again with --no-cache and report it.`);
  }
}
