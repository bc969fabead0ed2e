import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ANNOTATION, meta, selector, type Identity } from '../lib/meta';
import { WAVE } from '../lib/waves';
import { containerSecurityContext, podSecurityContext } from '../lib/security';
import { sidecarAnnotations, footprint as podFootprint, type Footprint } from '../lib/quota';
import { TIER_RESOURCES } from '../lib/resources';
import { dnsEgress, meshControlPlaneEgress, podsIn, tcp } from '../lib/network';
import { resources, scratch, serviceDns } from '../lib/stateful';
import type { EnvironmentModel, StoreModel, TopicModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { KAFKA_PORT, KAFKA_UID, kafkaImage, minInSyncReplicas, replicationFactor } from './kafka';

export const KAFKA_TOPICS_NAME = 'kafka-topics';

export interface KafkaTopicsProps {
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
  return `#!/bin/bash
set -euo pipefail
BOOTSTRAP="${bootstrap}"
TOPICS=/opt/kafka/bin/kafka-topics.sh
stop_sidecar() {
  # Without native sidecars the Istio proxy would keep the Job running: ask it to quit.
  (exec 3<>/dev/tcp/127.0.0.1/15020 && printf 'POST /quitquitquit HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Length: 0\\r\\n\\r\\n' >&3) 2>/dev/null || true
}
trap stop_sidecar EXIT
for i in $(seq 1 60); do
  if "$TOPICS" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; then break; fi
  echo "waiting for the brokers ($i)"; sleep 5
done
create() {
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$1" \\
    --partitions "$2" --replication-factor "$3" --config min.insync.replicas="$4"
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic "$1"
}
${lines.join('\n')}
`;
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
    const identity: Identity = { name: KAFKA_TOPICS_NAME, instance: KAFKA_TOPICS_NAME, component: 'topic-provisioner', partOf: env.platform, version: store.version };
    const plans = env.topics.map((t) => topicPlan(env, store, t));
    const tmp = scratch('tmp', '/tmp', { sizeLimit: '128Mi' });

    new k8s.KubeJob(this, 'job', {
      metadata: meta({
        name: KAFKA_TOPICS_NAME,
        namespace: ns,
        id: identity,
        wave: WAVE.topics,
        annotations: { [ANNOTATION.hook]: 'Sync', [ANNOTATION.hookDeletePolicy]: 'BeforeHookCreation,HookSucceeded' },
      }),
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 900,
        template: {
          metadata: {
            labels: meta({ name: KAFKA_TOPICS_NAME, id: identity, wave: WAVE.topics }).labels,
            annotations: {
              'sidecar.istio.io/nativeSidecar': 'true',
              'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
              ...sidecarAnnotations(),
            },
          },
          spec: {
            restartPolicy: 'Never',
            // The brokers' mesh identity, so the mesh policies that admit Kafka's peers admit the Job.
            serviceAccountName: 'kafka',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext({ runAsUser: KAFKA_UID }),
            containers: [
              {
                name: 'create-topics',
                image: kafkaImage(store.version),
                imagePullPolicy: 'IfNotPresent',
                command: ['bash', '-c', topicScript(`${serviceDns('kafka', ns)}:${KAFKA_PORT}`, plans)],
                env: [
                  { name: 'KAFKA_HEAP_OPTS', value: '-Xmx256m' },
                  { name: 'LOG_DIR', value: '/tmp/kafka-logs' },
                ],
                resources: resources(TIER_RESOURCES.small),
                securityContext: containerSecurityContext(),
                volumeMounts: [tmp.mount],
              },
            ],
            volumes: [tmp.volume],
          },
        },
      },
    });

    new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: meta({ name: KAFKA_TOPICS_NAME, namespace: ns, id: identity, wave: WAVE.foundation }),
      spec: {
        podSelector: { matchLabels: selector(identity) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ to: [podsIn(ns, { 'app.kubernetes.io/name': 'kafka' })], ports: tcp(KAFKA_PORT) }, dnsEgress(), meshControlPlaneEgress(env)],
      },
    });
  }
}

/** The topic Job's one pod while it runs. */
export function footprint(): Footprint {
  return podFootprint(1, [TIER_RESOURCES.small]);
}
