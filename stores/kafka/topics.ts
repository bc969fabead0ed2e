import { KAFKA_PORT, KAFKA_SASL_MECHANISMS, KAFKA_TOPICS_NAME } from './catalogue';
import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { LABEL } from '../../blocks/meta';
import { addressEgress } from '../../blocks/network';
import { STORE_ENDPOINTS, storeClientSecrets, storeConnectionEnv } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, secretEnv, syncHookJob, workloadServiceAccount } from '../../blocks/stateful';
import type { EnvironmentModel, ExternalStoreModel, StoreModel, TopicModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { KAFKA_LIB_DIR, KAFKA_UID, kafkaImage, minInSyncReplicas, replicationFactor } from './chart';


export interface KafkaTopicsProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The in-cluster `kafka` store of this environment, or the managed Kafka a provider runs for it. */
  readonly store: StoreModel | ExternalStoreModel;
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
export function topicPlan(env: Pick<EnvironmentModel, 'serviceIndex'>, brokers: number, topic: TopicModel): TopicPlan {
  const consumers = Math.max(0, ...topic.consumers.map((c) => env.serviceIndex.get(c)?.maxReplicas ?? 1));
  const wanted = Math.max(3, consumers);
  return {
    name: topic.name,
    partitions: Math.ceil(wanted / brokers) * brokers,
    replicationFactor: replicationFactor(brokers),
    minInSyncReplicas: minInSyncReplicas(brokers),
  };
}

/**
 * bash: `quoted VALUE` prints VALUE as a JAAS string ("…" with \ and " escaped) written into a
 * properties file (which reads \\ as \ once more), so the JAAS parser gets the value back unchanged.
 */
const JAAS_PROPERTY_QUOTE = String.raw`quoted() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"; }`;

/**
 * bash: writes the Kafka client properties of a managed Kafka's SASL_SSL login to `file` (owner-only),
 * from KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (the clients' variables).
 * Kafka reads the file as ISO-8859-1, one property per line: a credential outside printable ASCII
 * is refused here, saying so, rather than sent garbled.
 */
export function saslClientProperties(file: string): string {
  const modules = Object.entries(KAFKA_SASL_MECHANISMS).map(([m, x]) => `  ${m}) module=${x.jaasModule} ;;`).join('\n');
  return `case "$KAFKA_SASL_MECHANISM" in
${modules}
  *) echo "KAFKA_SASL_MECHANISM '$KAFKA_SASL_MECHANISM' is none of ${Object.keys(KAFKA_SASL_MECHANISMS).join(', ')}" >&2; exit 1 ;;
esac
for v in KAFKA_SASL_USERNAME KAFKA_SASL_PASSWORD; do
  if [ -z "\${!v}" ] || LC_ALL=C grep -q '[^ -~]' <<<"\${!v}" || [[ "\${!v}" == *$'\\n'* ]]; then
    echo "$v (from the Secret the spec names) is empty or has a character outside printable ASCII: Kafka reads its client properties as ISO-8859-1, one per line" >&2; exit 1
  fi
done
${JAAS_PROPERTY_QUOTE}
(umask 077; {
  echo "security.protocol=SASL_SSL"
  echo "sasl.mechanism=$KAFKA_SASL_MECHANISM"
  echo "sasl.jaas.config=$module required username=$(quoted "$KAFKA_SASL_USERNAME") password=$(quoted "$KAFKA_SASL_PASSWORD");"
} >${file})`;
}

/** The Job's script: wait for the brokers, then create each planned topic if it is missing (idempotent). */
export function topicScript(bootstrap: string, plans: readonly TopicPlan[], clientProperties?: string): string {
  const lines = plans.map((p) => `create '${p.name}' ${p.partitions} ${p.replicationFactor} ${p.minInSyncReplicas}`);
  const config = clientProperties ? ` --command-config ${clientProperties}` : '';
  return hookScript(`BOOTSTRAP="${bootstrap}"
${clientProperties ? `${saslClientProperties(clientProperties)}
` : ''}topics() {
  java -Xmx256m -XX:-UsePerfData -cp '${KAFKA_LIB_DIR}/*' org.apache.kafka.tools.TopicCommand "$@"${config}
}
for i in $(seq 1 60); do
  # TopicCommand prints its error on stdout (the stack trace goes to its unconfigured logger).
  if topics --bootstrap-server "$BOOTSTRAP" --list >/tmp/list.out 2>&1; then break; fi
  # A refused login or certificate does not heal by waiting: say which, and stop.
  if grep -m1 -E 'Authentication failed|AuthenticationException|SSL handshake failed|SSLHandshakeException' /tmp/list.out >&2; then
    echo "the brokers at $BOOTSTRAP refused the login or the TLS handshake; no topic was created" >&2; exit 1
  fi
  if [ "$i" -eq 60 ]; then echo "the brokers at $BOOTSTRAP did not answer; no topic was created" >&2; exit 1; fi
  echo "waiting for the brokers ($i): $(grep -m1 -E 'Error|Exception' /tmp/list.out || echo no answer)"; sleep 5
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
 * topics because automatic topic creation is off (and, on a managed Kafka,
 * is the provider's default to leave off).
 *
 * In the cluster it runs beside the brokers as the `kafka` ServiceAccount. For
 * a managed Kafka it runs in the services namespace beside the clients'
 * Secret, as its own ServiceAccount, logs in as they do (SASL_SSL) and may
 * reach only the brokers' addresses on their port (its mesh egress is the
 * mesh-egress chart's).
 */
export class KafkaTopicsChart extends PlatformChart {
  /** The Job (an Argo CD Sync hook). */
  readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/kafka-topics.yaml` });
    const managed = 'hosts' in store ? store : undefined;
    const inCluster = 'hosts' in store ? undefined : store;
    const ns = managed ? env.namespace : inCluster!.namespace;
    const identity = hookJobIdentity(env, store, KAFKA_TOPICS_NAME, 'topic-provisioner');
    const brokers = managed ? managed.hosts.length : inCluster!.replicas;
    const plans = env.topics.map((t) => topicPlan(env, brokers, t));
    if (managed) workloadServiceAccount(this, 'service-account', { name: KAFKA_TOPICS_NAME, namespace: ns, id: identity });

    this.job = syncHookJob(this, {
      env,
      name: KAFKA_TOPICS_NAME,
      namespace: ns,
      id: identity,
      serviceAccountName: managed ? KAFKA_TOPICS_NAME : STORE_ENDPOINTS.kafka.serviceAccount,
      runAsUser: KAFKA_UID,
      container: {
        name: 'create-topics',
        image: kafkaImage(store.version),
        ...(managed
          ? { env: [{ name: 'KAFKA_SASL_MECHANISM', value: managed.sasl! }, ...Object.entries(storeClientSecrets('kafka', managed)).map(([name, ref]) => secretEnv(name, ref.name, ref.key))] }
          : {}),
      },
      // The clients' own KAFKA_BOOTSTRAP_SERVERS.
      script: topicScript(storeConnectionEnv('kafka', ns, KAFKA_TOPICS_NAME, managed).KAFKA_BOOTSTRAP_SERVERS!, plans, managed ? '/tmp/client.properties' : undefined),
      egress: managed ? [] : [{ namespace: ns, labels: { [LABEL.name]: STORE_ENDPOINTS.kafka.appName }, ports: [KAFKA_PORT] }],
      ...(managed ? { extraEgress: [addressEgress(managed.cidrs, [managed.port])] } : {}),
    });
  }
}
