import { execFile } from 'node:child_process';
import type { ControlPlane } from './control-plane';
import { toolPaths } from './control-plane';
import type { TreeObject } from './tree';

/**
 * `istioctl analyze` on what an environment put into the API server: every
 * namespace, with the Services, Pods, Namespaces and Secrets the analyzers
 * need beside the Istio resources (offline on the files, istioctl drops those
 * kinds and skips the analyzers that read them — it finds nothing there).
 *
 * Errors and Warnings count; Info is reported in the summary only. A message
 * is not counted only when one of EXPLAINED says why, each narrow enough that
 * the same code on anything else still counts.
 */
export interface AnalyzeMessage {
  readonly code: string;
  readonly level: string;
  readonly origin: string;
  readonly text: string;
}

/** The ingress gateway add-on's pod label (`app`): the spec's `cluster.ingressGateway.name`, set by run.ts. */
export const GATEWAY = { app: 'istio-ingressgateway' };

type Explanation = { readonly why: string; readonly applies: (m: AnalyzeMessage, objects: readonly TreeObject[]) => boolean };

/** Hosts a VirtualService of the tree routes to with subset `canary`. */
/** `<host>|<subset>` of every route destination; one that names no subset sends to the stable track's pods. */
const routedSubsets = (objects: readonly TreeObject[]) =>
  new Set(
    objects
      .filter((o) => o.obj.kind === 'VirtualService')
      .flatMap((o) => (o.obj.spec?.http ?? []).flatMap((h: any) => h.route ?? []))
      .filter((r: any) => r.destination?.host)
      .map((r: any) => `${r.destination.host}|${r.destination.subset ?? 'stable'}`),
  );

export const EXPLAINED: readonly Explanation[] = [
  // Harness: the add-ons do not run here.
  { why: 'no sidecar injector runs here (istiod is an add-on)', applies: (m) => m.code === 'IST0103' },
  {
    why: "the ingress gateway's pods are the istio-ingress add-on's, which does not run here",
    // Only the configured gateway's selector: a misspelt one still counts.
    applies: (m) => m.code === 'IST0101' && /^Gateway /.test(m.origin) && m.text.includes(`Referenced selector not found: "app=${GATEWAY.app}"`),
  },
  {
    why: "the collector's pods are created by the OpenTelemetry Operator (an add-on), which does not run here",
    applies: (m) =>
      ((m.code === 'IST0127' && /^AuthorizationPolicy /.test(m.origin)) || (m.code === 'IST0101' && /^Telemetry /.test(m.origin) && /Referenced selector not found/.test(m.text))) &&
      /app\.kubernetes\.io\/component=opentelemetry-collector/.test(m.text),
  },
  // By design: a Job that reaches an external endpoint (a managed Kafka's topics hook) has a Sidecar naming its
  // ServiceEntries; its pods exist only while it runs (Argo CD deletes a succeeded hook), so in between the
  // Sidecar selects nothing. Only a Sidecar whose selector is exactly a Job's pod name in the tree.
  {
    why: "a Job's egress Sidecar selects pods that exist only while the Job runs",
    applies: (m, objects) => {
      const [, ns, name] = /^Sidecar ([^/]+)\/(\S+)$/.exec(m.origin) ?? [];
      const sc = objects.find((o) => o.obj.kind === 'Sidecar' && o.obj.metadata.namespace === ns && o.obj.metadata.name === name);
      const labels: Record<string, string> = sc?.obj.spec?.workloadSelector?.labels ?? {};
      const jobPods = objects
        .filter((o) => o.obj.kind === 'Job' && o.obj.metadata.namespace === ns)
        .map((o) => o.obj.spec?.template?.metadata?.labels?.['app.kubernetes.io/name']);
      const selects = Object.keys(labels).length === 1 && jobPods.includes(labels['app.kubernetes.io/name']);
      return m.code === 'IST0101' && selects && m.text === `Referenced selector not found: "app.kubernetes.io/name=${labels['app.kubernetes.io/name']}"`;
    },
  },
  // By design: Istio has no API for a local rate limit but EnvoyFilter (charts/mesh.ts; README "Gateway rate
  // limit"), which it always warns about. Only the platform's own rate-limit filters (named <platform>-<env>-rate-limit).
  {
    why: 'the gateway rate limit is an EnvoyFilter, the only Istio API for it',
    applies: (m, objects) => {
      const [, ns, name] = /^EnvoyFilter ([^/]+)\/(\S+)$/.exec(m.origin) ?? [];
      const ef = objects.find((o) => o.obj.kind === 'EnvoyFilter' && o.obj.metadata.namespace === ns && o.obj.metadata.name === name);
      // The platform's own: on the ingress gateway, inserting only its per-environment local_ratelimit filter.
      const ours = !!ef && ef.obj.spec?.workloadSelector?.labels?.app === GATEWAY.app && /^envoy\.filters\.http\.local_ratelimit\./.test(ef.obj.spec?.configPatches?.[0]?.patch?.value?.name ?? '');
      return m.code === 'IST0133' && ours && /EnvoyFilter exposes internal implementation details/.test(m.text);
    },
  },
  // By design (README "Proven on", docs/mesh-and-telemetry.md): every DestinationRule keeps a subset per track a
  // service may run — stable, canary, blue, green — so adding or removing a canary, or moving to or from blue-green,
  // changes only the VirtualService. A subset no route uses is empty then; one a route uses must select pods.
  {
    why: 'a track subset is kept while no route uses it',
    applies: (m, objects) => {
      const subset = /The Subset (\S+) defined/.exec(m.text)?.[1];
      if (m.code !== 'IST0173' || !subset) return false;
      const [, ns, name] = /^DestinationRule ([^/]+)\/(\S+)/.exec(m.origin) ?? [];
      const dr = objects.find((o) => o.obj.kind === 'DestinationRule' && o.obj.metadata.namespace === ns && o.obj.metadata.name === name);
      return !!dr && !routedSubsets(objects).has(`${dr.obj.spec.host}|${subset}`);
    },
  },
];

export async function istioAnalyze(cp: ControlPlane, objects: readonly TreeObject[]): Promise<{ counted: AnalyzeMessage[]; explained: Map<string, number>; info: number }> {
  const istioctl = toolPaths().istioctl!;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(istioctl, ['analyze', '--all-namespaces', `--kubeconfig=${cp.kubeconfig}`, '--output=json', '--output-threshold=Info'], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      // istioctl exits non-zero when it finds errors or warnings; the JSON is still on stdout.
      if (stdout.trim().startsWith('[')) resolve(stdout);
      else reject(new Error(`istioctl analyze failed: ${err?.message ?? ''} ${stderr.trim()}`));
    }),
  );
  const messages: AnalyzeMessage[] = (JSON.parse(out) as any[]).map((m) => ({ code: m.code, level: m.level, origin: m.origin, text: m.message }));
  const explained = new Map<string, number>();
  const counted: AnalyzeMessage[] = [];
  let info = 0;
  for (const m of messages) {
    const e = EXPLAINED.find((x) => x.applies(m, objects));
    if (e) explained.set(`${m.code}: ${e.why}`, (explained.get(`${m.code}: ${e.why}`) ?? 0) + 1);
    else if (m.level === 'Info') info++;
    else counted.push(m);
  }
  return { counted, explained, info };
}
