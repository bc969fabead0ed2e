import { DATA_STORES, STORE_CATALOGUE } from '../catalogue/stores';
import type { EnvironmentModel, ExternalStoreModel, PlatformModel } from '../platform/model';
import type { RenderedChart } from '../blocks/kube-object';
import { podSpecOf } from '../policy/rules';
import { secretsReadBy } from '../policy/cross-rules';
import { SEALED_SECRETS_DIR } from '../platform/sealed-secrets';

/** Default location of the generated architecture document (outside dist/: Argo CD never reads it). */
export const ARCHITECTURE_DOC = 'docs/architecture.md';

/** A Mermaid label in double quotes (quotes and markup characters escaped). */
function label(text: string): string {
  return `"${text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`;
}
const br = '<br/>';
/** Labels may contain our own line breaks; everything else is escaped. */
const lines = (...parts: string[]) => `"${parts.map((p) => label(p).slice(1, -1)).join(br)}"`;

const svcId = (i: number) => `svc${i}`;
const storeId = (kind: string) => `store_${kind}`;
const topicId = (i: number) => `topic${i}`;

/**
 * The platform as a Mermaid flowchart: users → ingress gateway → services →
 * data stores and Kafka topics, and the observability flow. The topology is
 * the same in every environment (environments differ in size, listed below
 * the diagram), so the first environment draws it.
 */
/** A managed store's endpoint for people: `host:port`, or (Kafka) the first broker and how many there are. */
function managedLabel(x: ExternalStoreModel): string {
  return x.hosts.length > 1 ? `${x.hosts.length} brokers, ${x.host}:${x.port} …` : `${x.host}:${x.port}`;
}

