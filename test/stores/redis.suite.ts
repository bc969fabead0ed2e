import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sh } from './harness/cluster';
import { DIST, Manifests, runClient, startClient, startDeployment, StatefulSet, testSecret, useCluster, waitFor, type Pod } from './harness';
import { FAILOVER_DEADLINE_S } from '../../stores/redis/chart';

/**
 * Redis with Sentinel as rendered (dist/<env>/data/redis.yaml), run with the
 * real redis-server and redis-sentinel. dev: one node; prod: three.
 */
const WRITER = join(__dirname, 'clients', 'redis-writer.cjs');
const ENV_CLIENT = join(__dirname, 'clients', 'redis-env-client.cjs');
const PASSWORD = testSecret('redis-credentials', 'password');

export const cli = (p: Pod, args: string, port = 6379) => p.sh(p.containers.find((c) => c.name === (port === 6379 ? 'redis' : 'sentinel'))!.name, `redis-cli -p ${port} ${args}`);
const role = async (p: Pod) => (await cli(p, 'role')).split('\n')[0].trim();
const masterPerSentinel = async (p: Pod) => (await cli(p, 'sentinel get-master-addr-by-name mymaster', 26379)).split('\n')[0].trim();

async function masters(sts: StatefulSet): Promise<string[]> {
  const out: string[] = [];
  for (const p of sts.readyPods()) if ((await role(p)) === 'master') out.push(p.name);
  return out;
}

/** One master, every replica linked to it, every Sentinel naming it. */
export async function healthy(sts: StatefulSet): Promise<string> {
  return waitFor('one master that every Sentinel names and every replica follows', async () => {
    const m = await masters(sts);
    if (m.length !== 1) return false;
    const fqdn = `${m[0]}.redis-headless.${sts.namespace}.svc.cluster.local`;
    for (const p of sts.readyPods()) {
      if ((await masterPerSentinel(p)) !== fqdn) return false;
      if (p.name !== m[0]) {
        const info = await cli(p, 'info replication');
        if (!info.includes(`master_host:${fqdn}`) || !info.includes('master_link_status:up')) return false;
      }
    }
    if (sts.replicas > 1) {
      const info = await cli(sts.readyPods().find((p) => p.name === m[0])!, 'info replication');
      if (!info.includes(`connected_slaves:${sts.replicas - 1}`)) return false;
    }
    return m[0];
  }, 90000, 500);
}

