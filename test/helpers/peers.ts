import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { ADDON_NAMES } from '../../catalogue/addons';
import { smallVariant } from './fixtures';

// Two platform specs of one cluster calling each other (docs/gitops.md, "Calls across specs"): `shop` (the fixture's
// api, worker, mailer, rendering the cluster add-ons) and `payments` (the same services in its own namespaces, no
// add-ons). With `calling`, shop's api calls payments' worker; with `called`, payments lists shop as a peer.

export type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The fixture as platform `name` in its own namespaces and hosts; only `shop` renders the add-ons. */
export function domainSpec(name: string, mutate: (s: Spec) => void = () => {}): Spec {
  return smallVariant((s) => {
    s.name = name;
    if (name !== 'shop') s.gitops = { addons: Object.fromEntries(ADDON_NAMES.map((a) => [a, { enabled: false }])) };
    for (const env of Object.values(s.environments) as Record<string, string>[]) {
      for (const k of ['namespace', 'dataNamespace', 'host'] as const) if (env[k]) env[k] = env[k]!.replace('acme', name);
    }
    mutate(s);
  }) as Spec;
}

/** shop: payments is a peer, and its api calls payments' worker. */
export const calling = (s: Spec) => {
  s.peers = [{ name: 'payments', spec: '../payments/platform.yaml' }];
  s.services.find((x: Spec) => x.name === 'api').dependsOn.push('payments/worker');
};

/** payments: shop is a peer. */
export const called = (s: Spec) => (s.peers = [{ name: 'shop', spec: '../shop/platform.yaml' }]);

/** Writes the two specs as sibling repositories' `platform.yaml` under `dir`; returns their paths. */
export function writePair(dir: string, shop: Spec = domainSpec('shop', calling), payments: Spec = domainSpec('payments', called)): { shop: string; payments: string } {
  const paths = { shop: join(dir, 'shop', 'platform.yaml'), payments: join(dir, 'payments', 'platform.yaml') };
  for (const [name, spec] of [['shop', shop], ['payments', payments]] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(paths[name], dump(spec));
  }
  return paths;
}
