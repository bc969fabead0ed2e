import { describe, expect, test } from 'vitest';
import { LABEL } from '../../blocks/meta';
import type { KubeObject } from '../../blocks/kube-object';
import { podSpecOf } from '../../policy/rules';
import { CLUSTER_SCOPED_KINDS } from '../../policy/kinds';
import { schemaErrors } from '../helpers/kube-schema';
import { isBuiltInGroup, strictSchemaErrors } from '../helpers/k8s-strict';
import { modelFor } from '../helpers/kube-schema';
import { platformsUnderTest } from '../helpers/platforms';

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

  test('every object is valid, strictly, for Kubernetes 1.30 or the pinned CRD version of its kind', () => {
    const failures: string[] = [];
    for (const o of objects) {
      const errors = strictSchemaErrors(o);
      if (errors === null) {
        // ApplicationSet (a 340 kB schema) is the one kind left to its @kubernetes-models model.
        if (o.kind === 'ApplicationSet' && modelFor(o.apiVersion, o.kind)) continue;
        failures.push(`${id(o)}: no strict schema covers ${o.apiVersion} ${o.kind}${isBuiltInGroup(o.apiVersion) ? ' (not a Kubernetes 1.30 kind in test/schemas)' : ''}`);
      } else if (errors.length) failures.push(`${id(o)}: ${errors.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  test('every namespaced object names its namespace; cluster-scoped ones do not', () => {
    for (const o of objects) {
      if (CLUSTER_SCOPED_KINDS.has(o.kind)) expect(o.metadata.namespace, id(o)).toBeUndefined();
      else expect(o.metadata.namespace, id(o)).toMatch(/^[a-z0-9-]+$/);
    }
  });

  test('every object carries the app.kubernetes.io labels and an explicit, hash-free name', () => {
    for (const o of objects) {
      for (const l of Object.values(LABEL)) expect(o.metadata.labels?.[l], `${id(o)} ${l}`).toBeTruthy();
      expect(o.metadata.name, id(o)).not.toMatch(/-c8[0-9a-f]{6}$/);
    }
  });

  test('object names are unique per kind and namespace', () => {
    const seen = new Set<string>();
    for (const o of objects) {
      const key = `${o.apiVersion}/${id(o)}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  test('pods are Pod Security "restricted" with a read-only root and a writable /tmp or other volume', () => {
    for (const w of workloads) {
      const pod = podSpecOf(w)!;
      expect(pod.securityContext?.runAsNonRoot, id(w)).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type, id(w)).toBe('RuntimeDefault');
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        expect(sc.allowPrivilegeEscalation, `${id(w)} ${c.name}`).toBe(false);
        expect(sc.capabilities?.drop, `${id(w)} ${c.name}`).toContain('ALL');
        expect(sc.readOnlyRootFilesystem, `${id(w)} ${c.name}`).toBe(true);
        expect(sc.privileged ?? false, `${id(w)} ${c.name}`).toBe(false);
        expect(sc.runAsUser ?? pod.securityContext?.runAsUser, `${id(w)} ${c.name}`).not.toBe(0);
      }
      expect(pod.hostNetwork ?? false).toBe(false);
      expect((pod.volumes ?? []).filter((v: any) => v.hostPath)).toEqual([]);
    }
  });

  test('every container has requests and limits; long-running ones have probes', () => {
    for (const w of workloads) {
      const pod = podSpecOf(w)!;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const k of ['requests', 'limits'] as const) for (const r of ['cpu', 'memory']) expect(c.resources?.[k]?.[r], `${id(w)} ${c.name} ${k}.${r}`).toBeDefined();
      }
      if (w.kind === 'Deployment' || w.kind === 'StatefulSet') {
        for (const c of pod.containers) {
          expect(c.readinessProbe, `${id(w)} ${c.name} readiness`).toBeDefined();
          expect(c.livenessProbe, `${id(w)} ${c.name} liveness`).toBeDefined();
        }
      }
    }
  });

  test('workload selectors match their pod template labels and use only name + instance', () => {
    for (const w of workloads.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const sel = (w.spec as any).selector.matchLabels as Record<string, string>;
      expect(Object.keys(sel).sort(), id(w)).toEqual([LABEL.instance, LABEL.name]);
      expect(matches(sel, templateLabels(w)), id(w)).toBe(true);
    }
  });

  test('each Service with a selector selects pods of its own application only; a platform service’s, its stable (and canary) Deployment', () => {
    for (const s of objects.filter((o) => o.kind === 'Service' && (o.spec as any).selector)) {
      const sel = (s.spec as any).selector as Record<string, string>;
      const selected = pods(s.metadata.namespace).filter((w) => matches(sel, templateLabels(w)) && w.kind !== 'Job');
      expect(selected.length, `${id(s)} selects ${selected.map(id).join(', ') || 'nothing'}`).toBeGreaterThanOrEqual(1);
      for (const w of selected) expect(templateLabels(w)?.[LABEL.name], `${id(s)} selects ${id(w)}`).toBe(s.metadata.labels?.[LABEL.name]);
      // A store's Service may span several StatefulSets (primary and replicas); a platform service's selects its tracks.
      if (rendered.model.environments.some((e) => e.namespace === s.metadata.namespace && e.serviceIndex.has(s.metadata.name))) {
        const name = s.metadata.name;
        const tracks = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === s.metadata.namespace && (o.metadata.name === name || o.metadata.name === `${name}-canary`));
        expect(selected.map(id).sort(), id(s)).toEqual(tracks.map(id).sort());
      }
      const named = (s.spec as any).ports.filter((p: any) => typeof p.targetPort === 'string');
      for (const p of named) {
        const declared = selected.flatMap((w) => podSpecOf(w)!.containers.flatMap((c: any) => (c.ports ?? []).map((cp: any) => cp.name)));
        expect(declared, `${id(s)} targetPort ${p.targetPort}`).toContain(p.targetPort);
      }
    }
  });

  test('every PodDisruptionBudget selects pods of a workload with more than one replica or an autoscaler', () => {
    for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const sel = (pdb.spec as any).selector.matchLabels;
      const selected = pods(pdb.metadata.namespace).filter((w) => matches(sel, templateLabels(w)));
      expect(selected.length, id(pdb)).toBe(1);
    }
  });

  test('each HPA targets an existing Deployment that leaves replicas to it', () => {
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      const ref = (hpa.spec as any).scaleTargetRef;
      const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === hpa.metadata.namespace);
      expect(target, id(hpa)).toBeDefined();
      expect((target!.spec as any).replicas, `${id(target!)} must not set replicas`).toBeUndefined();
      expect((hpa.spec as any).minReplicas).toBeLessThanOrEqual((hpa.spec as any).maxReplicas);
    }
  });

  test('no Secret is rendered with data', () => {
    for (const s of objects.filter((o) => o.kind === 'Secret')) {
      expect(s.data ?? s.stringData, id(s)).toBeUndefined();
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

  test('every ALLOW rule of every AuthorizationPolicy names principals (allow-nothing and caller-less policies have no rules)', () => {
    const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const ap of policies) {
      const spec = ap.spec as any;
      if (ap.metadata.name === 'allow-nothing') expect(spec, id(ap)).toEqual({});
      expect(spec.action ?? 'ALLOW', id(ap)).toBe('ALLOW');
      for (const rule of spec.rules ?? []) {
        expect(rule.from?.length, `${id(ap)}: a rule without sources`).toBeGreaterThan(0);
        for (const f of rule.from) {
          expect(Object.keys(f.source), `${id(ap)}: sources name principals only`).toEqual(['principals']);
          expect(f.source.principals.length, id(ap)).toBeGreaterThan(0);
          for (const p of f.source.principals) expect(p, id(ap)).toMatch(/^cluster\.local\/ns\/[a-z0-9-]+\/sa\/[a-z0-9-]+$/);
        }
      }
    }
  });

  test('every ServiceMonitor scrapes a port of the Services it selects, and that port targets the merged metrics (15020)', () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const sm of monitors) {
      const spec = sm.spec as any;
      const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === sm.metadata.namespace && matches(spec.selector.matchLabels, o.metadata.labels));
      expect(services.length, `${id(sm)} selects a Service`).toBeGreaterThan(0);
      for (const e of spec.endpoints) {
        expect(e.path, id(sm)).toBe('/stats/prometheus');
        for (const svc of services) {
          const port = ((svc.spec as any).ports as any[]).find((p) => p.name === e.port);
          expect(port, `${id(sm)} → ${id(svc)} port ${e.port}`).toBeDefined();
          expect(port.targetPort, `${id(svc)} ${e.port}`).toBe(15020);
        }
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

  test('every namespace is PSS restricted, meshed, and denies all traffic by default', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(ns.metadata.labels?.['istio-injection']).toBe('enabled');
      const deny = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns.metadata.name && Object.keys((o.spec as any).podSelector).length === 0);
      expect(deny, `default deny in ${ns.metadata.name}`).toBeDefined();
      expect((deny!.spec as any).policyTypes).toEqual(['Ingress', 'Egress']);
      expect((deny!.spec as any).ingress).toBeUndefined();
      expect((deny!.spec as any).egress).toBeUndefined();
      for (const kind of ['ResourceQuota', 'LimitRange']) {
        expect(objects.some((o) => o.kind === kind && o.metadata.namespace === ns.metadata.name), `${kind} in ${ns.metadata.name}`).toBe(true);
      }
    }
    // Environment files only ever write into namespaces the platform renders; the Argo CD
    // objects (dist/argocd) live in Argo CD's own namespace.
    for (const chart of rendered.charts) {
      for (const o of chart.objects) {
        if (CLUSTER_SCOPED_KINDS.has(o.kind)) continue;
        if (chart.file.startsWith('argocd/')) expect(o.metadata.namespace, id(o)).toBe(rendered.model.gitops.argocdNamespace);
        // The gateway reads its TLS Secret from its own namespace, so the Certificate lives there.
        else if (o.kind === 'Certificate' || o.kind === 'Issuer') expect(o.metadata.namespace, id(o)).toBe(rendered.model.cluster.ingressGateway.namespace);
        else expect(namespaces.map((n) => n.metadata.name), `${id(o)}'s namespace is rendered`).toContain(o.metadata.namespace);
      }
    }
  });
});
