import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runJob, startClient, StatefulSet, useCluster, waitFor, type Pod } from './harness';

/**
 * ZooKeeper and Kafka (ZooKeeper mode) as rendered (dist/<env>/data/zookeeper.yaml,
 * kafka.yaml, kafka-topics.yaml), run with the real ZooKeeper 3.9.3 and Kafka
 * 3.9.0 jars. dev: one server and one broker; prod: three of each.
 */
const PRODUCER = join(__dirname, 'clients', 'kafka-producer.cjs');

const zk4 = async (p: Pod, word: string) => p.sh('zookeeper', `echo ${word} | timeout 5 nc -w 3 127.0.0.1 2181`);
const zkMode = async (p: Pod) => (await zk4(p, 'srvr')).match(/Mode: (\w+)/)?.[1];
/** A ZooKeeper CLI command run in a ZooKeeper container (the image's own client). */
const zkCli = (p: Pod, cmd: string) => p.sh('zookeeper', `java -Xmx64m -XX:-UsePerfData -Dlogback.configurationFile=/config/logback.xml -cp '/apache-zookeeper-3.9.3-bin/lib/*' org.apache.zookeeper.ZooKeeperMain -server 127.0.0.1:2181 ${cmd} 2>/dev/null`, 60000);
const topics = (p: Pod, args: string) => p.sh('kafka', `java -Xmx128m -XX:-UsePerfData -cp '/opt/kafka/libs/*' org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 ${args} 2>/dev/null`, 60000);

async function quorum(zk: StatefulSet): Promise<Record<string, string>> {
  return waitFor('a ZooKeeper quorum (one leader, the rest following)', async () => {
    const modes: Record<string, string> = {};
    for (const p of zk.readyPods()) modes[p.name] = (await zkMode(p)) ?? '?';
    const v = Object.values(modes);
    if (v.length !== zk.replicas) return false;
    const ok = zk.replicas === 1 ? v[0] === 'standalone' : v.filter((m) => m === 'leader').length === 1 && v.filter((m) => m === 'follower').length === zk.replicas - 1;
    return ok ? modes : false;
  }, 90000, 500);
}

async function brokersRegistered(zk: StatefulSet, kafka: StatefulSet): Promise<string> {
  const want = `[${Array.from({ length: kafka.replicas }, (_, i) => i).join(', ')}]`;
  return waitFor(`brokers ${want} registered in ZooKeeper`, async () => {
    const out = await zkCli(zk.readyPods()[0], 'ls /brokers/ids');
    return out.includes(want) ? want : false;
  }, 120000, 1000);
}

for (const env of ['dev', 'prod'] as const) {
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
      it('ZooKeeper keeps quorum and serves writes with one member down', async () => {
        await zk.pod(1).delete(0, { force: true });
        const alive = [zk.pod(0), zk.pod(2)];
        await waitFor('the two remaining members to form a quorum', async () => {
          const modes = await Promise.all(alive.map(zkMode));
          return modes.includes('leader') && modes.includes('follower');
        }, 60000, 500);
        await zkCli(alive[0], 'create /harness-quorum-check ok');
        expect(await zkCli(alive[1], 'get /harness-quorum-check')).toContain('ok');
        await zk.createPod(1);
        await quorum(zk);
      });

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