/** The suite for one environment of the rendered tree (one test file per environment, so they run side by side). */
export function redisSuite(env: 'dev' | 'prod'): void {
  describe(`Redis with Sentinel (${env})`, () => {
    const { cluster, manifests } = useCluster();
    let sts: StatefulSet;

    it('starts from empty claims: every node Ready, no restarts, one master the Sentinels agree on', async () => {
      sts = new StatefulSet(cluster, manifests(env), 'redis');
      await sts.create();
      expect(sts.readyPods()).toHaveLength(env === 'dev' ? 1 : 3);
      for (const p of sts.pods) expect(p!.restartCounts()).toEqual({ redis: 0, sentinel: 0 });
      expect(await healthy(sts)).toBe('redis-0');
      if (env === 'prod') expect(await cli(sts.pod(0), 'sentinel sentinels mymaster', 26379)).toContain('redis-1.redis-headless');
    });

    it('the redis-master proxy is Ready once it sees exactly one master; every new connection through it (REDIS_HOST) reaches the master', async () => {
      const m = manifests(env);
      const proxies = await startDeployment(cluster, m, 'redis-master');
      expect(proxies).toHaveLength(env === 'dev' ? 1 : 2);
      const config = m.find('ConfigMap', 'redis-master-config').data['haproxy.cfg'];
      expect(config).toContain('tcp-check expect string role:master');
      const client = cluster.client('redis-direct', sts.namespace);
      const host = `redis-master.${sts.namespace}.svc.cluster.local`;
      // Each redis-cli is a new connection; HAProxy spreads connections over every server it deems up.
      const roles = Array.from({ length: 12 }, () => sh('ip', ['netns', 'exec', client.netns, 'redis-cli', '-h', host, '--no-auth-warning', '-a', PASSWORD, 'role']).split('\n')[0]!.trim());
      expect(new Set(roles)).toEqual(new Set(['master']));
      const info = sh('ip', ['netns', 'exec', client.netns, 'redis-cli', '-h', host, '--no-auth-warning', '-a', PASSWORD, 'info', 'server']);
      expect(info).toContain('redis_mode:standalone');
      // The client a managed Redis is proven with (redis-managed.test.ts), configured only from a rendered
      // client service's variables (cart-service's ConfigMap; its password from redis-credentials).
      const cart = (Manifests.dataLayer(DIST, env, 'services').find('ConfigMap', 'cart-service-config') as any).data as Record<string, string>;
      const vars = Object.fromEntries(Object.entries(cart).filter(([k]) => /^REDIS_(HOST|PORT|TLS)$/.test(k)));
      expect(vars).toEqual({ REDIS_HOST: host, REDIS_PORT: '6379', REDIS_TLS: 'false' });
      expect(await runClient(client.netns, ['node', ENV_CLIENT, 'cart', '20'], { ...vars, REDIS_PASSWORD: PASSWORD })).toEqual({ written: 20, read: 20, role: 'master' });
    });

    it('every container restarted in place comes back Ready with the same roles', async () => {
      const before = await healthy(sts);
      for (const p of sts.pods) {
        for (const c of ['sentinel', 'redis']) {
          const n = p!.container(c).restarts;
          await p!.crash(c);
          await waitFor(`${p!.name}/${c} restarted and Ready`, () => p!.container(c).restarts === n + 1 && p!.ready, 60000);
        }
      }
      expect(await healthy(sts)).toBe(before);
    });

    it('a re-created pod (new emptyDirs and address, same claim) keeps its data and rejoins', async () => {
      const master = sts.pod(0);
      expect(await cli(master, 'set identity kept')).toContain('OK');
      await cli(master, 'wait 2 5000');
      const last = sts.replicas - 1;
      const oldIp = sts.pod(last).ip;
      await sts.recreate(last);
      expect(sts.pod(last).ip).not.toBe(oldIp);
      const m = await healthy(sts);
      expect(await cli(sts.pod(last), 'get identity')).toContain('kept');
      if (env === 'prod') expect(await role(sts.pod(last))).toBe('slave');
      expect(m).toBe('redis-0');
    });

    it('a rolling restart (preStop, then SIGTERM) loses no acknowledged write, through Sentinel or through redis-master', async () => {
      const client = cluster.client('redis-writer', sts.namespace);
      const w = startClient(client.netns, ['node', WRITER, `redis.${sts.namespace}.svc.cluster.local`, '26379', 'mymaster'], { REDIS_PASSWORD: PASSWORD });
      const d = startClient(cluster.client('redis-direct', sts.namespace).netns, ['node', WRITER, '--direct', `redis-master.${sts.namespace}.svc.cluster.local`, '6379'], { REDIS_PASSWORD: PASSWORD });
      await new Promise((r) => setTimeout(r, 3000));
      const t0 = Date.now();
      await sts.rollingRestart();
      await healthy(sts);
      await new Promise((r) => setTimeout(r, 3000));
      const result = await w.stop();
      const direct = await d.stop();
      console.log(`[redis ${env}] rolling restart: ${result.acked} acknowledged writes, ${result.lost.length} lost, ${result.errors} errors, ${Date.now() - t0} ms`);
      console.log(`[redis ${env}] rolling restart through redis-master: ${direct.acked} acknowledged writes, ${direct.lost.length} lost, ${direct.errors} errors`);
      expect(result.fatal).toBeUndefined();
      expect(result.acked).toBeGreaterThan(100);
      expect(result.lost).toEqual([]);
      expect(direct.fatal).toBeUndefined();
      expect(direct.acked).toBeGreaterThan(100);
      expect(direct.lost).toEqual([]);
      expect(direct.master).toBe('master');
      const stopped = sts.history.slice(-sts.replicas);
      for (const p of stopped) expect(p.killedAtGrace()).toEqual([]);
      // A replica's hook returns at once; a master's hands over well inside its deadline; a lone master
      // (dev: nothing to fail over to) does not wait either.
      for (const p of stopped) expect(p.container('redis').preStopMs, p.name).toBeLessThan(env === 'dev' ? 3000 : FAILOVER_DEADLINE_S * 1000);
      console.log(`[redis ${env}] preStop durations: ${stopped.map((p) => `${p.name} ${p.container('redis').preStopMs} ms`).join(', ')}`);
    });

    if (env === 'prod') {
      it('a killed master: Sentinel fails over, writes resume, the old master rejoins as replica (loss measured)', async () => {
        const before = await healthy(sts);
        const i = Number(before.split('-')[1]);
        const client = cluster.client('redis-writer', sts.namespace);
        const w = startClient(client.netns, ['node', WRITER, `redis.${sts.namespace}.svc.cluster.local`, '26379', 'mymaster'], { REDIS_PASSWORD: PASSWORD });
        const d = startClient(cluster.client('redis-direct', sts.namespace).netns, ['node', WRITER, '--direct', `redis-master.${sts.namespace}.svc.cluster.local`, '6379'], { REDIS_PASSWORD: PASSWORD });
        await new Promise((r) => setTimeout(r, 3000));
        const t0 = Date.now();
        await sts.pod(i).delete(0, { force: true });
        const after = await waitFor('Sentinel to promote another node', async () => {
          for (const p of sts.readyPods()) if ((await role(p)) === 'master') return p.name;
          return false;
        }, 60000, 200);
        const failoverMs = Date.now() - t0;
        await sts.createPod(i);
        expect(await healthy(sts)).toBe(after);
        expect(await role(sts.pod(i))).toBe('slave');
        // New connections through redis-master reach the new master: a write there succeeds and is on it. Retried and
        // measured from the moment the old master is back (a replica at a new address): one run found no Ready proxy
        // at that moment (README "The master endpoint": the proxies' view settles within their checks).
        const t1 = Date.now();
        const viaProxy = await waitFor('a new connection through redis-master to write', () => {
          const out = sh('ip', ['netns', 'exec', cluster.client('redis-direct', sts.namespace).netns, 'redis-cli', '-h', `redis-master.${sts.namespace}.svc.cluster.local`, '--no-auth-warning', '-a', PASSWORD, 'set', 'after-failover', after], { allowFail: true });
          return out.trim() === 'OK' ? out.trim() : false;
        }, 30000, 200);
        console.log(`[redis ${env}] killed master: a new connection through redis-master wrote ${Date.now() - t1} ms after the old master was back`);
        expect(viaProxy).toBe('OK');
        expect((await cli(sts.pod(Number(after.split('-')[1])), 'get after-failover')).trim()).toBe(after);
        await new Promise((r) => setTimeout(r, 2000));
        const result = await w.stop();
        const direct = await d.stop();
        console.log(`[redis ${env}] killed master ${before}: failover to ${after} in ${failoverMs} ms; ${result.acked} acknowledged writes, ${result.lost.length} lost, ${result.errors} errors`);
        console.log(`[redis ${env}] killed master, through redis-master: ${direct.acked} acknowledged writes, ${direct.lost.length} lost, ${direct.errors} errors`);
        expect(result.fatal).toBeUndefined();
        expect(after).not.toBe(before);
        // The proxy follows the new master: writes through it resumed and read back from it.
        expect(direct.fatal).toBeUndefined();
        expect(direct.master).toBe('master');
      });

      it('a second rolling restart with the master elsewhere (not last in the order) loses no acknowledged write either', async () => {
        let master = await healthy(sts);
        if (master === 'redis-0') {
          // Move the master off the last pod of the rollout so it is restarted first or second.
          expect(await cli(sts.pod(0), 'sentinel failover mymaster', 26379)).toContain('OK');
          master = await waitFor('the master to move off redis-0', async () => { const m = await healthy(sts); return m !== 'redis-0' ? m : false; }, 60000, 500);
        }
        const client = cluster.client('redis-writer', sts.namespace);
        const w = startClient(client.netns, ['node', WRITER, `redis.${sts.namespace}.svc.cluster.local`, '26379', 'mymaster'], { REDIS_PASSWORD: PASSWORD });
        await new Promise((r) => setTimeout(r, 3000));
        await sts.rollingRestart();
        await healthy(sts);
        await new Promise((r) => setTimeout(r, 3000));
        const result = await w.stop();
        console.log(`[redis ${env}] rolling restart with ${master} as master: ${result.acked} acknowledged writes, ${result.lost.length} lost, ${result.errors} errors`);
        expect(result.fatal).toBeUndefined();
        expect(result.acked).toBeGreaterThan(100);
        expect(result.lost).toEqual([]);
      });
    }
  });
}
