import { KAFKA_PORT, KAFKA_TOPICS_NAME } from './catalogue';
import type { Construct } from 'constructs';
import { LABEL } from '../../blocks/meta';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, serviceDns, syncHookJob } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel, TopicModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { KAFKA_LIB_DIR, KAFKA_UID, kafkaImage, minInSyncReplicas, replicationFactor } from './chart';


export interface KafkaTopicsProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `kafka` store of this environment. */
  readonly store: StoreModel;
}

export interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInSyncReplicas: number;
}

/**
 * Partitions: enough for every consumer replica to own one (at least 3),
 * rounded up to a multiple of the broker count so leaders spread evenly.
 */
export function topicPlan(env: Pick<EnvironmentModel, 'serviceIndex'>, store: Pick<StoreModel, 'replicas'>, topic: TopicModel): TopicPlan {
  const brokers = store.replicas;
  const consumers = Math.max(0, ...topic.consumers.map((c) => env.serviceIndex.get(c)?.maxReplicas ?? 1));
  const wanted = Math.max(3, consumers);
  return {
    name: topic.name,
    partitions: Math.ceil(wanted / brokers) * brokers,
    replicationFactor: replicationFactor(brokers),
    minInSyncReplicas: minInSyncReplicas(brokers),
  };
}

export function topicScript(bootstrap: string, plans: readonly TopicPlan[]): string {
  const lines = plans.map((p) => `create '${p.name}' ${p.partitions} ${p.replicationFactor} ${p.minInSyncReplicas}`);
  return hookScript(`BOOTSTRAP="${bootstrap}"
topics() {
  java -Xmx256m -XX:-UsePerfData -cp '${KAFKA_LIB_DIR}/*' org.apache.kafka.tools.TopicCommand "$@"
}
for i in $(seq 1 60); do
  if topics --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; then break; fi
  if [ "$i" -eq 60 ]; then echo "the brokers at $BOOTSTRAP did not answer; no topic was created" >&2; exit 1; fi
  echo "waiting for the brokers ($i)"; sleep 5
done
create() {
  topics --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$1" \\
    --partitions "$2" --replication-factor "$3" --config min.insync.replicas="$4"
  topics --bootstrap-server "$BOOTSTRAP" --describe --topic "$1"
}
${lines.join('\n')}
`);
}

/**
 * Creates the topics the services declare (produces/consumes), idempotently,
 * as an Argo CD Sync hook in the topics wave: after the brokers are healthy
 * (data wave) and before the services start (services wave), which need the
 * topics because automatic topic creation is off.
 */
export class KafkaTopicsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/kafka-topics.yaml` });
    const ns = store.namespace;
    const identity = hookJobIdentity(env, store, KAFKA_TOPICS_NAME, 'topic-provisioner');
    const plans = env.topics.map((t) => topicPlan(env, store, t));

    syncHookJob(this, {
      env,
      name: KAFKA_TOPICS_NAME,
      namespace: ns,
      id: identity,
      serviceAccountName: STORE_ENDPOINTS.kafka.serviceAccount,
      runAsUser: KAFKA_UID,
      container: {
        name: 'create-topics',
        image: kafkaImage(store.version),
      },
      script: topicScript(`${serviceDns('kafka', ns)}:${KAFKA_PORT}`, plans),
      egress: [{ namespace: ns, labels: { [LABEL.name]: STORE_ENDPOINTS.kafka.appName }, ports: [KAFKA_PORT] }],
    });
  }
}

