import { cpSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editObject, loadTree } from './tree';
import type { AccessExpectation } from './access';

/**
 * The bad twin of an environment run: a copy of a rendered tree with faults
 * planted that only a real control plane sees, each with what the run must
 * report (the object and the reason). `npm run test:cluster` runs it after the
 * environments and fails unless every planted fault is reported.
 */
export interface PlantedFault {
  readonly what: string;
  /** The run's problems must contain one matching this. */
  readonly expect: RegExp;
}

const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);

/**
 * Copies `source` (a rendered environment, e.g. dist/dev) to `dest` and plants
 * faults in its services, in waves up to the services' so one run sees them all:
 * - a container running as root (Pod Security `restricted` rejects its pods);
 * - a spread no node can satisfy (a required zone spread over a topology key no node has);
 * - pods at the LimitRange's maximum, more of them than the namespace's ResourceQuota holds;
 * - a DestinationRule whose `stable` subset selects no pod (istioctl analyze, on the API server's content);
 * - with `access`: one team's binding widened to admin, and another team's binding removed (kubectl auth can-i).
 */
export function plantFaults(source: string, dest: string, services: readonly [string, string, string, string], access?: AccessExpectation): PlantedFault[] {
  cpSync(source, dest, { recursive: true });
  const [rootSvc, spreadSvc, quotaSvc, meshSvc] = services;
  editObject(dest, 'Deployment', rootSvc, (d) => {
    const c = d.spec.template.spec.containers[0];
    c.securityContext = { ...c.securityContext, runAsNonRoot: false, runAsUser: 0 };
  });
  editObject(dest, 'Deployment', spreadSvc, (d) => {
    const spec = d.spec.template.spec;
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'example.com/rack', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: d.spec.selector.matchLabels } }];
    spec.nodeSelector = { ...(spec.nodeSelector ?? {}), 'example.com/rack': 'r1' };
  });
  // Containers at the LimitRange's per-container maximum, as many as it takes to pass the namespace's CPU quota:
  // refused by the quota whatever else runs, and never by the LimitRange.
  const tree = loadTree(dest).map((t) => t.obj);
  editObject(dest, 'Deployment', quotaSvc, (d) => {
    const ns = d.metadata.namespace;
    const max = tree.find((o) => o.kind === 'LimitRange' && o.metadata.namespace === ns)?.spec.limits.find((l: any) => l.type === 'Container')?.max;
    const quota = tree.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === ns)?.spec.hard;
    if (!max?.cpu || !quota?.['requests.cpu']) throw new Error(`planted faults: ${ns} has no CPU quota or LimitRange maximum`);
    d.spec.replicas = Math.floor(milli(quota['requests.cpu']) / milli(max.cpu)) + 1;
    d.spec.template.spec.containers[0].resources = { requests: { cpu: max.cpu }, limits: { cpu: max.cpu } };
  });
  editObject(dest, 'DestinationRule', meshSvc, (dr) => {
    dr.spec.subsets.find((x: any) => x.name === 'stable').labels['app.kubernetes.io/instance'] = `${meshSvc}-typo`;
  });
  const e = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const accessFaults: PlantedFault[] = [];
  if (access) {
    const readOnly = access.teams.find((t) => t.level === 'view');
    const auditor = access.teams.find((t) => t.level === 'audit');
    if (!readOnly || !auditor) throw new Error('planted faults: the access faults need a team with view and one with audit in this environment');
    const ns = access.namespaces[0]!;
    editObject(dest, 'RoleBinding', `${readOnly.team}-view`, (b) => (b.roleRef.name = `${access.platform}-admin`));
    // Remove the auditor's binding in the first namespace (the file keeps its other objects).
    const file = loadTree(dest).find((t) => t.obj.kind === 'RoleBinding' && t.obj.metadata.name === `${auditor.team}-audit` && t.obj.metadata.namespace === ns)!.file;
    const rest = loadTree(dest).filter((t) => t.file === file && !(t.obj.kind === 'RoleBinding' && t.obj.metadata.name === `${auditor.team}-audit` && t.obj.metadata.namespace === ns));
    rmSync(join(dest, file));
    if (rest.length) writeFileSync(join(dest, file), rest.map((t) => JSON.stringify(t.obj)).join('\n---\n'));
    accessFaults.push(
      { what: `${readOnly.team}'s view binding widened to admin`, expect: new RegExp(`access: ${e(readOnly.team)} \\(view, .*: patch networkpolicies.networking.k8s.io should be denied, is allowed`) },
      { what: `${auditor.team}'s audit binding in ${ns} removed`, expect: new RegExp(`access: ${e(auditor.team)} \\(audit, .*in ${e(ns)}: list rolebindings.rbac.authorization.k8s.io should be allowed, is denied`) },
    );
  }
  return [
    ...accessFaults,
    { what: `${rootSvc} runs as root`, expect: new RegExp(`Deployment/[^/]+/${e(rootSvc)}: Warning: would violate PodSecurity "restricted:[^"]*": .*runAsUser=0`) },
    { what: `${rootSvc}'s pods are refused by Pod Security`, expect: new RegExp(`ReplicaSet/[^/]+/${e(rootSvc)}-[a-z0-9]+ FailedCreate .*violates PodSecurity`) },
    { what: `${spreadSvc} cannot be scheduled`, expect: new RegExp(`Deployment/[^/]+/${e(spreadSvc)}: 0/\\d+ available.*unschedulable: 0/\\d+ nodes are available`) },
    { what: `${meshSvc}'s stable subset selects nothing`, expect: new RegExp(`istioctl analyze: Error \\[IST0173\\] \\(DestinationRule [^/]+/${e(meshSvc)}\\) The Subset stable`) },
    { what: `${quotaSvc} exceeds the quota`, expect: new RegExp(`ReplicaSet/[^/]+/${e(quotaSvc)}-[a-z0-9]+ FailedCreate .*exceeded quota: platform-quota`) },
  ];
}

