// Every risk rule of the diff fires on a change it is about and stays quiet on its harmless twin.
// A rule in RISK_RULES without both cases here fails the last test.
import { describe, expect, it } from 'vitest';
import { diffTrees } from '../../diff/diff';
import { RISK_RULES, type RiskRuleId } from '../../diff/risk';
import { toYamlDocuments } from '../../render/yaml';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
/** One object, several (a tree that holds them together), or none. */
type Obj = Record<string, Any> | Record<string, Any>[] | undefined;

const o = (apiVersion: string, kind: string, spec: Any, meta: Any = {}, top: Any = {}) => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'acme-prod', ...meta }, ...(spec !== undefined ? { spec } : {}), ...top });
const tree = (x: Obj) => new Map(x ? [['prod/f.yaml', toYamlDocuments(Array.isArray(x) ? x : [x])]] : []);
const rulesOf = (before: Obj, after: Obj) => diffTrees(tree(before), tree(after)).objects.flatMap((d) => d.flags.map((f) => f.rule));

const podTemplate = (image = 'app:1.0', extra: Any = {}) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image, securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, ...extra }] } });
const deploy = (over: Any = {}) => o('apps/v1', 'Deployment', { replicas: 2, selector: { matchLabels: { app: 'x' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }, template: podTemplate(), ...over });
const claims = (size = '1Gi', name = 'data') => [{ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } }];
const sts = (over: Any = {}) => o('apps/v1', 'StatefulSet', { replicas: 3, serviceName: 'x', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'x' } }, template: podTemplate('db:16.4'), volumeClaimTemplates: claims(), ...over });
const job = (image: string, meta: Any = {}) => o('batch/v1', 'Job', { template: podTemplate(image) }, meta);
const svc = (over: Any = {}) => o('v1', 'Service', { type: 'ClusterIP', clusterIP: '10.0.0.1', ports: [{ port: 80 }], selector: { app: 'x' }, ...over });
const pvc = (over: Any = {}) => o('v1', 'PersistentVolumeClaim', { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '1Gi' } }, ...over });
const netpol = (ingress: Any[], over: Any = {}) => o('networking.k8s.io/v1', 'NetworkPolicy', { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Ingress'], ingress, ...over });
const peer = (app: string, port = 8080) => ({ from: [{ podSelector: { matchLabels: { app } } }], ports: [{ port, protocol: 'TCP' }] });
const authz = (spec: Any) => o('security.istio.io/v1', 'AuthorizationPolicy', spec);
const principal = (sa: string) => ({ from: [{ source: { principals: [`cluster.local/ns/acme-prod/sa/${sa}`] } }] });
const peerAuth = (spec: Any) => o('security.istio.io/v1', 'PeerAuthentication', spec);
const vs = (gateways: string[], hosts = ['acme.test'], http: Any[] = [{ name: 'r', match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'x' } }] }]) => o('networking.istio.io/v1', 'VirtualService', { hosts, gateways, http });
const gateway = (port: number) => o('networking.istio.io/v1', 'Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: port, name: 'https', protocol: 'HTTPS' }, hosts: ['acme.test'] }] });
const role = (rules: Any[]) => o('rbac.authorization.k8s.io/v1', 'Role', undefined, {}, { rules });
const binding = (subjects: Any[], roleName = 'view') => o('rbac.authorization.k8s.io/v1', 'RoleBinding', undefined, {}, { subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName } });
const project = (repos: string[], description = 'd') => o('argoproj.io/v1alpha1', 'AppProject', { description, sourceRepos: repos, destinations: [{ namespace: 'acme-prod', server: 'https://kubernetes.default.svc' }] }, { namespace: 'argocd' });
const hpa = (max: number, min = 2) => o('autoscaling/v2', 'HorizontalPodAutoscaler', { minReplicas: min, maxReplicas: max, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' } });
const pdb = (minAvailable: number, labels: Any = {}) => o('policy/v1', 'PodDisruptionBudget', { minAvailable, selector: { matchLabels: { app: 'x' } } }, { labels });
const limits = (cpu: string, labels: Any = {}) => o('v1', 'LimitRange', { limits: [{ type: 'Container', default: { cpu } }] }, { labels });
const split = (stable: number) => vs(['mesh'], ['x'], [{ name: 'default', route: [{ destination: { host: 'x', subset: 'stable' }, weight: stable }, { destination: { host: 'x', subset: 'canary' }, weight: 100 - stable }] }]);
const labelled = (x: Any, labels: Any) => ({ ...x, metadata: { ...x.metadata, labels } });
const named = (x: Any, name: string) => ({ ...x, metadata: { ...x.metadata, name } });
const secret = (type: string, data: Any = { a: 'MQ==' }, top: Any = {}) => o('v1', 'Secret', undefined, {}, { type, data, ...top });
const configMap = (data: Any, top: Any = {}) => o('v1', 'ConfigMap', undefined, {}, { data, ...top });
const sidecar = (spec: Any) => o('networking.istio.io/v1', 'Sidecar', spec);
const injected = (value: string) => deploy({ template: { ...podTemplate(), metadata: { labels: { app: 'x' }, annotations: { 'sidecar.istio.io/inject': value } } } });
const clusterRole = (name: string, labels: Any = {}, top: Any = {}) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], ...top });
const aggregating = clusterRole('team-view', {}, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg/view': 'true' } }] }, rules: [] });
const application = (repoURL: string, over: Any = {}) => o('argoproj.io/v1alpha1', 'Application', { project: 'acme', source: { repoURL, path: 'dist/prod', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'acme-prod' }, ...over }, { namespace: 'argocd' });

const admissionPolicy = (expression: string, labels: Any = {}) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'acme-routes', labels }, spec: { failurePolicy: 'Fail', validations: [{ expression }] } });

