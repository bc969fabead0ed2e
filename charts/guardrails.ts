import type { Construct } from 'constructs';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '../blocks/admission-policy';
import { resourceOf, OPERATED_KINDS } from '../catalogue/access';
import { WORKLOAD_KINDS } from '../catalogue/kinds';
import { MESH_CONTAINER_NAMES, MESH_KEY_PATTERN, MESH_PROXY_ID } from '../catalogue/names';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { PlatformModel } from '../platform/model';
import type { KubeObject } from '../blocks/kube-object';
import { Lazy } from 'cdk8s';
import { DASHBOARD_LABEL } from './dashboards';
import type { VersionedKind } from './inventory';
import { PlatformChart } from './platform-chart';

/** One guardrail: what it refuses, and to which kinds. */
export interface Guardrail {
  /** Its id: the policy is `<platform>-<id>`, and a refusal names it. */
  readonly id: string;
  /** What it keeps, one line (the policy's description annotation, README). */
  readonly description: string;
  /** The kinds it checks, with their API groups and the versions rendered (requests in other versions match too: `matchPolicy: Equivalent`). */
  readonly kinds: readonly VersionedKind[];
  /** CEL variables, in order; an expression given as a function is asked when the policy renders. */
  readonly variables?: readonly { readonly name: string; readonly expression: string | (() => string) }[];
  /** CEL checks: each must hold, or the request is refused with its message. */
  readonly validations: readonly { readonly expression: string; readonly message?: string; readonly messageExpression?: string }[];
}

export interface GuardrailsProps {
  /** The whole resolved platform: its teams' groups are who the guardrails apply to, its environments' namespaces where. */
  readonly model: PlatformModel;
  /** Every namespaced kind the environments render, with its version (a guardrail checks only kinds a team can write, all of them rendered). */
  readonly kinds: readonly VersionedKind[];
  /** Every namespace the environments render into (add-ons' included): hosts in them are the cluster's, not the internet's. */
  readonly namespaces: readonly string[];
  /**
   * The mesh settings the platform itself renders on pod templates in the environments' namespaces
   * (`renderedMeshSettings` of their rendered workloads), asked when the policies render: after the workloads, and in the
   * same render pass, so nothing is rendered twice.
   */
  readonly meshSettings: () => readonly string[];
}

const MESH_KEY = new RegExp(MESH_KEY_PATTERN);
/**
 * The mesh settings of the pod templates of `objects` in `namespaces`, sorted, as the guardrails compare them:
 * `annotation <key>=<value>` and `label <key>=<value>` (the CEL that `meshSettingsOf` writes builds the same strings).
 */
export function renderedMeshSettings(objects: Iterable<KubeObject>, namespaces: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    if (!WORKLOAD_KINDS.has(o.kind) || !namespaces.has(o.metadata.namespace ?? '')) continue;
    const spec = o.spec as any;
    const template = o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : o.kind === 'Pod' ? o : spec?.template;
    const md = template?.metadata ?? {};
    for (const [k, v] of Object.entries<string>(md.annotations ?? {})) if (MESH_KEY.test(k)) out.add(`annotation ${k}=${v}`);
    for (const [k, v] of Object.entries<string>(md.labels ?? {})) if (MESH_KEY.test(k)) out.add(`label ${k}=${v}`);
  }
  return [...out].sort();
}

/** A CEL string literal (JSON's escapes are CEL's). */
const lit = (s: string) => JSON.stringify(s);
const list = (xs: readonly string[]) => `[${xs.map(lit).join(', ')}]`;

/**
 * A host (lower case) naming a Service of the request's own namespace: a short name, or
 * `<name>.<namespace>[.svc[.cluster.local]]` — a DNS label, never a wildcard (`*` in a mesh route's hosts is every host).
 */