export function architectureDiagram(model: PlatformModel): string {
  const env = model.environments[0]!;
  const out: string[] = ['flowchart LR'];
  const svcIndex = new Map(env.services.map((s, i) => [s.name, svcId(i)]));
  const routed = env.services.filter((s) => s.route);
  const gw = model.cluster.ingressGateway;

  if (routed.length) {
    out.push(`  users([${label('Users')}])`);
    out.push(`  gateway[${lines('Istio ingress gateway', `${gw.namespace}/${gw.name}`)}]`);
    out.push(`  users -->|${label('HTTPS')}| gateway`);
  }
  out.push(`  subgraph services[${label(`Services (namespace per environment)`)}]`);
  env.services.forEach((s, i) => out.push(`    ${svcId(i)}[${lines(s.name, `${s.runtime} · :${s.port}`)}]`));
  out.push('  end');
  if (env.stores.length || env.externalStores.length) {
    out.push(`  subgraph data[${label('Data stores')}]`);
    for (const st of env.stores) out.push(`    ${storeId(st.kind)}[(${lines(st.kind, st.version)})]`);
    // Run by a provider in this environment (outside the cluster).
    for (const x of env.externalStores) out.push(`    ${storeId(x.kind)}[(${lines(x.kind, `managed · ${managedLabel(x)}`)})]`);
    out.push('  end');
  }
  // Services of other platform specs (`peers`) these call or are called by: drawn, not rendered here.
  const peerNodes = [...new Set(env.services.flatMap((s) => [...s.peerCalls, ...s.peerCallers].map((p) => `${p.platform}/${p.service.name}`)))].sort();
  const peerId = (ref: string) => `peer${peerNodes.indexOf(ref)}`;
  if (peerNodes.length) {
    out.push(`  subgraph peers[${label('Other platform specs (peers)')}]`);
    for (const ref of peerNodes) out.push(`    ${peerId(ref)}[/${label(ref)}/]`);
    out.push('  end');
  }
  if (env.topics.length) {
    out.push(`  subgraph topics[${label('Kafka topics')}]`);
    env.topics.forEach((t, i) => out.push(`    ${topicId(i)}[[${label(t.name)}]]`));
    out.push('  end');
  }

  for (const s of routed) out.push(`  gateway -->|${label(s.route!.path)}| ${svcIndex.get(s.name)}`);
  for (const s of env.services) {
    const from = svcIndex.get(s.name)!;
    for (const dep of s.dependsOn.services) out.push(`  ${from} --> ${svcIndex.get(dep)}`);
    for (const p of s.peerCalls) out.push(`  ${from} --> ${peerId(`${p.platform}/${p.service.name}`)}`);
    for (const p of s.peerCallers) out.push(`  ${peerId(`${p.platform}/${p.service.name}`)} --> ${from}`);
    for (const store of s.dependsOn.stores) if (store !== 'kafka' || (s.produces.length === 0 && s.consumes.length === 0)) out.push(`  ${from} --> ${storeId(store)}`);
  }
  env.topics.forEach((t, i) => {
    for (const p of t.producers) out.push(`  ${svcIndex.get(p)} -->|${label('produces')}| ${topicId(i)}`);
    for (const c of t.consumers) out.push(`  ${topicId(i)} -->|${label('consumes')}| ${svcIndex.get(c)}`);
  });
  const hasStore = (k: string) => env.stores.some((s) => s.kind === k);
  if (env.topics.length && hasStore('kafka')) out.push(`  topics -.-|${label('stored in')}| ${storeId('kafka')}`);
  // A store that cannot run without another (the catalogue's `requires`: Kafka → ZooKeeper) is drawn next to it.
  for (const st of env.stores) for (const needed of STORE_CATALOGUE[st.kind].requires ?? []) if (hasStore(needed)) out.push(`  ${storeId(st.kind)} --- ${storeId(needed)}`);

  const addons = model.addons;
  out.push(`  subgraph observability[${label('Observability')}]`);
  out.push(`    otel[${lines('OpenTelemetry collector', `${env.telemetry.service} in each environment`)}]`);
  if (addons.jaeger.enabled) out.push(`    jaeger[${lines('Jaeger', model.cluster.telemetryNamespace)}]`);
  if (addons.kubePrometheusStack.enabled) {
    out.push(`    prometheus[${lines('Prometheus', model.cluster.monitoringNamespace)}]`);
    out.push(`    grafana[${label('Grafana')}]`);
  }
  out.push('  end');
  out.push(`  services -.->|${label('OTLP traces and metrics')}| otel`);
  if (addons.jaeger.enabled) out.push(`  otel -.->|${label('traces')}| jaeger`);
  if (addons.kubePrometheusStack.enabled) {
    out.push(`  prometheus -.->|${label('scrapes :15020 (app + Envoy metrics)')}| services`);
    out.push(`  grafana -.-> prometheus`);
    if (addons.jaeger.enabled) out.push(`  grafana -.-> jaeger`);
  }
  return out.join('\n');
}

function environmentRow(env: EnvironmentModel): string {
  const scaling = env.services[0]?.autoscaling;
  const replicas = scaling ? `${scaling.minReplicas}–${scaling.maxReplicas} (autoscaled)` : String(env.services[0]?.replicas ?? '–');
  const clusters = env.clusters.map((c) => `${c.name}${c.region ? ` (${c.region})` : ''}`).join(', ');
  const ns = env.namespaces.map((n) => `\`${n}\``).join(', ');
  return `| ${env.name} | ${ns} | ${clusters} | ${replicas} | ${env.host ?? '–'} | ${env.zones.length ? env.zones.join(', ') : '–'} |`;
}

/**
 * The Secrets each environment's pods read, from the rendered pods (so nothing a chart adds is missed):
 * who reads each, and where it comes from — a SealedSecret rendered with it, the cluster
 * (`providedSecrets`), or an operator before the first sync.
 */
export function secretsTable(model: PlatformModel, charts: readonly RenderedChart[]): string[] {
  return secretsSection(secretRows(model, charts));
}

/**
 * The Secrets table's rows of the environments among `charts` (environment by environment, as the table
 * lists them): rows of charts rendered in parts, concatenated in environment order, are the whole table's.
 */
