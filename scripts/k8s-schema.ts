/**
 * Generates test/schemas/kubernetes-1.28.json: the Kubernetes 1.28 OpenAPI
 * definitions of the kinds the platform renders (and everything they
 * reference), without descriptions, so tests can validate rendered objects
 * strictly (unknown fields included) without the upstream file.
 *
 *   npm run k8s-schema -- --from ../shared/schemas/kubernetes-v1.28.0-definitions.json
 *
 * The input is what `cdk8s import k8s@1.28.0` downloads (cdk8s-team/cdk8s,
 * kubernetes-schemas/v1.28.0/_definitions.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stripDescriptions } from './strip-docs';

/** Group/version/kind of every built-in kind the project renders. */
export const RENDERED_KINDS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ResourceQuota',
  'io.k8s.api.core.v1.LimitRange',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.PersistentVolumeClaim',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.networking.k8s.io.v1.NetworkPolicy',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.RoleBinding',
];

const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string', default: 'test/schemas/kubernetes-1.28.json' } } });
if (!values.from) {
  console.error('usage: npm run k8s-schema -- --from <kubernetes-v1.28.0 _definitions.json>');
  process.exit(2);
}
const all = (JSON.parse(readFileSync(values.from, 'utf8')) as { definitions: Record<string, any> }).definitions;
const keep: Record<string, unknown> = {};
const visit = (name: string) => {
  if (keep[name] || !all[name]) return;
  keep[name] = stripDescriptions(all[name]);
  JSON.stringify(all[name]).replace(/"\$ref":"#\/definitions\/([^"]+)"/g, (_m, ref: string) => {
    visit(ref);
    return '';
  });
};
for (const k of RENDERED_KINDS) visit(k);
const sorted = Object.fromEntries(Object.keys(keep).sort().map((k) => [k, keep[k]]));
writeFileSync(values.out!, `${JSON.stringify({ source: 'Kubernetes v1.28.0 OpenAPI definitions (cdk8s-team/cdk8s kubernetes-schemas/v1.28.0/_definitions.json), descriptions removed, only the kinds the platform renders', definitions: sorted })}\n`);
console.log(`wrote ${values.out}: ${Object.keys(sorted).length} definitions`);
