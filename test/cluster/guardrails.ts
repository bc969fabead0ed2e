import type { ControlPlane } from './control-plane';
import type { TreeObject } from './tree';
import type { AccessExpectation } from './access';
import type { Level } from '../helpers/access-contract';
import { resourceOf } from '../../catalogue/access';

/**
 * Step 5 of `npm run test:cluster` (README), after the access check: the admission guardrails
 * (dist/access/guardrails.yaml, charts/guardrails.ts) run by the real
 * kube-apiserver. Each case is one of the environment's own objects, copied
 * under a new name and sent with `kubectl create --dry-run=server` (admission
 * runs in full, nothing is stored) as a team whose level may write that kind:
 * - every object of a guarded kind the environment renders, copied, must be
 *   admitted for its admins (a guardrail never refuses what the platform
 *   renders itself); then per case, the copy as rendered for the team whose
 *   level writes that kind (RBAC allows it, and the guardrail does not refuse it);
 * - each hostile change of it must be refused, by that guardrail's policy
 *   (the refusal names it);
 * - the same hostile change sent as a cluster admin must be admitted: the
 *   guardrails bind teams, not Argo CD or the cluster's admins, and the refusal
 *   above came from the guardrail, not from a schema or another check.
 * Updates are proven on objects the sync applied: `kubectl rollout restart`
 * of a StatefulSet whose pods carry the platform's mesh exclusions passes, and
 * adding one fails; a dashboard's annotation may change, its data may not.
 * (Rendered dashboards are not among the copies: a copy of one under another
 * name, same uid, is what `dashboards-from-git` refuses.)
 */
export interface GuardrailCase {
  readonly guardrail: string;
  readonly what: string;
  readonly level: Level;
  readonly obj: any;
  /** Hostile variants: each must be refused for a team, admitted for a cluster admin. */
  readonly hostile: readonly { readonly what: string; readonly obj: any }[];
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The object as a person would create it again: its spec, labels and annotations, under a new name. */
function copyOf(o: any): any {
  const c = clone(o);
  delete c.status;
  c.metadata = { name: `${String(o.metadata.name).slice(0, 40)}-probe`, namespace: o.metadata.namespace, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}), ...(o.metadata.annotations ? { annotations: o.metadata.annotations } : {}) };
  return c;
}

function templateOf(o: any): any {
  return o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
}

