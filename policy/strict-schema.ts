import Ajv, { type ValidateFunction } from 'ajv';
import k8sSchema from './schemas/kubernetes-1.30.json';
import crdSchemas from './schemas/crds.json';
import type { KubeObject } from '../blocks/kube-object';

/**
 * Strict validation of rendered objects:
 * - Kubernetes' own kinds against the OpenAPI definitions of Kubernetes 1.30,
 *   the oldest release the project supports (policy/schemas/kubernetes-1.30.json,
 *   `npm run k8s-schema`);
 * - custom resources against the openAPIV3Schema of exactly the CRD versions
 *   the project pins (policy/schemas/crds.json, `npm run crd-schema`).
 * Types, required fields, enums, and no field the schema does not know (the
 * API server rejects unknown fields under strict field validation, kubectl's
 * default). Returns null for a kind neither covers.
 */
function closeObjects(node: any): any {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: any = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v)]),
  );
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

/** CRD patterns are Go regular expressions; the construct JavaScript lacks is the `(?i)` flag group. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goRegExp' },
);
/** Validators by `apiVersion/kind`, built on first use (the definitions are walked once, each kind compiled when first met). */
let refs: Map<string, () => ValidateFunction> | undefined;
function validators(): Map<string, () => ValidateFunction> {
  if (refs) return refs;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
  const definitions = closeObjects((k8sSchema as { definitions: Record<string, any> }).definitions);
  ajv.addSchema({ $id: 'k8s', definitions });
  const out = new Map<string, () => ValidateFunction>();
  const lazy = (make: () => ValidateFunction) => {
    let v: ValidateFunction | undefined;
    return () => (v ??= make());
  };
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of ((def as any)['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
      out.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, lazy(() => ajv.compile({ $ref: `k8s#/definitions/${name}` })));
    }
  }
  /** Every object's metadata is an ObjectMeta, whatever its CRD says (CRD schemas leave it open). */
  const objectMeta = { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
  for (const [gvk, schema] of Object.entries((crdSchemas as { schemas: Record<string, any> }).schemas)) {
    const closed = closeObjects(schema);
    closed.properties = { ...closed.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: objectMeta };
    out.set(gvk, lazy(() => ajv.compile(closed)));
  }
  return (refs = out);
}

/** Whether a strict schema covers this kind (without validating anything). */
export function hasStrictSchema(apiVersion: string, kind: string): boolean {
  return validators().has(`${apiVersion}/${kind}`);
}

/** Problems of `obj` against its strict schema, or null when no strict schema covers its kind. */
export function strictSchemaErrors(obj: KubeObject): string[] | null {
  const validate = validators().get(`${obj.apiVersion}/${obj.kind}`)?.();
  if (!validate) return null;
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
}

/** Kept for readability where only Kubernetes' own kinds are meant. */
export const k8sErrors = strictSchemaErrors;

/** True when the group belongs to Kubernetes itself (its objects must be covered by the 1.30 definitions). */
export function isBuiltInGroup(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return group === '' || group.endsWith('.k8s.io') || ['apps', 'batch', 'autoscaling', 'policy'].includes(group);
}
