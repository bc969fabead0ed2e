import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { synthSpec } from '../../helpers/synth-spec';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Cluster } from './cluster';
import { Manifests } from './manifests';
import { ObjectStore, objectStoreTargets } from './object-store';

export { Cluster } from './cluster';
export { Manifests } from './manifests';
export { Pod, testSecret } from './pod';
export { StatefulSet, runCronJob, runJob, startDeployment, waitFor } from './workloads';
export { ObjectStore } from './object-store';

/** The rendered tree the suite runs: `dist/` unless STORES_DIST names another. */
export const DIST = resolve(process.env.STORES_DIST ?? join(__dirname, '..', '..', '..', 'dist'));

/**
 * `spec` rendered by `npm run synth` into a scratch directory (a seed platform
 * of examples/, for the store kinds the reference platform does not run).
 */
export function renderSpec(spec: string): string {
  const out = mkdtempSync(join(tmpdir(), 'stores-dist-'));
  const r = synthSpec(spec, out);
  if (!r.ok) throw new Error(`npm run synth of ${spec} failed:\n${r.output}`);
  return out;
}

/**
 * One harness node for a test file: started before, torn down after (pods,
 * namespaces, DNS), with the object store the rendered backups go to when
 * they go anywhere (object-store.ts). It runs `dist/` (or STORES_DIST), or
 * `spec` rendered afresh (renderSpec).
 */
export function useCluster(o: { spec?: string } = {}): { cluster: Cluster; manifests: (env: string) => Manifests; objectStore: () => ObjectStore; dist: string } {
  const distDir = o.spec ? renderSpec(o.spec) : DIST;
  const dir = mkdtempSync(join(tmpdir(), 'stores-'));
  const cluster = new Cluster(dir);
  const stores: ObjectStore[] = [];
  beforeAll(async () => {
    await cluster.start();
    const targets = objectStoreTargets(distDir);
    if (targets.length > 1) throw new Error(`the harness runs one object store; the rendered tree names ${targets.length}`);
    for (const t of targets) {
      const s = new ObjectStore(cluster, t);
      await s.start();
      stores.push(s);
    }
  });
  afterAll(async () => {
    await Promise.all([...cluster.pods.values()].map((p) => p.delete(0).catch(() => undefined)));
    for (const s of stores) s.stop();
    cluster.stop();
    if (!process.env.STORES_KEEP) rmSync(dir, { recursive: true, force: true });
    if (o.spec && !process.env.STORES_KEEP) rmSync(distDir, { recursive: true, force: true });
  });
  const objectStore = () => {
    if (!stores[0]) throw new Error('the rendered tree backs up nowhere (no environment has backups)');
    return stores[0];
  };
  return { cluster, manifests: (env: string) => Manifests.dataLayer(distDir, env), objectStore, dist: distDir };
}

/** A client program run once inside a client network namespace with only `env` (and PATH); resolves to its last stdout line as JSON. */
export function runClient(netns: string, argv: string[], env: Record<string, string>): Promise<any> {
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`client printed no result: ${out}\n${err}`));
      }
    }),
  );
}

/** A long-running client program inside a client network namespace; `stop()` sends SIGTERM and returns its last stdout line as JSON. */
export function startClient(netns: string, argv: string[], env: Record<string, string> = {}) {
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    async stop(): Promise<any> {
      child.kill('SIGTERM');
      await done;
      const line = out.trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`client printed no result: ${out}\n${err}`);
      }
    },
  };
}