/** The cases this tree allows (each from an object of the kind it renders; none when it renders none). */
export function guardrailCases(objects: readonly TreeObject[], namespaces: readonly string[]): GuardrailCase[] {
  const all = objects.filter((t) => !t.hook).map((t) => t.obj);
  const first = (pred: (o: any) => boolean) => all.find((o) => o.metadata?.namespace && namespaces.includes(o.metadata.namespace) && pred(o));
  const elsewhere = (ns: string) => namespaces.find((n) => n !== ns) ?? 'kube-system';
  const out: GuardrailCase[] = [];
  const meshVs = first((o) => o.kind === 'VirtualService' && (o.spec?.gateways ?? ['mesh']).includes('mesh') && o.spec?.http?.[0]?.route?.[0]?.destination);
  if (meshVs) {
    const other = elsewhere(meshVs.metadata.namespace);
    const base = copyOf(meshVs);
    const to = (host: string) => {
      const c = clone(base);
      c.spec.http[0].route[0].destination.host = host;
      return c;
    };
    const hosts = clone(base);
    hosts.spec.hosts = [`payment-service.${other}.svc.cluster.local`];
    const everyHost = clone(base);
    everyHost.spec.hosts = ['*'];
    const gateway = clone(base);
    gateway.spec.gateways = [`${other}/public`];
    const mirror = clone(base);
    mirror.spec.http[0].mirror = { host: `payment-service.${other}.svc.cluster.local` };
    const delegate = clone(base);
    delegate.spec.http = [{ name: 'default', delegate: { name: 'routes', namespace: other } }];
    out.push({
      guardrail: 'routes-stay-home',
      what: `VirtualService ${meshVs.metadata.namespace}/${meshVs.metadata.name}`,
      level: 'admin',
      obj: base,
      hostile: [
        { what: `route to ${other}`, obj: to(`payment-service.${other}.svc.cluster.local`) },
        { what: `route to ${other} (upper case, short form)`, obj: to(`PAYMENT-SERVICE.${other.toUpperCase()}.SVC`) },
        { what: `mirror to ${other}`, obj: mirror },
        { what: `delegated to ${other}`, obj: delegate },
        { what: `a host of ${other} for the mesh`, obj: hosts },
        { what: 'every host for the mesh (*)', obj: everyHost },
        { what: `bound to ${other}'s Gateway`, obj: gateway },
      ],
    });
  }
  const publicVs = first((o) => o.kind === 'VirtualService' && o.spec?.gateways?.length && !o.spec.gateways.includes('mesh'));
  if (publicVs) {
    const base = copyOf(publicVs);
    const other = elsewhere(publicVs.metadata.namespace);
    const to = clone(base);
    for (const r of to.spec.http ?? []) for (const d of r.route ?? []) d.destination.host = `payment-service.${other}.svc.cluster.local`;
    out.push({ guardrail: 'routes-stay-home', what: `VirtualService ${publicVs.metadata.namespace}/${publicVs.metadata.name} (public)`, level: 'admin', obj: base, hostile: [{ what: `public route into ${other}`, obj: to }] });
  }
  const se = first((o) => o.kind === 'ServiceEntry');
  if (se) {
    const base = copyOf(se);
    const everywhere = clone(base);
    everywhere.spec.exportTo = ['*'];
    const unset = clone(base);
    delete unset.spec.exportTo;
    out.push({ guardrail: 'service-entries-stay-home', what: `ServiceEntry ${se.metadata.namespace}/${se.metadata.name}`, level: 'admin', obj: base, hostile: [{ what: 'exported everywhere', obj: everywhere }, { what: 'exportTo left out', obj: unset }] });
  }
  for (const kind of ['Deployment', 'CronJob']) {
    const w = first((o) => o.kind === kind);
    if (!w) continue;
    const base = copyOf(w);
    const annotated = (key: string, value: string) => {
      const c = clone(base);
      const t = templateOf(c);
      t.metadata = { ...t.metadata, annotations: { ...(t.metadata?.annotations ?? {}), [key]: value } };
      return c;
    };
    const withSpec = (change: (spec: any) => void) => {
      const c = clone(base);
      change(templateOf(c).spec);
      return c;
    };
    const uninjected = clone(base);
    const t = templateOf(uninjected);
    t.metadata = { ...t.metadata, labels: { ...(t.metadata?.labels ?? {}), 'sidecar.istio.io/inject': 'false' } };
    out.push({
      guardrail: kind === 'CronJob' ? 'cronjob-pods-stay-in-mesh' : 'pods-stay-in-mesh',
      what: `${kind} ${w.metadata.namespace}/${w.metadata.name}`,
      level: 'edit',
      obj: base,
      hostile: [
        { what: 'egress past the proxy (excludeOutboundIPRanges)', obj: annotated('traffic.sidecar.istio.io/excludeOutboundIPRanges', '0.0.0.0/0') },
        { what: 'out of the mesh (inject label "false")', obj: uninjected },
        { what: 'out of the mesh (inject annotation "false")', obj: annotated('sidecar.istio.io/inject', 'false') },
        { what: 'another proxy image', obj: annotated('sidecar.istio.io/proxyImage', 'registry.example.com/proxy:evil') },
        { what: 'another injection template', obj: annotated('inject.istio.io/templates', 'gateway') },
        { what: 'a container named istio-proxy', obj: withSpec((spec) => spec.containers.push({ ...spec.containers[0], name: 'istio-proxy', image: 'registry.example.com/proxy:evil' })) },
        { what: 'an init container named istio-init', obj: withSpec((spec) => (spec.initContainers = [...(spec.initContainers ?? []), { name: 'istio-init', image: spec.containers[0].image, command: ['true'], securityContext: spec.containers[0].securityContext, resources: spec.containers[0].resources }])) },
        { what: "running as the proxy's user (1337)", obj: withSpec((spec) => (spec.containers[0].securityContext = { ...spec.containers[0].securityContext, runAsUser: 1337 })) },
        { what: "running as the proxy's group (pod runAsGroup 1337, containers unset)", obj: withSpec((spec) => {
          spec.securityContext = { ...spec.securityContext, runAsGroup: 1337 };
          for (const c of spec.containers) if (c.securityContext) delete c.securityContext.runAsGroup;
        }) },
        { what: "running as the image's user (runAsUser unset)", obj: withSpec((spec) => {
          if (spec.securityContext) delete spec.securityContext.runAsUser;
          for (const c of spec.containers) if (c.securityContext) delete c.securityContext.runAsUser;
        }) },
      ],
    });
  }
  const sm = first((o) => o.kind === 'ServiceMonitor' && o.spec?.endpoints?.length);
  if (sm) {
    const base = copyOf(sm);
    const token = clone(base);
    token.spec.endpoints[0].bearerTokenFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';
    const key = clone(base);
    key.spec.endpoints[0].tlsConfig = { ...(key.spec.endpoints[0].tlsConfig ?? {}), keyFile: '/etc/prometheus/secrets/key' };
    const scoped = (what: string, change: (o: any) => void) => {
      const c = clone(base);
      change(c);
      return { what, obj: c };
    };
    const other = elsewhere(sm.metadata.namespace);
    out.push({
      guardrail: 'monitors-stay-home',
      what: `ServiceMonitor ${sm.metadata.namespace}/${sm.metadata.name}`,
      level: 'admin',
      obj: base,
      hostile: [
        { what: "Prometheus's token", obj: token },
        { what: 'a key file', obj: key },
        scoped('scraping every namespace', (c) => (c.spec.namespaceSelector = { any: true })),
        scoped(`scraping ${other}`, (c) => (c.spec.namespaceSelector = { matchNames: [other] })),
        scoped('honouring the target\'s labels', (c) => (c.spec.endpoints[0].honorLabels = true)),
        scoped(`relabelled as ${other}`, (c) => (c.spec.endpoints[0].relabelings = [{ targetLabel: 'namespace', replacement: other, action: 'replace' }])),
        scoped('scraping another address', (c) => (c.spec.endpoints[0].relabelings = [{ targetLabel: '__address__', replacement: 'kube-apiserver.default.svc:443', action: 'replace' }])),
        scoped('a labelmap', (c) => (c.spec.endpoints[0].metricRelabelings = [{ action: 'labelmap', regex: 'exported_(.+)', replacement: '$1' }])),
        scoped('a Service label copied as namespace', (c) => (c.spec.targetLabels = ['namespace'])),
      ],
    });
  }
  const pm = first((o) => o.kind === 'PodMonitor' && o.spec?.podMetricsEndpoints?.length);
  if (pm) {
    const base = copyOf(pm);
    const other = elsewhere(pm.metadata.namespace);
    const changed = (change: (o: any) => void) => {
      const c = clone(base);
      change(c);
      return c;
    };
    out.push({
      guardrail: 'pod-monitors-stay-home',
      what: `PodMonitor ${pm.metadata.namespace}/${pm.metadata.name}`,
      level: 'admin',
      obj: base,
      hostile: [
        { what: `scraping ${other}`, obj: changed((c) => (c.spec.namespaceSelector = { matchNames: [other] })) },
        { what: `relabelled as ${other}`, obj: changed((c) => (c.spec.podMetricsEndpoints[0].relabelings = [{ targetLabel: 'namespace', replacement: other, action: 'replace' }])) },
        { what: 'a pod label copied as namespace', obj: changed((c) => (c.spec.podTargetLabels = ['namespace'])) },
      ],
    });
  }
  const cm = first((o) => o.kind === 'ConfigMap' && !o.metadata.labels?.grafana_dashboard);
  if (cm) {
    const base = copyOf(cm);
    const dash = clone(base);
    dash.metadata.labels = { ...(dash.metadata.labels ?? {}), grafana_dashboard: '1' };
    out.push({ guardrail: 'dashboards-from-git', what: `ConfigMap ${cm.metadata.namespace}/${cm.metadata.name}`, level: 'edit', obj: base, hostile: [{ what: 'labelled as a Grafana dashboard', obj: dash }] });
  }
  return out;
}

