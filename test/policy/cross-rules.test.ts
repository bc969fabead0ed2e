import { describe, expect, test } from 'vitest';
import type { KubeObject, RenderedChart } from '../../blocks/kube-object';
import { CROSS_RULES } from '../../policy/cross-rules';
import { checkPolicies, RULE_PACK } from '../../policy/gate';
import { SUPPRESS_ANNOTATION } from '../../policy/rules';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

const rendered = render(smallPlatform());
/** The prod environment's files, deep-copied so a test can break them. */
const prod = (): RenderedChart[] => structuredClone(rendered.charts.filter((c) => c.file.startsWith('prod/'))) as RenderedChart[];
const find = (charts: RenderedChart[], kind: string, name: string): any => {
  const found = charts.flatMap((c) => c.objects).filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`${found.length} × ${kind}/${name}`);
  return found[0];
};
const add = (charts: RenderedChart[], ...objects: KubeObject[]) => [...charts, { file: 'prod/extra.yaml', objects }];
const fired = (charts: RenderedChart[]) => checkPolicies(charts).map((v) => `${v.rule} ${v.object}: ${v.message}`);

/** Each cross-object rule: a bad twin of the rendered prod environment it must reject. */
const TWINS: Record<string, (c: RenderedChart[]) => RenderedChart[]> = {
  'NAMESPACE-GUARDED': (c) => {
    // A namespace added without its guards (a chart of a user's, say).
    const ns = structuredClone(c.flatMap((x) => x.objects).find((o) => o.kind === 'Namespace')!) as any;
    ns.metadata.name = 'reports';
    return add(c, ns);
  },
  'NAME-UNIQUE': (c) => add(c, structuredClone(find(c, 'Service', 'api'))),
  'SEALED-SECRET-USED': (c) =>
    // Sealed for a name no pod reads (the service says `stripe-keys`).
    add(c, { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'stripe-key', namespace: 'acme-prod', labels: { ...find(c, 'Service', 'api').metadata.labels }, annotations: { 'argocd.argoproj.io/sync-wave': '0' } }, spec: { encryptedData: { 'api-key': 'AgB4' } } } as KubeObject),
  'SELECTOR-MATCHES-TEMPLATE': (c) => {
    find(c, 'Deployment', 'api').spec.selector.matchLabels['app.kubernetes.io/component'] = 'api';
    return c;
  },
  'SERVICE-SELECTS': (c) => {
    find(c, 'Service', 'api').spec.selector['app.kubernetes.io/name'] = 'apí-typo';
    return c;
  },
  'PDB-SELECTS': (c) => {
    find(c, 'PodDisruptionBudget', 'api').spec = { maxUnavailable: 0, selector: find(c, 'PodDisruptionBudget', 'api').spec.selector };
    return c;
  },
  'HPA-TARGET': (c) => {
    find(c, 'HorizontalPodAutoscaler', 'api').spec.scaleTargetRef.name = 'apii';
    return c;
  },
  'VPA-HPA-EXCLUSIVE': (c) => {
    // A VPA applying recommendations to the Deployment the CPU HPA scales (as an extra manifest could add).
    const hpa = find(c, 'HorizontalPodAutoscaler', 'api');
    const vpa = { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { ...structuredClone(hpa.metadata), name: 'api-vpa' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, updatePolicy: { updateMode: 'Recreate' }, resourcePolicy: { containerPolicies: [{ containerName: 'api', maxAllowed: { cpu: '1', memory: '1Gi' } }] } } };
    return add(c, vpa as KubeObject);
  },
  'AUTHZ-PRINCIPALS': (c) => {
    // A caller in the environment's own namespace, with a typo in its account.
    const lists: string[][] = c.flatMap((x) => x.objects).filter((o) => o.kind === 'AuthorizationPolicy').flatMap((o: any) => (o.spec.rules ?? []).flatMap((r: any) => r.from.map((f: any) => f.source.principals as string[])));
    const principals = lists.find((l) => l.some((p) => p.startsWith('cluster.local/ns/acme-prod/')))!;
    const i = principals.findIndex((p) => p.startsWith('cluster.local/ns/acme-prod/'));
    principals[i] = `${principals[i]}-typo`;
    return c;
  },
  'MONITOR-SELECTS': (c) => {
    const sm = c.flatMap((x) => x.objects).find((o) => o.kind === 'ServiceMonitor') as any;
    sm.spec.endpoints[0].port = 'http-metric';
    return c;
  },
};