/** id → [before, after] it fires on, and [before, after] it must stay quiet on. */
const CASES: Record<RiskRuleId, { fires: [Obj, Obj]; quiet: [Obj, Obj] }> = {
  'SELECTOR-IMMUTABLE': { fires: [deploy(), deploy({ selector: { matchLabels: { app: 'y' } } })], quiet: [deploy(), deploy({ replicas: 3 })] },
  'STATEFULSET-IMMUTABLE': { fires: [sts(), sts({ serviceName: 'y' })], quiet: [sts(), sts({ replicas: 5 })] },
  'JOB-IMMUTABLE': { fires: [job('a:1'), job('a:2')], quiet: [job('a:1', { annotations: { 'argocd.argoproj.io/hook': 'Sync' } }), job('a:2', { annotations: { 'argocd.argoproj.io/hook': 'Sync' } })] },
  // The twin: a type change, which a real API server accepts (checked on the test control plane, Kubernetes 1.34).
  'SERVICE-IMMUTABLE': { fires: [svc(), svc({ clusterIP: '10.0.0.2' })], quiet: [svc(), svc({ type: 'NodePort' })] },
  'PVC-IMMUTABLE': { fires: [pvc(), pvc({ storageClassName: 'gp2' })], quiet: [pvc(), pvc({ resources: { requests: { storage: '2Gi' } } })] },
  'SECRET-TYPE-IMMUTABLE': { fires: [secret('Opaque'), secret('kubernetes.io/basic-auth')], quiet: [secret('Opaque'), secret('Opaque', { a: 'Mg==' })] },
  'IMMUTABLE-DATA': { fires: [configMap({ a: '1' }, { immutable: true }), configMap({ a: '2' }, { immutable: true })], quiet: [configMap({ a: '1' }), configMap({ a: '2' })] },
  'ROLEREF-IMMUTABLE': { fires: [binding([{ kind: 'Group', name: 'devs' }]), binding([{ kind: 'Group', name: 'devs' }], 'edit')], quiet: [binding([{ kind: 'Group', name: 'devs' }]), binding([{ kind: 'Group', name: 'qa' }])] },
  'STATEFULSET-REMOVED': { fires: [sts(), undefined], quiet: [deploy(), undefined] },
  'PVC-REMOVED': { fires: [pvc(), undefined], quiet: [undefined, pvc()] },
  'NAMESPACE-REMOVED': { fires: [o('v1', 'Namespace', undefined, { namespace: undefined }), undefined], quiet: [undefined, o('v1', 'Namespace', undefined, { namespace: undefined })] },
  'CLAIM-TEMPLATE-REMOVED': { fires: [sts({ volumeClaimTemplates: [...claims(), ...claims('1Gi', 'wal')] }), sts()], quiet: [sts(), sts({ volumeClaimTemplates: [...claims(), ...claims('1Gi', 'wal')] })] },
  'CLAIM-RETENTION-DELETE': { fires: [sts(), sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } })], quiet: [sts(), sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } })] },
  'IMAGE-MAJOR-VERSION': { fires: [sts(), sts({ template: podTemplate('db:17.2') })], quiet: [sts(), sts({ template: podTemplate('db:16.6') })] },
  'RESTART-ONLY-POD': { fires: [sts({ replicas: 1 }), sts({ replicas: 1, template: podTemplate('db:16.6') })], quiet: [sts({ replicas: 1 }), labelled(sts({ replicas: 1 }), { team: 'data' })] },
  'RESTART-ROLLING': { fires: [sts(), sts({ template: podTemplate('db:16.6') })], quiet: [sts({ replicas: 0 }), sts({ replicas: 0, template: podTemplate('db:16.6') })] },
  'RESTART-DEPLOYMENT-DOWN': { fires: [deploy({ strategy: { type: 'Recreate' } }), deploy({ strategy: { type: 'Recreate' }, template: podTemplate('app:2.0') })], quiet: [deploy(), deploy({ template: podTemplate('app:2.0') })] },
  'NETPOL-NEW-OPEN': { fires: [undefined, netpol([{}])], quiet: [undefined, netpol([peer('a')])] },
  'AUTHZ-NEW-OPEN': { fires: [undefined, authz({ action: 'ALLOW', rules: [{}] })], quiet: [undefined, authz({ action: 'ALLOW', rules: [principal('a')] })] },
  // Over a workload that ran before; the twin: a new workload with its own policy.
  'POLICY-NEW-ON-EXISTING': { fires: [[deploy()], [deploy(), named(netpol([peer('a')]), 'extra')]], quiet: [[svc()], [svc(), deploy(), named(netpol([peer('a')]), 'extra')]] },
  'PEERAUTH-NEW-WEAK': { fires: [undefined, peerAuth({ mtls: { mode: 'PERMISSIVE' } })], quiet: [undefined, peerAuth({ mtls: { mode: 'STRICT' } })] },
  'SIDECAR-NEW-ALLOW-ANY': { fires: [undefined, sidecar({ outboundTrafficPolicy: { mode: 'ALLOW_ANY' } })], quiet: [undefined, sidecar({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })] },
  // The twin: a new workload as Pod Security restricted wants it.
  'SECURITY-CONTEXT-NEW-WEAK': {
    fires: [undefined, deploy({ template: { ...podTemplate(), spec: { containers: [{ name: 'c', image: 'x:1', securityContext: { privileged: true } }] } } })],
    quiet: [undefined, deploy({ template: { ...podTemplate(), spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }] } } })],
  },
  // The twin: a label change (the policy's spec is what it refuses).
  'GUARDRAIL-CHANGED': { fires: [admissionPolicy('object.spec.x == 1'), admissionPolicy('true')], quiet: [admissionPolicy('object.spec.x == 1'), admissionPolicy('object.spec.x == 1', { team: 'platform' })] },
  'ROUTE-NEW-PUBLIC': { fires: [undefined, vs(['istio-ingress/public'])], quiet: [undefined, vs(['mesh'])] },
  'ENTRY-POINT-NEW': { fires: [undefined, gateway(443)], quiet: [gateway(443), gateway(443)] },
  'SERVICE-NEW-EXTERNAL': { fires: [undefined, svc({ type: 'LoadBalancer' })], quiet: [undefined, svc()] },
  'BINDING-NEW': { fires: [undefined, binding([{ kind: 'Group', name: 'devs' }])], quiet: [binding([{ kind: 'Group', name: 'devs' }]), undefined] },
  'NETPOL-DENY-REMOVED': { fires: [netpol([]), undefined], quiet: [netpol([peer('a')]), undefined] },
  'AUTHZ-REMOVED': { fires: [authz({ action: 'ALLOW', rules: [principal('a')] }), undefined], quiet: [undefined, authz({ action: 'ALLOW', rules: [principal('a')] })] },
  'PEERAUTH-REMOVED': { fires: [peerAuth({ mtls: { mode: 'STRICT' } }), undefined], quiet: [undefined, peerAuth({ mtls: { mode: 'STRICT' } })] },
  'SECURITY-CONTEXT-WEAKENED': { fires: [deploy(), deploy({ template: podTemplate('app:1.0', { securityContext: { runAsNonRoot: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }) })], quiet: [deploy({ template: podTemplate('app:1.0', { securityContext: { runAsNonRoot: false } }) }), deploy()] },
  'ACCESS-WIDENED': { fires: [netpol([peer('a')]), netpol([peer('a'), peer('b')])], quiet: [netpol([peer('a'), peer('b')]), netpol([peer('b'), peer('a')])] },
  'POLICY-SELECTS-MORE': { fires: [netpol([peer('a')], { podSelector: { matchLabels: { app: 'x', track: 'stable' } } }), netpol([peer('a')])], quiet: [netpol([], { podSelector: { matchLabels: { app: 'x', track: 'stable' } } }), netpol([])] },
  'NETPOL-SELECTS-FEWER': { fires: [netpol([peer('a')]), netpol([peer('a')], { podSelector: { matchLabels: { app: 'x', track: 'stable' } } })], quiet: [netpol([peer('a')], { podSelector: { matchLabels: { app: 'x', track: 'stable' } } }), netpol([peer('a')])] },
  'AUTHZ-TARGET-CHANGED': { fires: [authz({ selector: { matchLabels: { app: 'x' } }, rules: [principal('a')] }), authz({ selector: { matchLabels: { app: 'y' } }, rules: [principal('a')] })], quiet: [authz({ selector: { matchLabels: { app: 'x', track: 'stable' } }, rules: [principal('a')] }), authz({ selector: { matchLabels: { app: 'x' } }, rules: [principal('a')] })] },
  'AUTHZ-ACTION-CHANGED': { fires: [authz({ action: 'DENY', rules: [principal('a')] }), authz({ action: 'ALLOW', rules: [principal('a')] })], quiet: [authz({ action: 'DENY', rules: [principal('a')] }), authz({ action: 'DENY', rules: [principal('a'), principal('b')] })] },
  'PEERAUTH-WEAKENED': { fires: [peerAuth({ mtls: { mode: 'STRICT' } }), peerAuth({ mtls: { mode: 'PERMISSIVE' } })], quiet: [peerAuth({ mtls: { mode: 'PERMISSIVE' } }), peerAuth({ mtls: { mode: 'STRICT' } })] },
  'ROUTE-PUBLIC-CHANGED': { fires: [vs(['istio-ingress/public']), vs(['istio-ingress/public'], ['acme.test', 'admin.acme.test'])], quiet: [vs(['mesh']), vs(['mesh'], ['x', 'y'])] },
  'GATEWAY-LISTENER-CHANGED': { fires: [gateway(443), gateway(8443)], quiet: [gateway(443), labelled(gateway(443), { team: 'edge' })] },
  'EGRESS-WIDENED': { fires: [sidecar({ egress: [{ hosts: ['./a.example.com'] }] }), sidecar({ egress: [{ hosts: ['./a.example.com', './b.example.com'] }] })], quiet: [sidecar({ egress: [{ hosts: ['./a.example.com', './b.example.com'] }] }), sidecar({ egress: [{ hosts: ['./a.example.com'] }] })] },
  'MESH-LEFT': { fires: [deploy(), injected('false')], quiet: [deploy(), injected('true')] },
  'SERVICE-BECOMES-EXTERNAL': { fires: [svc(), svc({ type: 'NodePort' })], quiet: [svc({ type: 'NodePort' }), svc({ type: 'ClusterIP' })] },
  'RBAC-RULES-WIDENED': { fires: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])], quiet: [role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]), role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])] },
  'RBAC-AGGREGATION-WIDENED': { fires: [[aggregating, clusterRole('secrets')], [aggregating, clusterRole('secrets', { 'agg/view': 'true' })]], quiet: [[aggregating, clusterRole('secrets')], [aggregating, clusterRole('secrets', { 'agg/edit': 'true' })]] },
  'BINDING-CHANGED': { fires: [binding([{ kind: 'Group', name: 'devs' }]), binding([{ kind: 'Group', name: 'devs' }], 'edit')], quiet: [binding([{ kind: 'Group', name: 'devs' }, { kind: 'Group', name: 'qa' }]), binding([{ kind: 'Group', name: 'devs' }])] },
  'APPPROJECT-WIDENED': { fires: [project(['https://a.git']), project(['https://a.git', 'https://b.git'])], quiet: [project(['https://a.git']), project(['https://a.git'], 'other description')] },
  'APPLICATION-SOURCE-CHANGED': { fires: [application('https://git.example.com/acme.git'), application('https://git.example.com/fork.git')], quiet: [application('https://git.example.com/acme.git'), application('https://git.example.com/acme.git', { syncPolicy: { automated: { prune: true } } })] },
  'SCALING-OBJECT-NEW': { fires: [undefined, hpa(6)], quiet: [hpa(6), hpa(6)] },
  'DEPLOYMENT-NEW': { fires: [undefined, deploy()], quiet: [undefined, svc()] },
  'SCALING-OBJECT-REMOVED': { fires: [hpa(6), undefined], quiet: [undefined, hpa(6)] },
  'DEPLOYMENT-REMOVED': { fires: [deploy(), undefined], quiet: [undefined, deploy()] },
  'CAPACITY-FIELD': { fires: [hpa(6), hpa(8)], quiet: [hpa(6), labelled(hpa(6), { team: 'a' })] },
  'TRAFFIC-SPLIT': { fires: [split(90), split(50)], quiet: [split(90), split(90)] },
  'DISRUPTION-BUDGET': { fires: [pdb(1), pdb(2)], quiet: [pdb(1), pdb(1, { team: 'a' })] },
  'DISRUPTION-BUDGET-REMOVED': { fires: [pdb(1), undefined], quiet: [undefined, pdb(1)] },
  'LIMIT-RANGE': { fires: [limits('500m'), limits('1')], quiet: [limits('500m'), limits('500m', { team: 'a' })] },
  'STORAGE-SIZE': { fires: [pvc(), pvc({ resources: { requests: { storage: '2Gi' } } })], quiet: [pvc(), labelled(pvc(), { team: 'a' })] },
};