/** Returns problems (empty: every case as expected) and a one-line summary. */
export async function checkGuardrails(cp: ControlPlane, objects: readonly TreeObject[], exp: AccessExpectation): Promise<{ problems: string[]; summary: string }> {
  const problems: string[] = [];
  const rendered = objects.map((t) => t.obj).filter((o) => o.kind === 'ValidatingAdmissionPolicy');
  if (rendered.length === 0) return { problems: ['guardrails: the tree renders no ValidatingAdmissionPolicy'], summary: 'none rendered' };
  // Every rendered policy is served, and the API server's type check of its CEL against the kinds' schemas (run
  // after each change, reported in status) found nothing: a misspelt field would otherwise pass as never present.
  let served: any[] = [];
  const checked = async () => {
    served = (await cp.getJson(['get', 'validatingadmissionpolicies'])).items as any[];
    return rendered.every((p) => {
      const s = served.find((x) => x.metadata.name === p.metadata.name);
      return s && s.status?.observedGeneration === s.metadata.generation;
    });
  };
  await cp.until('guardrail policies type-checked', 60_000, checked).catch((e: Error) => problems.push(`guardrails: ${e.message}`));
  for (const p of rendered) {
    const s = served.find((x) => x.metadata.name === p.metadata.name);
    if (!s) problems.push(`guardrails: ValidatingAdmissionPolicy ${p.metadata.name} is not served`);
    for (const w of s?.status?.typeChecking?.expressionWarnings ?? []) problems.push(`guardrails: ${p.metadata.name}: the API server's type check: ${w.fieldRef}: ${w.warning}`);
  }
  // A team at that level, else at a level that includes it (admin includes edit's writes: prod may have no edit team).
  const teamAt = (level: Level) => exp.teams.find((t) => t.level === level) ?? (level === 'edit' ? exp.teams.find((t) => t.level === 'admin') : undefined);
  // Every object of a guarded kind the environment renders, copied, is admitted for its admins: a guardrail never
  // refuses what the platform renders itself (a team may re-apply it, or edit it within the rules). One request.
  const guardedResources = new Set(rendered.flatMap((p) => (p.spec.matchConstraints.resourceRules as any[]).flatMap((r) => r.resources as string[])));
  // Not the dashboards: a copy of one under another name (same uid) is what dashboards-from-git exists to refuse.
  const isDashboard = (o: any) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard !== undefined;
  const own = objects.filter((t) => exp.namespaces.includes(t.obj.metadata?.namespace) && guardedResources.has(resourceOf(t.obj.kind)) && !isDashboard(t.obj)).map((t) => copyOf(t.obj));
  const admin = teamAt('admin');
  if (!admin) problems.push('guardrails: no team has admin here to send the rendered objects as');
  else if (own.length) {
    const r = await cp.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-', `--as=probe:${admin.team}`, `--as-group=${admin.groups[0]}`], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: own }));
    for (const line of r.stderr.split('\n').filter((l) => l.trim())) problems.push(`guardrails: a rendered object, copied, refused for ${admin.team} (admin): ${line.trim()}`);
    const admitted = r.stdout.split('\n').filter((l) => l.trim()).length;
    if (admitted !== own.length && !r.stderr.trim()) problems.push(`guardrails: ${own.length} rendered objects sent, ${admitted} admitted, no refusal given`);
  }
  const cases = guardrailCases(objects, exp.namespaces);
  let asked = 0;
  const create = async (obj: any, as: { user: string; group: string } | undefined) => {
    asked++;
    const r = await cp.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-', ...(as ? [`--as=${as.user}`, `--as-group=${as.group}`] : [])], JSON.stringify(obj));
    return { admitted: r.code === 0, said: r.stderr.trim() };
  };
  const policyOf = (id: string) => `${exp.platform}-${id}`;
  for (const c of cases) {
    const team = teamAt(c.level);
    if (!team) {
      problems.push(`guardrails: no team has ${c.level} (or admin) here to send ${c.what} as (the case cannot be proven)`);
      continue;
    }
    const as = { user: `probe:${team.team}`, group: team.groups[0]! };
    const base = await create(c.obj, as);
    if (!base.admitted) problems.push(`guardrails: ${c.what}, copied as rendered, refused for ${team.team} (${team.level}): ${base.said}`);
    for (const h of c.hostile) {
      const r = await create(h.obj, as);
      if (r.admitted) problems.push(`guardrails: ${c.what} ${h.what}: admitted for ${team.team} (${team.level}); ${policyOf(c.guardrail)} should refuse it`);
      else if (!r.said.includes(`'${policyOf(c.guardrail)}'`)) problems.push(`guardrails: ${c.what} ${h.what}: refused for ${team.team}, but not by ${policyOf(c.guardrail)}: ${r.said}`);
      const admin = await create(h.obj, undefined);
      if (!admin.admitted) problems.push(`guardrails: ${c.what} ${h.what}: refused for a cluster admin too (${admin.said}): the refusal above proves nothing`);
    }
  }
  // Updates of objects the sync applied: a restart passes on pods that carry the platform's own mesh settings; a new one fails.
  const edit = teamAt('edit');
  const meshed = objects.find((t) => t.obj.kind === 'StatefulSet' && exp.namespaces.includes(t.obj.metadata.namespace) && Object.keys(templateOf(t.obj).metadata?.annotations ?? {}).some((k) => k.startsWith('traffic.sidecar.istio.io/')));
  let updates = 0;
  if (edit && meshed) {
    const o = meshed.obj;
    const patch = (annotations: Record<string, string>) =>
      cp.kubectl(['-n', o.metadata.namespace, 'patch', 'statefulset', o.metadata.name, '--dry-run=server', '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations } } } }), `--as=probe:${edit.team}`, `--as-group=${edit.groups[0]}`]);
    updates += 2;
    asked += 2;
    const restart = await patch({ 'kubectl.kubernetes.io/restartedAt': '2026-12-02T00:00:00Z' });
    if (restart.code !== 0) problems.push(`guardrails: kubectl rollout restart of StatefulSet ${o.metadata.name} (its pods carry the platform's mesh exclusions) refused for ${edit.team}: ${restart.stderr.trim()}`);
    const escape = await patch({ 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '0.0.0.0/0' });
    if (escape.code === 0) problems.push(`guardrails: StatefulSet ${o.metadata.name} given excludeOutboundIPRanges by ${edit.team}: admitted; ${policyOf('pods-stay-in-mesh')} should refuse it`);
    else if (!escape.stderr.includes(`'${policyOf('pods-stay-in-mesh')}'`)) problems.push(`guardrails: StatefulSet ${o.metadata.name} update refused, but not by ${policyOf('pods-stay-in-mesh')}: ${escape.stderr.trim()}`);
  }
  // Every guardrail the tree renders was tried here.
  for (const p of rendered) if (!cases.some((c) => policyOf(c.guardrail) === p.metadata.name)) problems.push(`guardrails: ${p.metadata.name} is not tried: the environment renders no object of its kinds to copy`);
  // A dashboard the sync applied: its labels and annotations may change by hand, its data may not.
  const dashboard = objects.find((t) => exp.namespaces.includes(t.obj.metadata?.namespace) && isDashboard(t.obj) && t.obj.data);
  if (edit && dashboard) {
    const o = dashboard.obj;
    const patch = (p: object) => cp.kubectl(['-n', o.metadata.namespace, 'patch', 'configmap', o.metadata.name, '--dry-run=server', '--type=merge', '-p', JSON.stringify(p), `--as=probe:${edit.team}`, `--as-group=${edit.groups[0]}`]);
    updates += 2;
    asked += 2;
    const note = await patch({ metadata: { annotations: { 'example.com/note': 'checked' } } });
    if (note.code !== 0) problems.push(`guardrails: an annotation on dashboard ${o.metadata.name} refused for ${edit.team}: ${note.stderr.trim()}`);
    const key = Object.keys(o.data)[0]!;
    const data = await patch({ data: { [key]: '{"uid":"replaced"}' } });
    if (data.code === 0) problems.push(`guardrails: dashboard ${o.metadata.name}'s data changed by ${edit.team}: admitted; ${policyOf('dashboards-from-git')} should refuse it`);
    else if (!data.stderr.includes(`'${policyOf('dashboards-from-git')}'`)) problems.push(`guardrails: dashboard ${o.metadata.name} update refused, but not by ${policyOf('dashboards-from-git')}: ${data.stderr.trim()}`);
  }
  const hostile = cases.reduce((n, c) => n + c.hostile.length, 0);
  const ids = new Set(cases.map((c) => c.guardrail));
  return { problems, summary: `${rendered.length} policies; ${own.length} rendered objects of the guarded kinds, copied, admitted for admin; ${cases.length} of them, ${hostile} hostile changes refused for a team and admitted for a cluster admin (${ids.size} guardrails), ${updates} updates; ${asked} requests` };
}
