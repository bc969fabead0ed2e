/**
 * Generates policy/schemas/crds.json: the openAPIV3Schema (descriptions
 * removed) of each custom resource version the platform renders, taken from
 * the pinned upstream CRDs, so tests validate custom resources strictly
 * against exactly the versions cdk8s.yaml pins — without the CRD files.
 * With each kind it records the CRD's names and scope, so `npm run
 * test:cluster` can install these definitions on a real API server.
 *
 *   npm run crd-schema -- --from ../shared/crds
 *
 * Local files are checked against the upstream git blob ids of scripts/crd-sources.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stripDescriptions } from './strip-docs';
import { loadAll } from 'js-yaml';
import { CRD_SOURCES } from './crd-sources';

/** group/version → kinds validated strictly. (ApplicationSet's 340 kB schema is left to @kubernetes-models/argo-cd.) */
export const STRICT_CRD_KINDS: Record<string, readonly string[]> = {
  'networking.istio.io/v1': ['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry', 'Sidecar'],
  'networking.istio.io/v1alpha3': ['EnvoyFilter'],
  'security.istio.io/v1': ['PeerAuthentication', 'AuthorizationPolicy'],
  'telemetry.istio.io/v1': ['Telemetry'],
  'opentelemetry.io/v1beta1': ['OpenTelemetryCollector'],
  'opentelemetry.io/v1alpha1': ['Instrumentation'],
  'monitoring.coreos.com/v1': ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'],
  'keda.sh/v1alpha1': ['ScaledObject', 'TriggerAuthentication'],
  'cert-manager.io/v1': ['Certificate', 'Issuer', 'ClusterIssuer'],
  'bitnami.com/v1alpha1': ['SealedSecret'],
  'argoproj.io/v1alpha1': ['Application', 'AppProject'],
  'autoscaling.k8s.io/v1': ['VerticalPodAutoscaler'],
};

const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string', default: 'policy/schemas/crds.json' } } });
if (!values.from) {
  console.error('usage: npm run crd-schema -- --from <directory of the pinned CRD files>');
  process.exit(2);
}

const schemas: Record<string, unknown> = {};
const resources: Record<string, { plural: string; singular: string; listKind: string; scope: string; approved?: string }> = {};
for (const source of CRD_SOURCES) {
  const content = readFileSync(join(values.from, source.file));
  const blob = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
  if (blob !== source.blob) throw new Error(`${source.file} is not ${source.repo}@${source.tag}:${source.path}`);
  for (const doc of loadAll(content.toString('utf8')) as any[]) {
    if (doc?.kind !== 'CustomResourceDefinition') continue;
    for (const version of doc.spec.versions) {
      const gv = `${doc.spec.group}/${version.name}`;
      if (!STRICT_CRD_KINDS[gv]?.includes(doc.spec.names.kind)) continue;
      const { plural, singular, listKind, kind } = doc.spec.names;
      schemas[`${gv}/${kind}`] = stripDescriptions(version.schema.openAPIV3Schema);
      // A *.k8s.io group is protected: the API server admits its CRD only with the upstream approval annotation.
      const approved = doc.metadata?.annotations?.['api-approved.kubernetes.io'];
      resources[`${gv}/${kind}`] = { plural, singular: singular ?? kind.toLowerCase(), listKind: listKind ?? `${kind}List`, scope: doc.spec.scope, ...(approved ? { approved } : {}) };
    }
  }
}
const expected = Object.entries(STRICT_CRD_KINDS).flatMap(([gv, kinds]) => kinds.map((k) => `${gv}/${k}`));
const missing = expected.filter((k) => !schemas[k]);
if (missing.length) throw new Error(`not found in the CRDs: ${missing.join(', ')}`);
const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
const sortedResources = Object.fromEntries(Object.keys(resources).sort().map((k) => [k, resources[k]]));
writeFileSync(values.out!, `${JSON.stringify({ source: 'openAPIV3Schema, names and scope of the pinned upstream CRDs (scripts/crd-sources.ts), descriptions removed', resources: sortedResources, schemas: sorted })}\n`);
console.log(`wrote ${values.out}: ${Object.keys(sorted).length} schemas`);