const HOME_HOST = `'^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.]' + request.namespace + '([.]svc([.]cluster[.]local)?)?)?$'`;
/** A host (lower case) inside the cluster: under `.svc` or `.cluster.local`, or `<name>.<namespace>` of a namespace the platform renders into. */
const clusterHost = (namespaces: readonly string[]) => lit(`[.](svc|cluster[.]local)[.]?$${namespaces.length ? `|^[^.]+[.](${namespaces.join('|')})[.]?$` : ''}`);
/** With the variables `home` and `inCluster`: a host a team's route may lead to, its own namespace's Services or a host outside the cluster. */
const homeHost = (h: string) => `${h}.lowerAscii().matches(variables.home)`;
const destinationOk = (h: string) => `(${homeHost(h)} || !${h}.lowerAscii().matches(variables.inCluster))`;
/** `exportTo` naming the object's own namespace only (absent or empty is every namespace). */
const exportedHome = (o: string) => `(has(${o}.spec.exportTo) && size(${o}.spec.exportTo) > 0 && ${o}.spec.exportTo.all(e, e == '.' || e == request.namespace))`;

/** A pod template's mesh settings as `annotation <key>=<value>` / `label <key>=<value>` (`renderedMeshSettings`). */
function meshSettingsOf(template: string): string {
  const md = `${template}.metadata`;
  return (
    `(has(${md}) && has(${md}.annotations) ? ${md}.annotations.filter(k, k.matches(${lit(MESH_KEY_PATTERN)})).map(k, 'annotation ' + k + '=' + ${md}.annotations[k]) : []) + ` +
    `(has(${md}) && has(${md}.labels) ? ${md}.labels.filter(k, k.matches(${lit(MESH_KEY_PATTERN)})).map(k, 'label ' + k + '=' + ${md}.labels[k]) : [])`
  );
}

/** No container of the pod spec at `spec` is named as one of the mesh's own. */
function noMeshContainers(spec: string): string {
  return ['containers', 'initContainers', 'ephemeralContainers'].map((field) => `(!has(${spec}.${field}) || ${spec}.${field}.all(c, !(c.name in ${list(MESH_CONTAINER_NAMES)})))`).join(' && ');
}

/**
 * Every container of the pod spec at `spec` runs as a user and group it states (its own securityContext, else the
 * pod's) other than the proxy's: one left unset runs as the image's USER, which may be the proxy's. No fsGroup or
 * supplemental group is the proxy's either.
 */
function notAsProxy(spec: string): string {
  const id = MESH_PROXY_ID;
  const pod = `${spec}.securityContext`;
  const effective = (c: string, field: string) => `(has(${c}.securityContext) && has(${c}.securityContext.${field}) ? ${c}.securityContext.${field} : (has(${pod}) && has(${pod}.${field}) ? ${pod}.${field} : ${id}))`;
  return (
    `(!has(${pod}) || ((!has(${pod}.fsGroup) || ${pod}.fsGroup != ${id}) && (!has(${pod}.supplementalGroups) || !(${id} in ${pod}.supplementalGroups))))` +
    ['containers', 'initContainers'].map((field) => ` && (!has(${spec}.${field}) || ${spec}.${field}.all(c, ${effective('c', 'runAsUser')} != ${id} && ${effective('c', 'runAsGroup')} != ${id}))`).join('')
  );
}

