/**
 * Generates policy/schemas/kubernetes-<minor>.json: the OpenAPI definitions of
 * the kinds the platform renders (and everything they reference) for the
 * oldest Kubernetes release the project supports (1.30), without
 * descriptions, so tests validate rendered objects strictly (unknown fields
 * included) without the upstream file.
 *
 *   npm run k8s-schema -- --kubernetes v1.30.14          # from the Go module proxy
 *   npm run k8s-schema -- --from FILE --version 1.28.0   # a swagger.json or a cdk8s _definitions.json
 *
 * With --kubernetes the input is Kubernetes' own api/openapi-spec/swagger.json
 * of that release, from the k8s.io/kubernetes module (`go mod download`).
 * IntOrString and Quantity are written as cdk8s's schemas write them (string
 * or number), the form the tests were built on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  'io.k8s.api.rbac.v1.ClusterRole',
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy',
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding',
];

const { values } = parseArgs({ options: { from: { type: 'string' }, kubernetes: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' } } });
if (!values.from === !values.kubernetes) {
  console.error('usage: npm run k8s-schema -- --kubernetes v1.30.14 | --from <swagger.json or _definitions.json> --version <x.y.z>');
  process.exit(2);
}
let from = values.from;
let version = values.version;
if (values.kubernetes) {
  const mod = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${values.kubernetes}`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  if (mod.Error) throw new Error(`go mod download k8s.io/kubernetes@${values.kubernetes}: ${mod.Error}`);
  from = join(mod.Dir, 'api', 'openapi-spec', 'swagger.json');
  version = values.kubernetes.replace(/^v/, '');
}
if (!version) throw new Error('--version is required with --from');
const minor = version.split('.').slice(0, 2).join('.');
const out = values.out ?? `policy/schemas/kubernetes-${minor}.json`;
const all = (JSON.parse(readFileSync(from!, 'utf8')) as { definitions: Record<string, any> }).definitions;
// As cdk8s's schemas write them (Kubernetes' own spec says `type: string` with a format).
all['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
all['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
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
const source = values.kubernetes ? `k8s.io/kubernetes@${values.kubernetes} api/openapi-spec/swagger.json` : from;
writeFileSync(out, `${JSON.stringify({ source: `Kubernetes ${version} OpenAPI definitions (${source}), descriptions removed, only the kinds the platform renders`, definitions: sorted })}\n`);
console.log(`wrote ${out}: ${Object.keys(sorted).length} definitions`);
