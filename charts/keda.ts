import type { Construct } from 'constructs';
import { ScaledObject } from '../imports/keda-keda.sh';
import { meta, scaledDeployment } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import { storeClientSecrets, storeConnectionEnv } from '../catalogue/stores';
import { TriggerAuthentication } from '../imports/keda-triggerauthentication-keda.sh';
import { KAFKA_SASL_MECHANISMS, type KafkaSaslMechanism } from '../stores/kafka/catalogue';
import type { EnvironmentModel, ServiceModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface KedaProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Services whose replica count a KEDA ScaledObject owns (never also an HPA). */
export function kedaServices(env: EnvironmentModel): ServiceModel[] {
  return env.services.filter((s) => s.scaler === 'keda');
}

/** Where KEDA reads consumer lag: the clients' KAFKA_BOOTSTRAP_SERVERS (the brokers' bootstrap Service, or every broker of a managed Kafka). */
export function kafkaBootstrap(env: Pick<EnvironmentModel, 'dataNamespace' | 'externalStores'>): string {
  return storeConnectionEnv('kafka', env.dataNamespace, 'keda', env.externalStores.find((x) => x.kind === 'kafka')).KAFKA_BOOTSTRAP_SERVERS!;
}

/** The TriggerAuthentication of a managed Kafka's lag triggers: the clients' SASL login, from their Secret. */
export const KAFKA_TRIGGER_AUTHENTICATION = 'kafka-sasl';

/**
 * Kafka consumers that scale on consumer lag: one ScaledObject per service
 * (KEDA creates and owns the HPA `keda-hpa-<service>`), one `kafka` trigger per
 * consumed topic, the consumer group being the service name.
 */
export class KedaChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: KedaProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/autoscaling/keda.yaml` });

    // A managed Kafka: KEDA logs in over TLS as the clients do (SASL from their Secret; the brokers' CA is a public one).
    const managed = env.externalStores.find((x) => x.kind === 'kafka');
    const services = kedaServices(env);
    if (managed && services.length) {
      const secrets = storeClientSecrets('kafka', managed);
      new TriggerAuthentication(this, 'kafka-sasl', {
        metadata: meta({ name: KAFKA_TRIGGER_AUTHENTICATION, namespace: env.namespace, id: { name: KAFKA_TRIGGER_AUTHENTICATION, instance: KAFKA_TRIGGER_AUTHENTICATION, component: 'autoscaling', partOf: env.platform, version: env.version }, wave: WAVE.services }),
        spec: {
          secretTargetRef: [
            { parameter: 'username', name: secrets.KAFKA_SASL_USERNAME!.name, key: secrets.KAFKA_SASL_USERNAME!.key },
            { parameter: 'password', name: secrets.KAFKA_SASL_PASSWORD!.name, key: secrets.KAFKA_SASL_PASSWORD!.key },
          ],
        },
      });
    }
    const auth: Record<string, string> = managed ? { tls: 'enable', sasl: KAFKA_SASL_MECHANISMS[managed.sasl as KafkaSaslMechanism].keda } : {};

    for (const s of services) {
      const a = s.autoscaling!;
      new ScaledObject(this, s.name, {
        metadata: meta({ name: s.name, namespace: s.namespace, id: serviceIdentity(env, s), wave: WAVE.services }),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: scaledDeployment(s) },
          minReplicaCount: a.minReplicas,
          maxReplicaCount: a.maxReplicas,
          pollingInterval: 15,
          cooldownPeriod: 300,
          // If Kafka cannot be read, hold the floor instead of scaling to the minimum of a broken metric.
          fallback: { failureThreshold: 3, replicas: a.minReplicas },
          advanced: {
            horizontalPodAutoscalerConfig: {
              behavior: {
                scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
                scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
              },
            },
          },
          triggers: [...new Set(s.consumes)].map((topic) => ({
            type: 'kafka',
            name: `lag-${topic.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`,
            metadata: {
              bootstrapServers: kafkaBootstrap(env),
              consumerGroup: s.name,
              topic,
              lagThreshold: String(s.kafkaLagThreshold),
              offsetResetPolicy: 'latest',
              ...auth,
            },
            ...(managed ? { authenticationRef: { name: KAFKA_TRIGGER_AUTHENTICATION } } : {}),
          })),
        },
      });
    }
  }
}
