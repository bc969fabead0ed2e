// A Kafka producer and consumer as services would run them (kafkajs): the producer sends
// numbered messages with acks=all (idempotent) and records each one the brokers acknowledged;
// a consumer in group `harness` reads the topic. On SIGTERM the producer stops, the consumer
// is given time to catch up, and one JSON line is printed:
// { acked, consumed, lost: [acknowledged ids never consumed], errors, groupJoins }.
// Usage (inside a client network namespace): node kafka-producer.cjs BOOTSTRAP TOPIC
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'stores-harness', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 } });
const acked = new Set();
const consumed = new Set();
let errors = 0;
let groupJoins = 0;
let stop = false;
process.on('SIGTERM', () => { stop = true; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Start-up steps retried as a service would (metadata can be briefly unavailable, e.g. after a controller change). */
async function retried(what, fn) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      setupErrors.push(`${what}: ${e.message}`);
      if (i === 30) throw e;
      await sleep(1000);
    }
  }
}
const setupErrors = [];
(async () => {
  const consumer = kafka.consumer({ groupId: 'harness', sessionTimeout: 30000, heartbeatInterval: 3000 });
  consumer.on(consumer.events.GROUP_JOIN, () => { groupJoins++; });
  await retried('consumer connect', () => consumer.connect());
  await retried('subscribe', () => consumer.subscribe({ topic, fromBeginning: true }));
  await consumer.run({ eachMessage: async ({ message }) => { consumed.add(Number(message.value.toString())); } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await retried('producer connect', () => producer.connect());
  for (let n = 1; !stop; n++) {
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: String(n % 64), value: String(n) }] });
      acked.add(n);
    } catch {
      errors++;
      await sleep(200);
    }
  }
  await producer.disconnect();
  for (let i = 0; i < 120 && [...acked].some((n) => !consumed.has(n)); i++) await sleep(500);
  const lost = [...acked].filter((n) => !consumed.has(n));
  await consumer.disconnect();
  process.stdout.write(JSON.stringify({ acked: acked.size, consumed: consumed.size, lost: lost.slice(0, 50), lostCount: lost.length, errors, groupJoins, setupErrors }) + '\n');
  process.exit(0);
})().catch((e) => { process.stdout.write(JSON.stringify({ fatal: String(e && e.stack || e) }) + '\n'); process.exit(1); });