/** The guardrails, from what the platform renders. */
export function guardrails(props: Omit<GuardrailsProps, 'model'>): Guardrail[] {
  // A kind no environment renders is no team's to write (the roles grant rendered kinds only): nothing to check.
  const kind = (k: string, group: string): VersionedKind[] => props.kinds.filter((x) => x.kind === k && x.group === group);
  const ns = [...props.namespaces].sort();
  const dashboardLabel = Object.keys(DASHBOARD_LABEL)[0]!;
  const workloads = props.kinds.filter((k) => OPERATED_KINDS.has(k.kind) && WORKLOAD_KINDS.has(k.kind));
  const routeChecks = (r: string) => `(!has(${r}.route) || ${r}.route.all(d, !has(d.destination) || ${destinationOk('d.destination.host')}))`;
  return [
    {
      id: 'routes-stay-home',
      description: "a team's VirtualService routes to its own namespace's Services (or outside the cluster), binds to the mesh or its own namespace's Gateways, and takes over no other namespace's host names",
      kinds: kind('VirtualService', 'networking.istio.io'),
      variables: [
        { name: 'home', expression: HOME_HOST },
        { name: 'inCluster', expression: clusterHost(ns) },
      ],
      validations: [
        {
          expression: `!has(object.spec.gateways) || object.spec.gateways.all(g, g == 'mesh' || g.matches('^[^./]+$') || g.startsWith(request.namespace + '/'))`,
          message: "a team's VirtualService binds to the mesh or to a Gateway of its own namespace only (spec.gateways)",
        },
        {
          expression:
            `(!has(object.spec.http) || object.spec.http.all(r, ${routeChecks('r')}` +
            ` && (!has(r.mirror) || ${destinationOk('r.mirror.host')})` +
            ` && (!has(r.mirrors) || r.mirrors.all(m, !has(m.destination) || ${destinationOk('m.destination.host')}))` +
            ` && (!has(r.delegate) || !has(r.delegate.namespace) || r.delegate.namespace == request.namespace)))` +
            ` && (!has(object.spec.tcp) || object.spec.tcp.all(r, ${routeChecks('r')}))` +
            ` && (!has(object.spec.tls) || object.spec.tls.all(r, ${routeChecks('r')}))`,
          message: "a team's VirtualService routes (and mirrors, and delegates) to its own namespace's Services or outside the cluster only: not to another namespace's Service",
        },
        {
          // Bound to Gateways only, the Gateways' `<namespace>/<host>` servers decide which hosts it may serve.
          expression: `(has(object.spec.gateways) && size(object.spec.gateways) > 0 && !('mesh' in object.spec.gateways)) || ${exportedHome('object')} || !has(object.spec.hosts) || object.spec.hosts.all(h, ${homeHost('h')})`,
          message: "a team's VirtualService for the mesh names its own namespace's Services in spec.hosts, or is exported to its own namespace only (exportTo: ['.']): it may not take over other namespaces' calls to a host",
        },
      ],
    },
    {
      id: 'service-entries-stay-home',
      description: "a team's ServiceEntry is visible in its own namespace only (exportTo: ['.']), so it cannot redirect other namespaces' calls",
      kinds: kind('ServiceEntry', 'networking.istio.io'),
      validations: [{ expression: exportedHome('object'), message: "a team's ServiceEntry is exported to its own namespace only (exportTo: ['.'])" }],
    },
    // Two policies, one per place of the pod template, so the API server's type check of each against its kinds' schemas holds.
    podGuardrail('pods-stay-in-mesh', workloads.filter((k) => k.kind !== 'CronJob'), 'spec.template', props.meshSettings),
    podGuardrail('cronjob-pods-stay-in-mesh', workloads.filter((k) => k.kind === 'CronJob'), 'spec.jobTemplate.spec.template', props.meshSettings),
    monitorGuardrail(
      'monitors-stay-home',
      "a team's ServiceMonitor names no file of Prometheus's own (bearerTokenFile, tlsConfig caFile/certFile/keyFile: Prometheus would send its credentials to the team's pods) and scrapes and labels within its own namespace (no other namespace selected, no honorLabels, no relabeling of namespace or __address__, no labelmap)",
      kind('ServiceMonitor', 'monitoring.coreos.com'),
      { endpoints: 'endpoints', targetLabels: 'targetLabels', files: true },
    ),
    monitorGuardrail(
      'pod-monitors-stay-home',
      "a team's PodMonitor scrapes and labels within its own namespace (no other namespace selected, no honorLabels, no relabeling of namespace or __address__, no labelmap)",
      kind('PodMonitor', 'monitoring.coreos.com'),
      { endpoints: 'podMetricsEndpoints', files: false },
    ),
    {
      id: 'dashboards-from-git',
      description: `a team labels no ConfigMap \`${dashboardLabel}\` and changes no dashboard's data: Grafana loads them from every namespace, so one environment's could replace another's`,
      kinds: kind('ConfigMap', ''),
      validations: [
        {
          expression:
            `!has(object.metadata.labels) || !(${lit(dashboardLabel)} in object.metadata.labels) || (request.operation == 'UPDATE' && has(oldObject.metadata.labels) && ${lit(dashboardLabel)} in oldObject.metadata.labels` +
            ` && (has(object.data) ? object.data : {}) == (has(oldObject.data) ? oldObject.data : {}) && (has(object.binaryData) ? object.binaryData : {}) == (has(oldObject.binaryData) ? oldObject.binaryData : {}))`,
          message: `Grafana dashboards (ConfigMaps labelled ${dashboardLabel}) come from git: a team may not add one or change one's data`,
        },
      ],
    },
  ].filter((g) => g.kinds.length > 0);
}