describe('every risk rule fires on its change and not on the harmless twin', () => {
  it.each(Object.keys(RISK_RULES) as RiskRuleId[])('%s', (id) => {
    const c = CASES[id];
    expect(c, `${id} has no test cases`).toBeDefined();
    expect(rulesOf(...c.fires), `${id} should fire: ${RISK_RULES[id].when}`).toContain(id);
    expect(rulesOf(...c.quiet), `${id} should stay quiet on the twin`).not.toContain(id);
  });

  it('there is no case for a rule that does not exist', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(RISK_RULES).sort());
  });
});

// What a review of the flags found: widenings the rules above missed, each with its twin.
describe('widenings a review found unflagged', () => {
  const flagged = (before: Obj, after: Obj) => diffTrees(tree(before), tree(after)).objects.flatMap((d) => d.flags.map((f) => `${f.rule}: ${f.reason}`));
  it('a NetworkPolicy switching the direction it isolates opens the other one; going from not isolated to one rule is no widening', () => {
    const egressDeny = netpol([], { podSelector: {}, policyTypes: ['Egress'], egress: [] });
    const ingressDeny = netpol([], { podSelector: {}, policyTypes: ['Ingress'], ingress: [] });
    expect(flagged(egressDeny, ingressDeny)).toEqual([expect.stringMatching(/^ACCESS-WIDENED: NetworkPolicy now admits egress to anyone on any port \(egress not isolated\)/)]);
    const open = netpol([], { policyTypes: ['Egress'], egress: [] });
    expect(flagged(open, netpol([peer('a')], { policyTypes: ['Ingress', 'Egress'], egress: [] }))).toEqual([]);
  });

  it('removing a default deny written without policyTypes (Ingress by default) is flagged; one that allows is not', () => {
    expect(flagged(netpol([], { podSelector: {}, policyTypes: undefined, ingress: undefined }), undefined)).toEqual([expect.stringMatching(/^NETPOL-DENY-REMOVED/)]);
    expect(flagged(netpol([peer('a')], { policyTypes: undefined }), undefined)).toEqual([]);
  });

  it('a guardrail removed is flagged; a new one is not', () => {
    const binding = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'acme-routes' }, spec: { policyName: 'acme-routes', validationActions: ['Deny'] } };
    expect(flagged(binding, undefined)).toEqual([expect.stringMatching(/^GUARDRAIL-CHANGED: ValidatingAdmissionPolicyBinding removed/)]);
    expect(flagged(undefined, binding)).toEqual([]);
    expect(flagged(binding, { ...binding, spec: { ...binding.spec, validationActions: ['Audit'] } })).toEqual([expect.stringMatching(/^GUARDRAIL-CHANGED: spec\.validationActions/)]);
  });

  it('a public route losing its match, a gateway server losing its TLS redirect, a rule losing its resourceNames', () => {
    expect(flagged(vs(['istio-ingress/public']), vs(['istio-ingress/public'], ['acme.test'], [{ name: 'r', route: [{ destination: { host: 'x' } }] }]))).toEqual([expect.stringMatching(/^ROUTE-PUBLIC-CHANGED: .*answers every path/)]);
    const gw = (tls: Any) => o('networking.istio.io/v1', 'Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['acme.test'], ...(tls ? { tls } : {}) }] });
    expect(flagged(gw({ httpsRedirect: true }), gw(undefined))).toEqual([expect.stringMatching(/^GATEWAY-LISTENER-CHANGED: .*removed/)]);
    const named = [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['app-config'], verbs: ['get'] }];
    expect(flagged(role(named), role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]))).toEqual([expect.stringMatching(/^RBAC-RULES-WIDENED: .*every object of its resources/)]);
    expect(flagged(role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]), role(named))).toEqual([]); // the twin: narrowed
  });

  it('a claim that shrinks is refused by the API server (REPLACE); one that grows is not', () => {
    expect(flagged(pvc({ resources: { requests: { storage: '10Gi' } } }), pvc({ resources: { requests: { storage: '5Gi' } } }))).toEqual(expect.arrayContaining([expect.stringMatching(/^PVC-IMMUTABLE: .*cannot shrink/)]));
    expect(flagged(pvc({ resources: { requests: { storage: '5Gi' } } }), pvc({ resources: { requests: { storage: '10Gi' } } })).filter((f) => f.startsWith('PVC-IMMUTABLE'))).toEqual([]);
  });

  it('an Argo CD project whose roles change or that loses a blacklist, and a Namespace leaving the mesh', () => {
    const proj = (over: Any) => o('argoproj.io/v1alpha1', 'AppProject', { sourceRepos: ['https://a.git'], destinations: [], ...over }, { namespace: 'argocd' });
    expect(flagged(proj({ roles: [{ name: 'qa', policies: ['p, proj:acme:qa, applications, get, acme/*, allow'] }] }), proj({ roles: [{ name: 'qa', policies: ['p, proj:acme:qa, applications, *, acme/*, allow'] }] }))).toEqual([expect.stringMatching(/^APPPROJECT-WIDENED/)]);
    expect(flagged(proj({ namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }] }), proj({}))).toEqual([expect.stringMatching(/^APPPROJECT-WIDENED: .*removed/)]);
    const ns = (labels: Any) => o('v1', 'Namespace', undefined, { namespace: undefined, labels });
    expect(flagged(ns({ 'istio-injection': 'enabled' }), ns({ 'istio-injection': 'disabled' }))).toEqual([expect.stringMatching(/^MESH-LEFT/)]);
    expect(flagged(ns({ 'istio-injection': 'enabled' }), ns({ 'istio-injection': 'enabled', team: 'a' }))).toEqual([]);
  });

  it("an AuthorizationPolicy source's fields are one condition (Istio ANDs them): dropping one widens an ALLOW, adding one narrows a DENY", () => {
    const src = (source: Any, action = 'ALLOW') => authz({ action, rules: [{ from: [{ source }] }] });
    const cart = 'cluster.local/ns/acme-prod/sa/cart';
    expect(flagged(src({ principals: [cart], namespaces: ['acme-prod'] }), src({ namespaces: ['acme-prod'] }))).toEqual([expect.stringMatching(/^ACCESS-WIDENED: AuthorizationPolicy now admits requests from namespace acme-prod$/)]);
    expect(flagged(src({ namespaces: ['acme-prod'] }), src({ principals: [cart], namespaces: ['acme-prod'] }))).toEqual([]); // the twin: narrowed
    expect(flagged(src({ principals: [cart] }, 'DENY'), src({ principals: [cart], namespaces: ['other'] }, 'DENY'))).toEqual([expect.stringMatching(/^ACCESS-WIDENED: AuthorizationPolicy no longer denies requests from cart \(acme-prod\)$/)]);
    expect(flagged(src({ principals: [cart], namespaces: ['other'] }, 'DENY'), src({ principals: [cart] }, 'DENY'))).toEqual([]); // the twin: denies more
  });
});
