// A Kafka client configured only from the connection variables the platform gives a service
// (its ConfigMap and Secret: KAFKA_BOOTSTRAP_SERVERS, KAFKA_CLIENT_ID, KAFKA_SECURITY_PROTOCOL and,
// for SASL_SSL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD), as a service's code
// would read them (kafkajs). It produces COUNT numbered messages to TOPIC with acks=all, reads them
// back in consumer group GROUP, and prints one JSON line: { produced, consumed, brokers, error? }.
// Usage (inside a client network namespace): node kafka-env-client.cjs TOPIC GROUP COUNT
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const [topic, group, count] = process.argv.slice(2);
const env = process.env;
const protocol = env.KAFKA_SECURITY_PROTOCOL;
const MECHANISMS = { 'SCRAM-SHA-512': 'scram-sha-512', 'SCRAM-SHA-256': 'scram-sha-256', PLAIN: 'plain' };
function config() {
  const base = { clientId: env.KAFKA_CLIENT_ID, brokers: env.KAFKA_BOOTSTRAP_SERVERS.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 5 } };
  if (protocol === 'PLAINTEXT') return base;
  if (protocol !== 'SASL_SSL') throw new Error(`KAFKA_SECURITY_PROTOCOL ${protocol}: this client knows PLAINTEXT and SASL_SSL`);
  const mechanism = MECHANISMS[env.KAFKA_SASL_MECHANISM];
  if (!mechanism) throw new Error(`KAFKA_SASL_MECHANISM ${env.KAFKA_SASL_MECHANISM} is unknown`);
  // ssl: true: the runtime's default CAs (plus NODE_EXTRA_CA_CERTS), the host name checked against the certificate.
  return { ...base, ssl: true, sasl: { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD } };
}
(async () => {
  const out = { produced: 0, consumed: 0, brokers: [] };
  try {
    const kafka = new Kafka(config());
    const admin = kafka.admin();
    await admin.connect();
    out.brokers = (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`).sort();
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const n = Number(count);
    for (let i = 0; i < n; i++) {
      await producer.send({ topic, acks: -1, messages: [{ key: String(i), value: `message-${i}` }] });
      out.produced++;
    }
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of ${n} in 60 s`)), 60000);
      consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value.toString()); if (seen.size >= n) { clearTimeout(timer); resolve(); } } }).catch(reject);
    });
    out.consumed = seen.size;
    await consumer.disconnect();
  } catch (e) {
    out.error = `${e.name}: ${e.message}`;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
})();
