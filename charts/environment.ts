import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { TIER_RESOURCES } from '../catalogue/resources';
import { CONTAINER_DEFAULTS, quotaHard } from '../blocks/quota';
import { rendered } from '../blocks/render-pass';
import { COUNTED_KINDS, namespaceFootprint, namespaceSecrets } from '../blocks/footprint';
import type { KubeObject } from '../blocks/kube-object';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface EnvironmentProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Pod Security Admission and mesh labels every platform namespace carries. */
export const NAMESPACE_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'v1.28',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'istio-injection': 'enabled',
} as const;

/**
 * The ground an environment stands on: its Namespace(s) with Pod Security
 * Admission `restricted` and sidecar injection, a ResourceQuota sized from what
 * the workloads can claim at their largest, a LimitRange, and a default-deny
 * NetworkPolicy that every workload's own policy opens up from.
 *
 * The quota is computed when the app renders, from the pod specs of every
 * chart in the app whose file is in this environment (`<env>/…`) — the
 * platform's and any you add — so it can never disagree with them
 * (blocks/footprint.ts).
 */
export class EnvironmentChart extends PlatformChart {
  /** The environment's namespaces, services' first. */
  readonly namespaces: readonly string[];
  /** The ResourceQuota of each namespace, by namespace. */
  readonly quotas: ReadonlyMap<string, k8s.KubeResourceQuota>;

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/base/environment.yaml` });

    const identity = (namespace: string): Identity => ({
      name: env.platform,
      instance: namespace,
      component: 'namespace',
      partOf: env.platform,
      version: env.version,
    });

    const quotas = new Map<string, k8s.KubeResourceQuota>();
    this.namespaces = env.namespaces;
    this.quotas = quotas;
    for (const namespace of env.namespaces) {
      const id = identity(namespace);
      new k8s.KubeNamespace(this, `ns-${namespace}`, {
        metadata: meta({ name: namespace, id, wave: WAVE.foundation, labels: { ...NAMESPACE_LABELS, 'platform.example.com/environment': env.name } }),
      });

      quotas.set(
        namespace,
        new k8s.KubeResourceQuota(this, `quota-${namespace}`, {
          metadata: meta({ name: 'platform-quota', namespace, id, wave: WAVE.foundation }),
          spec: {
            hard: Lazy.any({
              produce: () => {
                const objects = this.renderedWorkloads();
                return mapQuantities(quotaHard(namespaceFootprint(objects, namespace), namespaceSecrets(objects, namespace)));
              },
            }) as unknown as Record<string, k8s.Quantity>,
          },
        }),
      );

      const small = CONTAINER_DEFAULTS;
      const xlarge = TIER_RESOURCES.xlarge;
      new k8s.KubeLimitRange(this, `limits-${namespace}`, {
        metadata: meta({ name: 'platform-limits', namespace, id, wave: WAVE.foundation }),
        spec: {
          limits: [
            {
              type: 'Container',
              default: mapQuantities(small.limits),
              defaultRequest: mapQuantities(small.requests),
              max: mapQuantities(xlarge.limits),
              min: mapQuantities({ cpu: '10m', memory: '16Mi' }),
            },
          ],
        },
      });

      new k8s.KubeNetworkPolicy(this, `deny-${namespace}`, {
        metadata: meta({ name: 'default-deny-all', namespace, id, wave: WAVE.foundation }),
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
    }
  }

  /**
   * The objects that decide the quota, rendered: workloads and autoscalers of
   * every chart in this environment's files (once per render pass, shared
   * with the policy gate: blocks/render-pass.ts).
   */
  private renderedWorkloads(): KubeObject[] {
    const envName = this.file.split('/')[0]!;
    return this.node.root.node
      .findAll()
      .filter((n): n is ApiObject => ApiObject.isApiObject(n) && COUNTED_KINDS.has(n.kind))
      .filter((o) => {
        const chart = Chart.of(o);
        return PlatformChart.isPlatformChart(chart) && chart.file.startsWith(`${envName}/`);
      })
      .map(rendered);
  }
}

function mapQuantities(m: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}