/**
 * The guardrails' bad twin: a copy of `dist/access/` (`source`) in `dest` with five guardrails broken as a
 * careless edit would break them, each of which the guardrail check (test/cluster/guardrails.ts) must report:
 * - `routes-stay-home` without its destination check (a route into another namespace is admitted);
 * - `pods-stay-in-mesh` bound to a misspelt namespace (it binds nowhere: a pod leaves the mesh);
 * - `routes-stay-home` applied to every request (a cluster admin is refused too: the check's scoping twin);
 * - `monitors-stay-home` refusing every monitor (the platform's own ServiceMonitors, copied, are refused);
 * - `service-entries-stay-home` reading a misspelt field (`has()` of it is always false: only the API server's
 *   type check of the CEL against the CRD's schema sees it).
 */
export function plantGuardrailFaults(source: string, dest: string, platform: string): PlantedFault[] {
  cpSync(source, dest, { recursive: true });
  editObject(dest, 'ValidatingAdmissionPolicy', `${platform}-routes-stay-home`, (p) => {
    p.spec.validations = p.spec.validations.filter((v: any) => !/routes \(and mirrors/.test(v.message));
  });
  editObject(dest, 'ValidatingAdmissionPolicyBinding', `${platform}-pods-stay-in-mesh`, (b) => {
    b.spec.matchResources.namespaceSelector.matchExpressions[0].values = b.spec.matchResources.namespaceSelector.matchExpressions[0].values.map((n: string) => `${n}x`);
  });
  // Its other checks still refuse the hostile cases, so a cluster admin sending them is refused too (and nothing the sync applies breaks them).
  editObject(dest, 'ValidatingAdmissionPolicy', `${platform}-routes-stay-home`, (p) => {
    p.spec.matchConditions = [{ name: 'from-a-team', expression: 'true' }];
  });
  editObject(dest, 'ValidatingAdmissionPolicy', `${platform}-monitors-stay-home`, (p) => {
    p.spec.validations[0].expression = `!(${p.spec.validations[0].expression})`;
  });
  editObject(dest, 'ValidatingAdmissionPolicy', `${platform}-service-entries-stay-home`, (p) => {
    p.spec.validations.push({ expression: '!has(object.spec.exportTO) || object.spec.exportTO.size() > 0', message: 'misspelt' });
  });
  return [
    { what: `${platform}-monitors-stay-home refusing every monitor`, expect: new RegExp(`guardrails: a rendered object, copied, refused for .*servicemonitors.* ValidatingAdmissionPolicy '${platform}-monitors-stay-home'`) },
    { what: `${platform}-service-entries-stay-home reading a misspelt field`, expect: /guardrails: \S+-service-entries-stay-home: the API server's type check: .*exportTO/ },
    { what: `${platform}-routes-stay-home without its destination check`, expect: /guardrails: VirtualService \S+ route to \S+: admitted for .* should refuse it/ },
    { what: `${platform}-pods-stay-in-mesh bound nowhere`, expect: /guardrails: Deployment \S+ egress past the proxy \(excludeOutboundIPRanges\): admitted for/ },
    { what: `${platform}-routes-stay-home applied to cluster admins`, expect: /guardrails: VirtualService \S+ bound to \S+ Gateway: refused for a cluster admin too/ },
  ];
}
