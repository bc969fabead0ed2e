import type { Construct } from 'constructs';
import { secretEnv } from '../../blocks/stateful';
import { storeClientSecrets } from '../../catalogue/stores';
import { ManagedExporterChart, type ManagedStoreProps } from '../managed-exporter';
import { KAFKA_EXPORTER, KAFKA_SASL_MECHANISMS, type KafkaSaslMechanism } from './catalogue';
import { KAFKA_EXPORTER_IMAGE } from './chart';

/**
 * A Kafka a provider runs (Amazon MSK, Confluent Cloud…): kafka_exporter pointed
 * at every broker over TLS, logging in with the clients' SASL credentials
 * (`<env>/data/kafka-managed.yaml`; stores/managed-exporter.ts), so the brokers
 * alert and the consumer-lag alerts, panels and KEDA's view agree with what the
 * clients see. The brokers' certificate is checked against the image's CAs.
 */
export class KafkaManagedChart extends ManagedExporterChart {
  constructor(scope: Construct, id: string, props: ManagedStoreProps) {
    const { env, store } = props;
    const secrets = storeClientSecrets('kafka', store);
    super(scope, id, {
      env,
      store,
      metrics: KAFKA_EXPORTER.metrics,
      image: KAFKA_EXPORTER_IMAGE,
      args: [
        ...store.hosts.map((h) => `--kafka.server=${h}:${store.port}`),
        '--tls.enabled',
        '--sasl.enabled',
        `--sasl.mechanism=${KAFKA_SASL_MECHANISMS[store.sasl as KafkaSaslMechanism].exporter}`,
        // kafka_exporter reads its credentials from flags only: the kubelet expands them from the Secret's
        // variables, so the spec holds no value (the password is in the container's command line).
        '--sasl.username=$(KAFKA_SASL_USERNAME)',
        '--sasl.password=$(KAFKA_SASL_PASSWORD)',
      ],
      containerEnv: Object.entries(secrets).map(([name, ref]) => secretEnv(name, ref.name, ref.key)),
      // /healthz answers without querying Kafka; /metrics would run a whole collection per probe.
      probePath: '/healthz',
    });
  }
}
