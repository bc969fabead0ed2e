import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';

/**
 * The rendered objects the harness runs: read from a rendered tree (`dist/`
 * or any directory `npm run synth` wrote), never from a second description.
 */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: any;
}

export class Manifests {
  readonly objects: K8sObject[];

  /** Every YAML file under `dir/<env>/<layer>` for each layer that exists (by default the data layer of one environment). */
  static dataLayer(distDir: string, env: string, ...layers: string[]): Manifests {
    const objects: K8sObject[] = [];
    for (const layer of layers.length ? layers : ['data']) {
      const dir = join(distDir, env, layer);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
        for (const doc of loadAll(readFileSync(join(dir, f), 'utf8'))) if (doc) objects.push(doc as K8sObject);
      }
    }
    return new Manifests(objects);
  }

  constructor(objects: K8sObject[]) {
    this.objects = objects;
  }

  find(kind: string, name: string): K8sObject {
    const o = this.objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name} in the rendered tree`);
    return o;
  }

  all(kind: string): K8sObject[] {
    return this.objects.filter((x) => x.kind === kind);
  }

  configMap(name: string): Record<string, string> {
    return this.find('ConfigMap', name).data ?? {};
  }

  /** Services whose selector matches `labels`. */
  servicesSelecting(labels: Record<string, string>): K8sObject[] {
    return this.all('Service').filter((s) => {
      const sel: Record<string, string> = s.spec?.selector ?? {};
      return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
    });
  }
}
