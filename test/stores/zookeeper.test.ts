import { describe, expect, it } from 'vitest';
import { StatefulSet, useCluster, waitFor } from './harness';
import { brokersRegistered, quorum, zkCli, zkMode } from './kafka-helpers';

/**
 * The ZooKeeper ensemble of prod (dist/prod/data/zookeeper.yaml) under member
 * loss and a rolling restart, with the Kafka brokers that depend on it — a
 * file of its own so it runs beside the Kafka suite.
 */
describe('ZooKeeper ensemble (prod)', () => {
  const { cluster, manifests } = useCluster();
  let zk: StatefulSet;
  let kafka: StatefulSet;

  it('starts: quorum, then the brokers register', async () => {
    const m = manifests('prod');
    zk = new StatefulSet(cluster, m, 'zookeeper');
    kafka = new StatefulSet(cluster, m, 'kafka');
    await zk.create();
    await quorum(zk);
    await kafka.create();
    await brokersRegistered(zk, kafka);
  });

  it('ZooKeeper keeps quorum and serves writes with one member down', async () => {
    await zk.pod(1).delete(0, { force: true });
    const alive = [zk.pod(0), zk.pod(2)];
    await waitFor('the two remaining members to form a quorum', async () => {
      const modes = await Promise.all(alive.map(zkMode));
      return modes.includes('leader') && modes.includes('follower');
    }, 60000, 500);
    const value = `written-with-one-member-down-${Date.now()}`;
    await zkCli(alive[0], `create /harness-quorum-check ${value}`);
    // Read back through the other surviving member: the write was committed by the quorum of two.
    expect((await zkCli(alive[1], 'get /harness-quorum-check')).split('\n').map((l) => l.trim())).toContain(value);
    await zk.createPod(1);
    await quorum(zk);
  });

  it('a rolling restart of ZooKeeper keeps the quorum and the brokers registered', async () => {
    // Readiness is "serving" (srvr Mode leader/follower), so the next member stops only once the
    // restarted one has rejoined and synced.
    const brokerRestarts = kafka.pods.map((p) => p!.restartCounts());
    await zk.rollingRestart();
    await quorum(zk);
    await brokersRegistered(zk, kafka);
    for (const p of zk.history.slice(-zk.replicas)) expect(p.killedAtGrace()).toEqual([]);
    // No broker lost its ZooKeeper session and restarted.
    expect(kafka.pods.map((p) => p!.restartCounts())).toEqual(brokerRestarts);
  });
});