/**
 * The guardrail of a monitor kind whose scrape endpoints are at `spec.<endpoints>`: Prometheus's files (ServiceMonitor
 * endpoints can name them; the caller drops that check for a kind that cannot), and a team's series labelled with its
 * own namespace only — the tenancy every dashboard and alert reads (the operator sets `namespace` from the target;
 * another namespace selected, `honorLabels`, a relabeling writing `namespace` or `__address__`, a `labelmap` or a
 * target label copied as `namespace` would let one environment's monitor pass for another's, or scrape anywhere).
 */
function monitorGuardrail(id: string, description: string, kinds: readonly VersionedKind[], fields: { readonly endpoints: string; readonly targetLabels?: string; readonly files: boolean }): Guardrail {
  const { endpoints, targetLabels } = fields;
  const relabels = (x: string) => `(!has(${x}) || ${x}.all(r, (!has(r.targetLabel) || !(r.targetLabel in ['namespace', '__address__'])) && (!has(r.action) || r.action.lowerAscii() != 'labelmap')))`;
  const copied = ['podTargetLabels', ...(targetLabels ? [targetLabels] : [])].map((f) => `(!has(object.spec.${f}) || !('namespace' in object.spec.${f}))`).join(' && ');
  const files = {
    expression: `!has(object.spec.${endpoints}) || object.spec.${endpoints}.all(e, !has(e.bearerTokenFile) && (!has(e.tlsConfig) || (!has(e.tlsConfig.caFile) && !has(e.tlsConfig.certFile) && !has(e.tlsConfig.keyFile))))`,
    message: "a team's ServiceMonitor may not read Prometheus's files (bearerTokenFile, tlsConfig.caFile/certFile/keyFile): use Secret references",
  };
  return {
    id,
    description,
    kinds,
    validations: [
      ...(fields.files ? [files] : []),
      {
        expression: `!has(object.spec.namespaceSelector) || ((!has(object.spec.namespaceSelector.any) || !object.spec.namespaceSelector.any) && (!has(object.spec.namespaceSelector.matchNames) || object.spec.namespaceSelector.matchNames.all(n, n == request.namespace)))`,
        message: "a team's monitor selects targets in its own namespace only (namespaceSelector)",
      },
      {
        expression: `(!has(object.spec.${endpoints}) || object.spec.${endpoints}.all(e, (!has(e.honorLabels) || !e.honorLabels) && ${relabels('e.relabelings')} && ${relabels('e.metricRelabelings')})) && ${copied}`,
        message: "a team's monitor labels its series with its own namespace: no honorLabels, no relabeling that writes namespace or __address__, no labelmap, no target label copied as namespace",
      },
    ],
  };
}

/** The mesh settings guardrail of workloads whose pod template is at `templatePath`. */
function podGuardrail(id: string, kinds: readonly VersionedKind[], templatePath: string, meshSettings: () => readonly string[]): Guardrail {
  return {
    id,
    description: `a team's ${kinds.map((k) => k.kind).join(', ')} carries no mesh setting on its pod template (an Istio label or annotation: injection, traffic interception, the proxy's image, templates or configuration) that the platform does not render itself or that the object did not already have, no container named as the mesh's own, every container running as a stated user and group other than the proxy's: no pod leaves the mesh or its egress allowlist by hand`,
    kinds,
    variables: [
      { name: 'settings', expression: meshSettingsOf(`object.${templatePath}`) },
      { name: 'oldSettings', expression: `request.operation == 'UPDATE' ? ${meshSettingsOf(`oldObject.${templatePath}`)} : []` },
      { name: 'rendered', expression: () => list(meshSettings()) },
    ],
    validations: [
      {
        expression: 'variables.settings.all(s, s in variables.oldSettings || s in variables.rendered)',
        messageExpression: `'a team may not set these mesh settings on a pod template (the platform renders them, through git): ' + variables.settings.filter(s, !(s in variables.oldSettings) && !(s in variables.rendered)).join(', ')`,
      },
      {
        expression: noMeshContainers(`object.${templatePath}.spec`),
        message: `a team's pod template may not name a container ${MESH_CONTAINER_NAMES.join(', ')}: the injector and Istio CNI take it for the mesh's own (another proxy image, or no traffic redirect)`,
      },
      {
        expression: notAsProxy(`object.${templatePath}.spec`),
        message: `a team's pod template states the user and group of every container (runAsUser, runAsGroup), none ${MESH_PROXY_ID}, and no fsGroup or supplemental group ${MESH_PROXY_ID}: traffic of the proxy's user or group goes past the proxy`,
      },
    ],
  };
}

