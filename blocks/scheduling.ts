import type { EnvironmentModel } from '../platform/model';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

/**
 * Spread pods over the environment's zones (hard) and hosts (soft), and keep
 * them inside those zones. Nothing when the environment names fewer than two zones.
 */
export function zoneSpread(env: Pick<EnvironmentModel, 'zones'>, matchLabels: Record<string, string>) {
  if (env.zones.length < 2) return {};
  return {
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels } },
      { maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels } },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [...env.zones] }] }],
        },
      },
    },
  };
}

/**
 * For stateful peers: never two on one host, zone spread when zones are set.
 * `required` hosts anti-affinity needs at least as many nodes as replicas.
 */
export function statefulPlacement(env: Pick<EnvironmentModel, 'zones'>, matchLabels: Record<string, string>, replicas: number) {
  const spread = zoneSpread(env, matchLabels);
  const antiAffinity =
    replicas > 1
      ? {
          podAntiAffinity:
            env.zones.length >= 2
              ? { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOST, labelSelector: { matchLabels } }] }
              : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: HOST, labelSelector: { matchLabels } } }] },
        }
      : {};
  return {
    ...(spread.topologySpreadConstraints ? { topologySpreadConstraints: spread.topologySpreadConstraints } : {}),
    ...(spread.affinity || replicas > 1 ? { affinity: { ...spread.affinity, ...antiAffinity } } : {}),
  };
}
