import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { KubeObject } from '../../blocks/kube-object';
import { SpecError } from '../../platform/loader';
import { loadPlatform } from '../../platform/load';
import { renderPlatform } from '../../render/pipeline';
import { architectureDiagram } from '../../render/diagram';
import { called, calling, domainSpec, writePair, type Spec } from '../helpers/peers';
import { thrown } from '../helpers/render';

// docs/gitops.md, "Calls across specs": two specs of one cluster, `shop` (the fixture's api, worker, mailer) and
// `payments` (the same services in its own namespaces). shop's api calls payments' worker. Each side's grant is
// checked against the other side's rendered objects, never against names copied into the test.

const tmp = mkdtempSync(join(tmpdir(), 'peers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes both specs (test/helpers/peers.ts) and renders `which` of them through loadPlatform. */
function renderPair(dir: string, shop: Spec, payments: Spec, which: 'shop' | 'payments') {
  return renderPlatform(loadPlatform(writePair(join(tmp, dir), shop, payments)[which]));
}

const objectsIn = (r: ReturnType<typeof renderPlatform>, env: string) => r.charts.filter((c) => c.file.startsWith(`${env}/`)).flatMap((c) => c.objects);
const find = (objects: readonly KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
const subset = (small: Record<string, string>, big: Record<string, string>) => Object.entries(small).every(([k, v]) => big[k] === v);
/** Whether a NetworkPolicy peer (namespaceSelector + podSelector) selects the pods of `deployment`. */
const selects = (peer: any, deployment: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === deployment.metadata.namespace && subset(peer.podSelector.matchLabels, deployment.spec.template.metadata.labels); // eslint-disable-line @typescript-eslint/no-explicit-any
const principalOf = (deployment: any) => `cluster.local/ns/${deployment.metadata.namespace}/sa/${deployment.spec.template.spec.serviceAccountName}`; // eslint-disable-line @typescript-eslint/no-explicit-any
const portOf = (deployment: any) => deployment.spec.template.spec.containers[0].ports[0].containerPort; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('calls across specs (peers): each side renders its half of the grant', () => {
  const shop = renderPair('ok', domainSpec('shop', calling), domainSpec('payments', called), 'shop');
  const payments = renderPair('ok', domainSpec('shop', calling), domainSpec('payments', called), 'payments');

  test.each(['dev', 'staging', 'prod'])('%s: shop\'s api may reach payments\' worker of the same environment, and payments admits exactly it', (env) => {
    const s = objectsIn(shop, env);
    const p = objectsIn(payments, env);
    const api = find(s, 'Deployment', 'api');
    const worker = find(p, 'Deployment', 'worker');
    // The caller's side: egress to the callee's pods on its port, the address in its ConfigMap, the host known to its proxy.
    const egress = find(s, 'NetworkPolicy', 'api').spec.egress.filter((r: any) => r.to?.some((peer: any) => selects(peer, worker))); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(egress.map((r: any) => r.ports.map((x: any) => x.port))).toEqual([[portOf(worker)]]); // eslint-disable-line @typescript-eslint/no-explicit-any
    const service = find(p, 'Service', 'worker');
    expect(find(s, 'ConfigMap', api.spec.template.spec.containers[0].envFrom[0].configMapRef.name).data.PAYMENTS_WORKER_URL).toBe(`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}`);
    const sidecar = s.find((o) => o.kind === 'Sidecar' && o.metadata.name === 'default' && o.metadata.namespace === api.metadata.namespace) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(sidecar.spec.egress[0].hosts).toContain(`${service.metadata.namespace}/${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    // The callee's side: ingress from the caller's pods on its port, and its mesh identity.
    const ingress = find(p, 'NetworkPolicy', 'worker').spec.ingress.filter((r: any) => r.from?.some((peer: any) => selects(peer, api))); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(ingress.map((r: any) => r.ports.map((x: any) => x.port))).toEqual([[portOf(worker)]]); // eslint-disable-line @typescript-eslint/no-explicit-any
    const principals = find(p, 'AuthorizationPolicy', 'worker').spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals)); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(principals).toContain(principalOf(api));
  });

  test('least privilege: nothing else of shop is admitted into payments, and shop reaches nothing else of payments', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const s = objectsIn(shop, env);
      const p = objectsIn(payments, env);
      const shopNs = find(s, 'Deployment', 'api').metadata.namespace;
      const paymentsNs = find(p, 'Deployment', 'worker').metadata.namespace;
      // Every principal of shop's namespace admitted anywhere in payments is api's, on worker's policy only.
      const admitted = p
        .filter((o) => o.kind === 'AuthorizationPolicy')
        .flatMap((ap: any) => (ap.spec.rules ?? []).flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals)).filter((x: string) => x.includes(`/ns/${shopNs}/`)).map((x: string) => `${ap.metadata.name} ← ${x}`)); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(admitted).toEqual([`worker ← ${principalOf(find(s, 'Deployment', 'api'))}`]);
      const fromShop = p.filter((o) => o.kind === 'NetworkPolicy').flatMap((np: any) => (np.spec.ingress ?? []).filter((r: any) => r.from?.some((x: any) => x.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === shopNs)).map(() => np.metadata.name)); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(fromShop).toEqual(['worker']);
      const toPayments = s.filter((o) => o.kind === 'NetworkPolicy').flatMap((np: any) => (np.spec.egress ?? []).filter((r: any) => r.to?.some((x: any) => x.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === paymentsNs)).map(() => np.metadata.name)); // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(toPayments).toEqual(['api']);
    }
  });

  test('the bad twin: without the call, payments admits nothing of shop and shop has no way out to payments', () => {
    const alone = renderPair('none', domainSpec('shop', (s) => (s.peers = [{ name: 'payments', spec: '../payments/platform.yaml' }])), domainSpec('payments', called), 'payments');
    const p = objectsIn(alone, 'prod');
    expect(JSON.stringify(p)).not.toContain('shop-prod');
    expect(find(p, 'NetworkPolicy', 'worker').spec.ingress).toEqual(find(objectsIn(renderPair('plain', domainSpec('shop'), domainSpec('payments'), 'payments'), 'prod'), 'NetworkPolicy', 'worker').spec.ingress);
  });

  const problemsOf = (dir: string, shopSpec: Spec, paymentsSpec: Spec) => {
    const e = thrown(() => renderPair(dir, shopSpec, paymentsSpec, 'shop'));
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).problems;
  };

  test('the bad twins: a call the callee would deny, a service or environment the peer has not, another cluster, a peer that is not listed or not there', () => {
    expect(problemsOf('unlisted', domainSpec('shop', calling), domainSpec('payments'))).toEqual([
      expect.stringMatching(/^services\[api\]\.dependsOn\[2\] \(line \d+, column \d+\): payments does not list 'shop' in its peers, so its policies deny this call: add \{ name: shop, spec: <this spec's path from the spec of payments> \} to the peers of payments$/),
    ]);
    const typo = domainSpec('shop', calling);
    typo.services[0].dependsOn[2] = 'payments/workr';
    expect(problemsOf('typo', typo, domainSpec('payments', called))).toEqual([expect.stringMatching(/payments has no service 'workr'; did you mean 'worker'\?$/)]);
    const noStaging = domainSpec('payments', called);
    delete noStaging.environments.staging;
    for (const store of Object.values(noStaging.dataStores) as Spec[]) delete store.environments.staging;
    expect(problemsOf('env', domainSpec('shop', calling), noStaging)).toEqual([expect.stringMatching(/payments has no environment 'staging': a call across specs stays in its environment/)]);
    const elsewhere = domainSpec('payments', called);
    elsewhere.environments.prod.cluster = { name: 'other', server: 'https://other.k8s.test' };
    expect(problemsOf('cluster', domainSpec('shop', calling), elsewhere)).toEqual([expect.stringMatching(/prod of payments runs on other clusters \(https:\/\/other\.k8s\.test\)/)]);
    // A local service whose address variable a peer's would take (payments-worker and payments/worker: PAYMENTS_WORKER_URL).
    const clash = domainSpec('shop', (s) => {
      calling(s);
      s.services.push({ name: 'payments-worker', runtime: 'go', image: 'registry.test/shop/pw:1.0.0', port: 9100 });
      s.services[0].dependsOn.push('payments-worker');
    });
    expect(problemsOf('clash', clash, domainSpec('payments', called))).toEqual([expect.stringMatching(/'payments-worker' and 'payments\/worker' would both set PAYMENTS_WORKER_URL/)]);
    const notPeer = domainSpec('shop', (s) => s.services[0].dependsOn.push('billing/ledger'));
    expect(problemsOf('not-peer', notPeer, domainSpec('payments'))).toEqual([expect.stringMatching(/'billing' is not a peer: list its spec in peers/)]);
    const missing = domainSpec('shop', (s) => (s.peers = [{ name: 'payments', spec: '../nowhere/platform.yaml' }]));
    expect(problemsOf('missing', missing, domainSpec('payments'))).toEqual([expect.stringMatching(/^peers\[payments\]\.spec \(line \d+, column \d+\): no spec at \.\.\/nowhere\/platform\.yaml/)]);
    const misnamed = domainSpec('shop', (s) => (s.peers = [{ name: 'pay', spec: '../payments/platform.yaml' }]));
    expect(problemsOf('misnamed', misnamed, domainSpec('payments'))).toEqual([expect.stringMatching(/^peers\[pay\]\.name .*: \.\.\/payments\/platform\.yaml is the spec of 'payments', not 'pay'$/)]);
  });
});

describe('the architecture diagram draws the calls across specs', () => {
  test('shop draws its call to payments/worker, payments the call from shop/api; without peers nothing is drawn', () => {
    renderPair('diagram', domainSpec('shop', calling), domainSpec('payments', called), 'shop');
    const shopModel = loadPlatform(join(tmp, 'diagram', 'shop', 'platform.yaml'));
    const paymentsModel = loadPlatform(join(tmp, 'diagram', 'payments', 'platform.yaml'));
    const shopDiagram = architectureDiagram(shopModel);
    expect(shopDiagram).toContain('peer0[/"payments/worker"/]');
    expect(shopDiagram).toMatch(/svc0 --> peer0/);
    expect(architectureDiagram(paymentsModel)).toMatch(/peer0 --> svc1/);
    renderPair('diagram-none', domainSpec('shop'), domainSpec('payments'), 'shop');
    expect(architectureDiagram(loadPlatform(join(tmp, 'diagram-none', 'shop', 'platform.yaml')))).not.toContain('peer');
  });
});
