import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { TIER_RESOURCES } from '../catalogue/resources';
import { addFootprints, footprint, quotaHard, type Footprint } from '../blocks/quota';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface EnvironmentProps {
  readonly env: EnvironmentModel;
  /**
   * What workloads other than the services (data stores, jobs) may claim, per
   * namespace; counted into that namespace's ResourceQuota.
   * @default none
   */
  readonly extraFootprints?: readonly { readonly namespace: string; readonly footprint: Footprint }[];
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
 */
export class EnvironmentChart extends PlatformChart {
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

    // A canary's pods count on top of the stable track's (with the same rollout surge).
    const serviceFootprint = addFootprints(
      env.services.flatMap((s) => [footprint(Math.ceil(s.maxReplicas * 1.25), [s.resources]), ...(s.canary ? [footprint(Math.ceil(s.canary.replicas * 1.25), [s.resources])] : [])]),
    );
    const extra = props.extraFootprints ?? [];

    for (const namespace of env.namespaces) {
      const id = identity(namespace);
      new k8s.KubeNamespace(this, `ns-${namespace}`, {
        metadata: meta({ name: namespace, id, wave: WAVE.foundation, labels: { ...NAMESPACE_LABELS, 'platform.example.com/environment': env.name } }),
      });

      const owned = addFootprints([
        ...(namespace === env.namespace ? [serviceFootprint] : []),
        ...extra.filter((e) => e.namespace === namespace).map((e) => e.footprint),
      ]);
      new k8s.KubeResourceQuota(this, `quota-${namespace}`, {
        metadata: meta({ name: 'platform-quota', namespace, id, wave: WAVE.foundation }),
        spec: { hard: mapQuantities(quotaHard(owned)) },
      });

      const small = TIER_RESOURCES.small;
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
}

function mapQuantities(m: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}
