import { expect } from 'vitest';
import { Manifests } from './manifests';

/**
 * The connections a store's clients can hold at once, from the rendered
 * services of `env` (never from the spec): for every service whose ConfigMap
 * sets `poolKey` (POSTGRES_POOL_MAX, MYSQL_POOL_MAX), that pool times the most
 * pods it can run — each of its Deployments (stable, canary, blue-green
 * colours; the one its HPA or ScaledObject scales at its maximum) plus the
 * rendered maxSurge, and one pod per scheduled task (concurrencyPolicy Forbid).
 */
export function clientConnectionBudget(dist: string, env: string, poolKey: string): number {
  const svc = Manifests.dataLayer(dist, env, 'services', 'autoscaling');
  // The most pods of a Deployment during a rollout: replicas plus its rendered maxSurge (a percentage, rounded up).
  const withSurge = (d: any, replicas: number) => replicas + Math.ceil((replicas * parseInt(d.spec.strategy.rollingUpdate.maxSurge, 10)) / 100);
  let budget = 0;
  for (const cm of svc.all('ConfigMap').filter((c) => c.data?.[poolKey])) {
    const pool = Number(cm.data[poolKey]);
    const name = cm.metadata.labels!['app.kubernetes.io/name'];
    const hpa = svc.all('HorizontalPodAutoscaler').find((h) => h.metadata.name === name);
    const keda = svc.all('ScaledObject').find((h) => h.metadata.name === name);
    const scaled = keda?.spec.scaleTargetRef.name ?? hpa?.spec.scaleTargetRef.name;
    const max = keda?.spec.maxReplicaCount ?? hpa?.spec.maxReplicas;
    const tracks = svc.all('Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/name'] === name);
    expect(tracks.length, name).toBeGreaterThan(0);
    for (const d of tracks) budget += pool * withSurge(d, d.metadata.name === scaled ? max : d.spec.replicas);
    // Its scheduled tasks: one pod each at a time (concurrencyPolicy Forbid), with the same configuration.
    const crons = svc.all('CronJob').filter((c) => c.spec.jobTemplate.spec.template.spec.containers[0].envFrom?.some((e: any) => e.configMapRef?.name === cm.metadata.name));
    expect(crons.every((c) => c.spec.concurrencyPolicy === 'Forbid')).toBe(true);
    budget += pool * crons.length;
  }
  return budget;
}
