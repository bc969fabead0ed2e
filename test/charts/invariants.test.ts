import { describe, expect, test } from 'vitest';
import { LABEL } from '../../blocks/meta';
import type { KubeObject } from '../../blocks/kube-object';
import { podSpecOf } from '../../policy/rules';
import { checkPolicies } from '../../policy/gate';
import { CLUSTER_SCOPED_KINDS } from '../../catalogue/kinds';
import { schemaErrors } from '../helpers/kube-schema';
import { isBuiltInGroup, strictSchemaErrors } from '../../policy/strict-schema';
import { modelFor } from '../helpers/kube-schema';
import { platformsUnderTest } from '../helpers/platforms';
import { dumpWithJsYaml, toYaml } from '../../render/yaml';

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const templateLabels = (o: KubeObject) => (o.spec as any)?.template?.metadata?.labels as Record<string, string> | undefined;
const id = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe.each(platformsUnderTest())('$name', ({ rendered }) => {
  const { objects } = rendered;
  const workloads = objects.filter((o) => podSpecOf(o));
  const pods = (namespace: string | undefined) => workloads.filter((w) => w.metadata.namespace === namespace);

  test('every object is valid against the kubernetes-models / @kubernetes-models schema of its kind, where one exists', () => {
    const failures = objects.filter((o) => modelFor(o.apiVersion, o.kind)).map((o) => ({ o: id(o), errors: schemaErrors(o) })).filter((f) => f.errors.length);
    expect(failures).toEqual([]);
  });

  test("every object is written as js-yaml writes it (render/yaml.ts's fast writer is byte-identical)", () => {
    const differ = objects.filter((o) => toYaml(o) !== dumpWithJsYaml(o)).map(id);
    expect(differ).toEqual([]);
  });

  test('every object is valid, strictly, for Kubernetes 1.30 or the pinned CRD version of its kind', () => {
    const failures: string[] = [];
    for (const o of objects) {
      const errors = strictSchemaErrors(o);
      if (errors === null) {
        // ApplicationSet (a 340 kB schema) is the one kind left to its @kubernetes-models model.
        if (o.kind === 'ApplicationSet' && modelFor(o.apiVersion, o.kind)) continue;
        failures.push(`${id(o)}: no strict schema covers ${o.apiVersion} ${o.kind}${isBuiltInGroup(o.apiVersion) ? ' (not a Kubernetes 1.30 kind in policy/schemas)' : ''}`);
      } else if (errors.length) failures.push(`${id(o)}: ${errors.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  /*
   * What every object must be on its own (namespace, labels, Pod Security,
   * resources, probes, no Secret data, …) and how objects fit together
   * (names unique, selectors match, Services/PDBs/HPAs/ServiceMonitors find
   * their targets, principals exist) are rules of the pack (policy/), run on
   * every render; test/policy proves each rule rejects its bad twin.
   */
  test('passes the whole rule pack, per object and across objects', () => {
    expect(checkPolicies(rendered.charts)).toEqual([]);
  });


  test('every object has an explicit, hash-free name', () => {
    for (const o of objects) expect(o.metadata.name, id(o)).not.toMatch(/-c8[0-9a-f]{6}$/);
  });




  test('workload selectors use only name + instance', () => {
    for (const w of workloads.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const sel = (w.spec as any).selector.matchLabels as Record<string, string>;
      expect(Object.keys(sel).sort(), id(w)).toEqual([LABEL.instance, LABEL.name]);
    }
  });

  test('a platform service’s Service selects exactly its stable (and canary) Deployment, or both colours', () => {
    for (const s of objects.filter((o) => o.kind === 'Service' && (o.spec as any).selector)) {
      if (!rendered.model.environments.some((e) => e.namespace === s.metadata.namespace && e.serviceIndex.has(s.metadata.name))) continue;
      const sel = (s.spec as any).selector as Record<string, string>;
      const selected = pods(s.metadata.namespace).filter((w) => matches(sel, templateLabels(w)) && w.kind !== 'Job');
      const name = s.metadata.name;
      const trackNames = [name, `${name}-canary`, `${name}-blue`, `${name}-green`];
      const tracks = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === s.metadata.namespace && trackNames.includes(o.metadata.name));
      expect(selected.map(id).sort(), id(s)).toEqual(tracks.map(id).sort());
    }
  });




  /*
   * Prometheus runs outside the mesh and scrapes only istio-agent's merged
   * metrics (15020, `/stats/prometheus`), which the sidecar does not capture:
   * the mesh opens nothing for it.
   */
  test('no PeerAuthentication has a PERMISSIVE port (or mode); only the namespaces’ STRICT defaults exist', () => {
    const peerAuthentications = objects.filter((o) => o.kind === 'PeerAuthentication');
    expect(peerAuthentications.length).toBeGreaterThan(0);
    for (const pa of peerAuthentications) {
      const spec = pa.spec as any;
      expect(JSON.stringify(spec), id(pa)).not.toContain('PERMISSIVE');
      expect(spec, id(pa)).toEqual({ mtls: { mode: 'STRICT' } });
    }
  });

  test('AuthorizationPolicies only ALLOW; allow-nothing has no rules', () => {
    const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const ap of policies) {
      const spec = ap.spec as any;
      if (ap.metadata.name === 'allow-nothing') expect(spec, id(ap)).toEqual({});
      expect(spec.action ?? 'ALLOW', id(ap)).toBe('ALLOW');
    }
  });

  test('every ServiceMonitor scrapes the merged metrics (15020, /stats/prometheus) of the Services it selects', () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const sm of monitors) {
      const spec = sm.spec as any;
      const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === sm.metadata.namespace && matches(spec.selector.matchLabels, o.metadata.labels));
      for (const e of spec.endpoints) {
        expect(e.path, id(sm)).toBe('/stats/prometheus');
        for (const svc of services) expect(((svc.spec as any).ports as any[]).find((p) => p.name === e.port)?.targetPort, `${id(svc)} ${e.port}`).toBe(15020);
      }
    }
  });

  test('every meshed long-running pod names one metrics endpoint (prometheus.io/*) on a port one of its containers declares', () => {
    const longRunning = workloads.filter((w) => w.kind !== 'Job' && w.kind !== 'CronJob');
    expect(longRunning.length).toBeGreaterThan(0);
    for (const w of longRunning) {
      const annotations = ((w.spec as any).template.metadata.annotations ?? {}) as Record<string, string>;
      expect(annotations['prometheus.io/scrape'], id(w)).toBe('true');
      expect(annotations['prometheus.io/path'], id(w)).toMatch(/^\//);
      const declared = (podSpecOf(w)!.containers as any[]).flatMap((c) => ((c.ports ?? []) as { containerPort: number }[]).map((p) => p.containerPort));
      expect(declared, `${id(w)} declares prometheus.io/port ${annotations['prometheus.io/port']}`).toContain(Number(annotations['prometheus.io/port']));
    }
    // The collector's containers are the operator's: the annotated port is its prometheus exporter's.
    for (const c of objects.filter((o) => o.kind === 'OpenTelemetryCollector')) {
      const spec = c.spec as any;
      expect(spec.podAnnotations['prometheus.io/scrape'], id(c)).toBe('true');
      expect(spec.config.exporters.prometheus.endpoint, id(c)).toBe(`0.0.0.0:${spec.podAnnotations['prometheus.io/port']}`);
      expect(spec.podAnnotations['prometheus.io/path'], id(c)).toBe('/metrics');
    }
  });

  test('Prometheus may reach pods on the merged metrics port 15020 only (the collector also on its own 8888, outside the mesh)', () => {
    const fromPrometheus = (rule: any) => (rule.from ?? []).some((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus');
    let rules = 0;
    for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      for (const rule of ((np.spec as any).ingress ?? []).filter(fromPrometheus)) {
        rules++;
        const isCollector = objects.some((c) => c.kind === 'OpenTelemetryCollector' && c.metadata.namespace === np.metadata.namespace && matches((np.spec as any).podSelector.matchLabels, c.metadata.labels));
        expect(rule.from.length, id(np)).toBe(1);
        expect(rule.ports.map((p: any) => p.port), id(np)).toEqual(isCollector ? [15020, 8888] : [15020]);
      }
    }
    expect(rules).toBeGreaterThan(0);
    for (const c of objects.filter((o) => o.kind === 'OpenTelemetryCollector')) expect((c.spec as any).podAnnotations['traffic.sidecar.istio.io/excludeInboundPorts'], id(c)).toBe('8888');
  });

  test('every namespace is meshed (PSS restricted, default deny, quota and limits are the NAMESPACE-GUARDED rule)', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) expect(ns.metadata.labels?.['istio-injection']).toBe('enabled');
    // Environment files only ever write into namespaces the platform renders; the Argo CD
    // objects (dist/argocd) live in Argo CD's own namespace.
    for (const chart of rendered.charts) {
      for (const o of chart.objects) {
        if (CLUSTER_SCOPED_KINDS.has(o.kind)) continue;
        if (chart.file.startsWith('argocd/')) expect(o.metadata.namespace, id(o)).toBe(rendered.model.gitops.argocdNamespace);
        // The gateway reads its TLS Secret from its own namespace, so the Certificate lives there; an EnvoyFilter
        // applies to the workloads of its own namespace, so the gateway's rate limit does too.
        else if (o.kind === 'Certificate' || o.kind === 'Issuer' || o.kind === 'EnvoyFilter') expect(o.metadata.namespace, id(o)).toBe(rendered.model.cluster.ingressGateway.namespace);
        else expect(namespaces.map((n) => n.metadata.name), `${id(o)}'s namespace is rendered`).toContain(o.metadata.namespace);
      }
    }
  });
});
