import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runJob, startClient, StatefulSet, useCluster, waitFor } from './harness';
import { brokersRegistered, quorum, topics } from './kafka-helpers';

/**
 * ZooKeeper and Kafka (ZooKeeper mode) as rendered (dist/<env>/data/zookeeper.yaml,
 * kafka.yaml, kafka-topics.yaml), run with the real ZooKeeper 3.9.3 and Kafka
 * 3.9.0 jars. dev: one server and one broker; prod: three of each.
 */
const PRODUCER = join(__dirname, 'clients', 'kafka-producer.cjs');

/** The suite for one environment of the rendered tree (one test file per environment, so they run side by side). */
export function kafkaSuite(env: 'dev' | 'prod'): void {
  describe(`ZooKeeper and Kafka (${env})`, () => {
    const { cluster, manifests } = useCluster();
    let zk: StatefulSet;
    let kafka: StatefulSet;

    it('start from empty claims: quorum, brokers registered, every pod Ready without a restart', async () => {
      const m = manifests(env);
      zk = new StatefulSet(cluster, m, 'zookeeper');
      kafka = new StatefulSet(cluster, m, 'kafka');
      await zk.create();
      await quorum(zk);
      for (let i = 0; i < zk.replicas; i++) expect((await zk.pod(i).sh('zookeeper', 'cat /data/myid')).trim()).toBe(String(i + 1));
      await kafka.create();
      await brokersRegistered(zk, kafka);
      for (const p of [...zk.pods, ...kafka.pods]) expect(Object.values(p!.restartCounts())).toEqual([0]);
    });

    it('the kafka-topics Job creates every topic with the planned partitions, replication and min ISR', async () => {
      const m = manifests(env);
      const job = m.find('Job', 'kafka-topics');
      const script: string = job.spec.template.spec.containers[0].command[2];
      const plans = [...script.matchAll(/^create '([^']+)' (\d+) (\d+) (\d+)$/gm)].map((x) => ({ topic: x[1], partitions: Number(x[2]), rf: Number(x[3]), minIsr: Number(x[4]) }));
      expect(plans.length).toBeGreaterThan(0);
      const r = await runJob(cluster, m, 'kafka-topics');
      expect(r.succeeded, r.pod.logTail('create-topics', 60)).toBe(true);
      expect(r.attempts).toBe(1);
      for (const p of plans) {
        const d = await topics(kafka.pod(0), `--describe --topic ${p.topic}`);
        expect(d).toContain(`PartitionCount: ${p.partitions}`);
        expect(d).toContain(`ReplicationFactor: ${p.rf}`);
        expect(d).toContain(`min.insync.replicas=${p.minIsr}`);
      }
      // Idempotent: a second sync's run succeeds and changes nothing.
      expect((await runJob(cluster, m, 'kafka-topics')).succeeded).toBe(true);
    });

    it('every container restarted in place comes back Ready (no config copied onto its own read-only copy)', async () => {
      for (const [sts, c] of [[zk, 'zookeeper'], [kafka, 'kafka']] as const) {
        for (const p of sts.pods) {
          const n = p!.container(c).restarts;
          await p!.crash(c);
          const t0 = Date.now();
          await waitFor(`${p!.name} restarted and Ready`, () => p!.container(c).restarts > n && p!.ready, 120000);
          // One start: a killed broker waits for its old ZooKeeper registration to expire instead of
          // exiting on NodeExists and crash-looping.
          expect(p!.container(c).restarts, p!.logTail(c, 30)).toBe(n + 1);
          console.log(`[${env}] ${p!.name}/${c} killed: Ready again in ${Date.now() - t0} ms`);
        }
      }
      await quorum(zk);
      await brokersRegistered(zk, kafka);
    });

    it('a re-created pod keeps its identity: ZooKeeper myid and Kafka broker.id from the claim', async () => {
      const last = zk.replicas - 1;
      await zk.recreate(last);
      expect((await zk.pod(last).sh('zookeeper', 'cat /data/myid')).trim()).toBe(String(last + 1));
      await quorum(zk);
      const b = kafka.replicas - 1;
      await kafka.recreate(b);
      expect(kafka.pod(b).logs('kafka')).toContain(`broker.id=${b}`);
      await brokersRegistered(zk, kafka);
    });

    if (env === 'prod') {
      it('an acks=all producer keeps producing through a rolling restart of the brokers; the consumer group loses nothing', async () => {
        const client = cluster.client('kafka-client', kafka.namespace);
        const w = startClient(client.netns, ['node', PRODUCER, `kafka.${kafka.namespace}.svc.cluster.local:9092`, 'orders']);
        await new Promise((r) => setTimeout(r, 8000));
        const t0 = Date.now();
        await kafka.rollingRestart({ timeoutMs: 240000 });
        await brokersRegistered(zk, kafka);
        const restartMs = Date.now() - t0;
        await new Promise((r) => setTimeout(r, 5000));
        const result = await w.stop();
        console.log(`[kafka ${env}] rolling restart in ${restartMs} ms: ${result.acked} acknowledged, ${result.consumed} consumed, ${result.lostCount} lost, ${result.errors} send errors, ${result.groupJoins} group joins`);
        expect(result.fatal).toBeUndefined();
        expect(result.acked).toBeGreaterThan(100);
        expect(result.lostCount).toBe(0);
        // Each broker shut down in a controlled way within its grace period (no SIGKILL).
        const stopped = kafka.history.slice(-kafka.replicas);
        for (const p of stopped) {
          expect(p.killedAtGrace()).toEqual([]);
          expect(p.logs('kafka')).toContain('Controlled shutdown request returned successfully');
        }
      });
    }
  });
}
