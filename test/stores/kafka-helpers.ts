import { StatefulSet, waitFor, type Pod } from './harness';

/** ZooKeeper and Kafka checks shared by the Kafka and ZooKeeper suites (run inside the pods, with their own tools). */
const zk4 = async (p: Pod, word: string) => p.sh('zookeeper', `echo ${word} | timeout 5 nc -w 3 127.0.0.1 2181`);
export const zkMode = async (p: Pod) => (await zk4(p, 'srvr')).match(/Mode: (\w+)/)?.[1];
/** A ZooKeeper CLI command run in a ZooKeeper container (the image's own client). */
export const zkCli = (p: Pod, cmd: string) => p.sh('zookeeper', `java -Xmx64m -XX:-UsePerfData -Dlogback.configurationFile=/config/logback.xml -cp '/apache-zookeeper-3.9.3-bin/lib/*' org.apache.zookeeper.ZooKeeperMain -server 127.0.0.1:2181 ${cmd} 2>/dev/null`, 60000);
export const topics = (p: Pod, args: string) => p.sh('kafka', `java -Xmx128m -XX:-UsePerfData -cp '/opt/kafka/libs/*' org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 ${args} 2>/dev/null`, 60000);

export async function quorum(zk: StatefulSet): Promise<Record<string, string>> {
  return waitFor('a ZooKeeper quorum (one leader, the rest following)', async () => {
    const modes: Record<string, string> = {};
    for (const p of zk.readyPods()) modes[p.name] = (await zkMode(p)) ?? '?';
    const v = Object.values(modes);
    if (v.length !== zk.replicas) return false;
    const ok = zk.replicas === 1 ? v[0] === 'standalone' : v.filter((m) => m === 'leader').length === 1 && v.filter((m) => m === 'follower').length === zk.replicas - 1;
    return ok ? modes : false;
  }, 90000, 500);
}

export async function brokersRegistered(zk: StatefulSet, kafka: StatefulSet): Promise<string> {
  const want = `[${Array.from({ length: kafka.replicas }, (_, i) => i).join(', ')}]`;
  return waitFor(`brokers ${want} registered in ZooKeeper`, async () => {
    const out = await zkCli(zk.readyPods()[0], 'ls /brokers/ids');
    return out.includes(want) ? want : false;
  }, 120000, 1000);
}