/**
 * The admission guardrails (`access/guardrails.yaml`): what RBAC cannot say
 * about the kinds teams may write, as ValidatingAdmissionPolicies that
 * kube-apiserver runs on each request — where a route may lead, which mesh
 * settings a pod template may carry, which files a monitor may name, who
 * writes dashboards. Each applies to requests from the groups of the spec's
 * `teams:` in the environments' namespaces (never to Argo CD, which syncs
 * the same kinds from git, nor to cluster admins), and refuses with its id.
 */
export class GuardrailsChart extends PlatformChart {
  /** The policies, by guardrail id. */
  readonly policies: ReadonlyMap<string, ValidatingAdmissionPolicy>;
  /** Their bindings, by guardrail id. */
  readonly bindings: ReadonlyMap<string, ValidatingAdmissionPolicyBinding>;

  constructor(scope: Construct, id: string, props: GuardrailsProps) {
    const { model } = props;
    super(scope, id, { file: 'access/guardrails.yaml' });
    const policies = new Map<string, ValidatingAdmissionPolicy>();
    const bindings = new Map<string, ValidatingAdmissionPolicyBinding>();
    this.policies = policies;
    this.bindings = bindings;
    const groups = [...new Set(model.teams.flatMap((t) => t.groups))].sort();
    const namespaces = [...new Set(model.environments.flatMap((e) => e.namespaces))].sort();
    const identity = (name: string): Identity => ({ name: model.name, instance: name, component: 'guardrails', partOf: model.name, version: model.version });
    for (const g of guardrails(props)) {
      const name = `${model.name}-${g.id}`;
      // One rule per group and version: with concrete versions the API server type-checks the CEL against each kind's schema.
      const rules = new Map<string, { group: string; version: string; resources: string[] }>();
      for (const k of g.kinds) {
        const r = rules.get(`${k.group}/${k.version}`) ?? { group: k.group, version: k.version, resources: [] };
        r.resources.push(resourceOf(k.kind));
        rules.set(`${k.group}/${k.version}`, r);
      }
      policies.set(
        g.id,
        new ValidatingAdmissionPolicy(this, `policy-${g.id}`, {
          metadata: meta({ name, id: identity(name), wave: WAVE.foundation, annotations: { 'platform.example.com/description': g.description } }),
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              // Equivalent: a request in another version of the same resource is converted and checked too.
              matchPolicy: 'Equivalent',
              resourceRules: [...rules]
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([, r]) => ({ apiGroups: [r.group], apiVersions: [r.version], operations: ['CREATE', 'UPDATE'], resources: r.resources.sort() })),
            },
            matchConditions: [{ name: 'from-a-team', expression: `request.userInfo.groups.exists(g, g in ${list(groups)})` }],
            // A lazy expression is a Lazy in the typed spec (cdk8s resolves it when the object renders; the L1 type says string).
            ...(g.variables ? { variables: g.variables.map((v) => ({ name: v.name, expression: typeof v.expression === 'string' ? v.expression : (Lazy.any({ produce: v.expression }) as unknown as string) })) } : {}),
            validations: g.validations.map((v) => ({ ...v, reason: 'Forbidden' })),
          },
        }),
      );
      bindings.set(
        g.id,
        new ValidatingAdmissionPolicyBinding(this, `binding-${g.id}`, {
          metadata: meta({ name, id: identity(name), wave: WAVE.foundation }),
          spec: {
            policyName: name,
            validationActions: ['Deny'],
            matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] } },
          },
        }),
      );
    }
  }
}