export function secretRows(model: PlatformModel, charts: readonly RenderedChart[]): string[] {
  const rows: string[] = [];
  for (const env of model.environments) {
    const objects = charts.filter((c) => c.file.startsWith(`${env.name}/`)).flatMap((c) => c.objects);
    const readers = new Map<string, Set<string>>();
    for (const o of objects) {
      const pod = podSpecOf(o);
      if (!pod) continue;
      for (const name of secretsReadBy(pod)) {
        const key = `${o.metadata.namespace}\t${name}`;
        (readers.get(key) ?? readers.set(key, new Set()).get(key)!).add(`${o.kind} ${o.metadata.name}`);
      }
    }
    const sealed = new Set(objects.filter((o) => o.kind === 'SealedSecret').map((o) => `${o.metadata.namespace}\t${o.metadata.name}`));
    for (const key of [...readers.keys()].sort()) {
      const [ns, name] = key.split('\t') as [string, string];
      const source = sealed.has(key)
        ? `SealedSecret in \`${SEALED_SECRETS_DIR}/${env.name}/\``
        : ns === env.namespace && env.providedSecrets.includes(name)
          ? 'the cluster (`providedSecrets`)'
          : '**an operator creates it** before the first sync';
      rows.push(`| ${env.name} | ${ns} | \`${name}\` | ${[...readers.get(key)!].sort().join(', ')} | ${source} |`);
    }
  }
  return rows;
}

function secretsSection(rows: readonly string[]): string[] {
  return rows.length ? ['', '## Secrets', '', 'The Secrets the pods read (nothing secret is rendered; SealedSecrets are ciphertext).', '', '| environment | namespace | Secret | read by | comes from |', '|---|---|---|---|---|', ...rows] : [];
}

/** `docs/architecture.md`: the diagram plus what differs per environment, and the Secrets the pods read (`secretRows` of the rendered charts). Deterministic. */
export function architectureMarkdown(model: PlatformModel, secrets: readonly string[], origin: { readonly command: string; readonly spec: string } = { command: 'npm run synth', spec: 'platform.yaml' }): string {
  const parts: string[] = [
    origin.spec === 'platform.yaml'
      ? `<!-- Generated by \`${origin.command}\` from the platform spec. Do not edit: change platform.yaml. -->`
      : `<!-- Generated by \`${origin.command}\` from ${origin.spec}. Do not edit: change the example. -->`,
    `# Architecture of \`${model.name}\` ${model.version}`,
    '',
    'Requests enter through the Istio ingress gateway and reach the services with public routes; services call each other, ' +
      'the data stores and Kafka topics they declare in `dependsOn`, `produces` and `consumes`. Traces and metrics go to each ' +
      "environment's OpenTelemetry collector; Prometheus scrapes every service.",
    '',
    '```mermaid',
    architectureDiagram(model),
    '```',
    '',
    '## Environments',
    '',
    '| environment | namespaces | clusters | replicas per service | host | zones |',
    '|---|---|---|---|---|---|',
    ...model.environments.map(environmentRow),
  ];
  // Every store kind of the spec, in registry order: in the cluster (members × claim) or managed by a provider, per environment.
  const kinds = DATA_STORES.filter((k) => model.environments.some((e) => e.stores.some((x) => x.kind === k) || e.externalStores.some((x) => x.kind === k)));
  if (kinds.length) {
    parts.push('', '## Data stores', '', `| store | version | ${model.environments.map((e) => e.name).join(' | ')} |`, `|---|---|${model.environments.map(() => '---|').join('')}`);
    for (const kind of kinds) {
      const cells = model.environments.map((e) => {
        const s = e.stores.find((x) => x.kind === kind);
        if (s) return `${s.replicas} × ${s.storage}${s.storageClass ? ` (${s.storageClass})` : ''}`;
        const x = e.externalStores.find((y) => y.kind === kind);
        if (x) return `managed: ${managedLabel(x)}`;
        return '–';
      });
      const versions = [...new Set(model.environments.flatMap((e) => e.stores.filter((x) => x.kind === kind).map((x) => x.version)))];
      parts.push(`| ${kind} | ${versions.join(', ') || 'the provider\'s'} | ${cells.join(' | ')} |`);
    }
  }
  parts.push(...secretsSection(secrets));
  return `${parts.join('\n')}\n`;
}