describe('cross-object rules', () => {
  test('every rendered platform environment passes them (the good twin)', () => {
    expect(fired(prod())).toEqual([]);
    expect(fired(structuredClone(rendered.charts) as RenderedChart[])).toEqual([]);
  });

  test('every cross-object rule of the pack has a bad twin here', () => {
    expect(Object.keys(TWINS).sort()).toEqual(RULE_PACK.crossRules.map((r) => r.id).sort());
  });

  test.each(Object.keys(TWINS))('%s rejects its bad twin, and only it fires', (id) => {
    const found = fired(TWINS[id]!(prod()));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((f) => !f.startsWith(`${id} `)), 'other rules stay quiet').toEqual([]);
  });

  test('VPA-HPA-EXCLUSIVE: the same VPA in recommendation mode beside the HPA passes; one whose target is missing fails', () => {
    const c = TWINS['VPA-HPA-EXCLUSIVE']!(prod());
    const vpa = find(c, 'VerticalPodAutoscaler', 'api-vpa');
    vpa.spec.updatePolicy.updateMode = 'Off';
    expect(fired(c)).toEqual([]);
    vpa.spec.targetRef.name = 'apii';
    expect(fired(c)).toEqual([expect.stringMatching(/^VPA-HPA-EXCLUSIVE .*targets Deployment\/apii, which is not rendered/)]);
  });

  test('VPA-HPA-EXCLUSIVE also sees a ContainerResource metric and a KEDA cpu trigger; QUOTA-BOUNDED an unbounded VPA', () => {
    const c = TWINS['VPA-HPA-EXCLUSIVE']!(prod());
    const hpa = find(c, 'HorizontalPodAutoscaler', 'api');
    hpa.spec.metrics = [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'api', target: { type: 'Utilization', averageUtilization: 70 } } }];
    expect(fired(c)).toEqual([expect.stringMatching(/^VPA-HPA-EXCLUSIVE .*HorizontalPodAutoscaler\/api scales on CPU\/memory/)]);
    hpa.spec.metrics = [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '5' } } }];
    expect(fired(c)).toEqual([]);
    // mailer scales on Kafka lag (KEDA): a VPA may act beside that — not beside a cpu trigger.
    const vpa = { ...structuredClone(find(c, 'VerticalPodAutoscaler', 'api-vpa')), metadata: { ...structuredClone(hpa.metadata), name: 'mailer-vpa' } } as any;
    vpa.spec.targetRef.name = 'mailer';
    vpa.spec.resourcePolicy.containerPolicies[0].containerName = 'mailer';
    const withMailer = add(c, vpa);
    expect(fired(withMailer)).toEqual([]);
    find(withMailer, 'ScaledObject', 'mailer').spec.triggers.push({ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } });
    expect(fired(withMailer)).toEqual([expect.stringMatching(/^VPA-HPA-EXCLUSIVE .*mailer-vpa: .*ScaledObject\/mailer scales on CPU\/memory/)]);
    const unbounded = structuredClone(find(c, 'VerticalPodAutoscaler', 'api-vpa'));
    delete unbounded.spec.resourcePolicy;
    unbounded.metadata.name = 'api-vpa-2';
    hpa.spec.metrics = [];
    expect(fired(add(prod(), unbounded))).toEqual(expect.arrayContaining([expect.stringMatching(/^QUOTA-BOUNDED .*api-vpa-2: applies recommendations with no containerPolicies/)]));
  });

  test('two environments may reuse a namespace name (different clusters): names are compared per environment', () => {
    const staging = prod().map((c) => ({ ...c, file: c.file.replace(/^prod\//, 'staging/') }));
    expect(fired([...prod(), ...staging])).toEqual([]);
  });

  test('a PDB over a fixed pod with maxUnavailable 1 allows drains; minAvailable = replicas blocks them', () => {
    const c = prod();
    const pdb = find(c, 'PodDisruptionBudget', 'postgres-primary');
    expect(fired(c)).toEqual([]);
    pdb.spec = { minAvailable: 1, selector: pdb.spec.selector };
    expect(fired(c)).toEqual([expect.stringMatching(/^PDB-SELECTS .*every drain is blocked/)]);
  });

  test('PDB-SELECTS: a percentage that keeps every fixed pod blocks drains; a matchExpressions selector is evaluated, not taken as "everything"', () => {
    const c = prod();
    const pdb = find(c, 'PodDisruptionBudget', 'postgres-primary');
    const labels = pdb.spec.selector.matchLabels;
    pdb.spec = { minAvailable: '50%', selector: pdb.spec.selector };
    expect(fired(c)).toEqual([expect.stringMatching(/^PDB-SELECTS .*minAvailable 50% of 1 fixed pods/)]);
    pdb.spec = { maxUnavailable: 1, selector: { matchExpressions: Object.entries(labels).map(([key, v]) => ({ key, operator: 'In', values: [v] })) } };
    expect(fired(c)).toEqual([]);
  });

  test('HPA-TARGET covers KEDA ScaledObjects; MONITOR-SELECTS follows a namespaceSelector; principals may contain dots', () => {
    const c = prod();
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { ...find(c, 'Deployment', 'api').metadata, name: 'ghost' }, spec: { scaleTargetRef: { name: 'ghost' }, maxReplicaCount: 3 } };
    expect(fired(add(c, so as KubeObject))).toEqual([expect.stringMatching(/^HPA-TARGET .*Deployment\/ghost/)]);
    const sm = structuredClone(c.flatMap((x) => x.objects).find((o) => o.kind === 'ServiceMonitor')!) as any;
    const svcNs = sm.metadata.namespace;
    sm.metadata = { ...sm.metadata, name: 'from-elsewhere', namespace: 'monitoring' };
    sm.spec.namespaceSelector = { matchNames: [svcNs] };
    expect(fired(add(c, sm))).toEqual([]);
    const ap = c.flatMap((x) => x.objects).find((o) => o.kind === 'AuthorizationPolicy' && (o.spec as any).rules?.length) as any;
    ap.spec.rules[0].from[0].source.principals.push('cluster.local/ns/elsewhere/sa/build.bot');
    expect(fired(c)).toEqual([]);
  });

  test('a cross-object finding is suppressed on the object it is reported on, with a reason', () => {
    const c = TWINS['HPA-TARGET']!(prod());
    find(c, 'HorizontalPodAutoscaler', 'api').metadata.annotations = { [SUPPRESS_ANNOTATION]: 'HPA-TARGET: the target is created by the vendor operator' };
    expect(fired(c)).toEqual([]);
  });

  // What a review of the rules found (each checked against a plain loop over every object, written from the
  // descriptions alone): selector semantics the rules had wrong, and a stale index.
  describe('selectors as Kubernetes reads them', () => {
    test('SELECTOR-MATCHES-TEMPLATE evaluates matchExpressions and refuses an empty selector; one that selects the template passes', () => {
      const c = prod();
      const dep = find(c, 'Deployment', 'api');
      const name = dep.spec.template.metadata.labels['app.kubernetes.io/name'];
      const expect1 = (selector: unknown, message: RegExp | undefined) => {
        dep.spec.selector = selector;
        expect(fired(c).filter((f) => f.startsWith('SELECTOR-MATCHES-TEMPLATE'))).toEqual(message ? [expect.stringMatching(message)] : []);
      };
      expect1({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web'] }] }, /does not match the pod template's labels/);
      expect1({ matchLabels: { 'app.kubernetes.io/name': name }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, /does not match/);
      expect1({}, /has an empty selector/);
      expect1({ matchLabels: {} }, /has an empty selector/);
      expect1({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [name] }] }, undefined); // the twin
    });

    test('a label key named like an object member (constructor, valueOf, toString) is a label like any other', () => {
      const c = prod();
      const pdb = find(c, 'PodDisruptionBudget', 'api');
      const labels = pdb.spec.selector.matchLabels;
      pdb.spec.selector = { matchLabels: labels, matchExpressions: [{ key: 'constructor', operator: 'Exists' }] };
      expect(fired(c)).toEqual([expect.stringMatching(/^PDB-SELECTS .*selects 0 workloads/)]);
      pdb.spec.selector = { matchLabels: labels, matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] };
      expect(fired(c)).toEqual([]); // the twin: no pod has that label
      const sm = c.flatMap((x) => x.objects).find((o) => o.kind === 'ServiceMonitor') as any;
      sm.spec.selector = { ...sm.spec.selector, matchExpressions: [{ key: 'valueOf', operator: 'Exists' }] };
      expect(fired(c)).toEqual([expect.stringMatching(/^MONITOR-SELECTS .*selects no Service/)]);
    });

    test("a Service's empty selector is none (no endpoints): reported, not read as every pod", () => {
      const c = prod();
      find(c, 'Service', 'api').spec.selector = {};
      expect(fired(c)).toEqual([expect.stringMatching(/^SERVICE-SELECTS Service\/acme-prod\/api: has an empty selector, which Kubernetes treats as none/)]);
    });

    test("a ServiceMonitor's empty matchNames is its own namespace (the Prometheus Operator's reading); another namespace's name is not", () => {
      const c = prod();
      const sm = c.flatMap((x) => x.objects).find((o) => o.kind === 'ServiceMonitor') as any;
      sm.spec.namespaceSelector = { matchNames: [] };
      expect(fired(c)).toEqual([]);
      sm.spec.namespaceSelector = { matchNames: ['elsewhere'] };
      expect(fired(c)).toEqual([expect.stringMatching(/^MONITOR-SELECTS .*selects no Service/)]);
    });

    test('a default-deny NetworkPolicy written with matchLabels {} and empty rule lists is one; with a rule it is not', () => {
      const c = prod();
      const deny = c.flatMap((x) => x.objects).find((o) => o.kind === 'NetworkPolicy' && Object.keys((o.spec as any).podSelector ?? {}).length === 0 && !(o.spec as any).ingress) as any;
      deny.spec = { ...deny.spec, podSelector: { matchLabels: {} }, ingress: [], egress: [] };
      expect(fired(c)).toEqual([]);
      deny.spec.ingress = [{ from: [{ podSelector: {} }] }];
      expect(fired(c)).toEqual([expect.stringMatching(/^NAMESPACE-GUARDED .*has no default-deny NetworkPolicy/)]);
    });
  });

  test('a rule run again on an edited list sees the edit (the index is not kept for another list than it indexed)', () => {
    const c = prod();
    const rule = CROSS_RULES.find((r) => r.id === 'SERVICE-SELECTS')!;
    const objects = [find(c, 'Service', 'api'), find(c, 'Deployment', 'api')];
    expect(rule.check(objects)).toEqual([]);
    objects.splice(1, 1);
    expect(rule.check(objects).map((f) => f.message)).toEqual([expect.stringMatching(/^selects no pods/)]);
  });

  test('a missing namespace is not the namespace named "undefined"', () => {
    const dep = structuredClone(find(prod(), 'Deployment', 'api'));
    delete dep.metadata.namespace;
    delete dep.spec.replicas;
    const hpa = structuredClone(find(prod(), 'HorizontalPodAutoscaler', 'api'));
    hpa.metadata.namespace = 'undefined';
    const rule = CROSS_RULES.find((r) => r.id === 'HPA-TARGET')!;
    expect(rule.check([dep, hpa]).map((f) => f.message)).toEqual(['scales Deployment/api, which is not rendered in undefined']);
    hpa.metadata.namespace = dep.metadata.namespace; // the twin: both without one
    expect(rule.check([dep, hpa])).toEqual([]);
  });
});
