// A Redis client as a service would run it: finds the master through Sentinel (ioredis), writes
// `w:<n>` one at a time and records every write the server acknowledged. On SIGTERM it stops
// writing, reconnects through Sentinel and reads every acknowledged key back.
// Prints one JSON line: { acked, lost: [ids], errors, master }.
// Usage (inside a client network namespace): node redis-writer.cjs SENTINEL_HOST PORT MASTER_NAME
'use strict';
const Redis = require('ioredis');
const [host, port, name] = process.argv.slice(2);
const password = process.env.REDIS_PASSWORD;
const opts = {
  sentinels: [{ host, port: Number(port) }],
  name,
  password,
  sentinelPassword: password,
  // After a failover the old master answers READONLY: reconnect through Sentinel and resend.
  reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  maxRetriesPerRequest: 20,
  retryStrategy: () => 200,
  sentinelRetryStrategy: () => 200,
  enableAutoPipelining: false,
};
const acked = [];
let errors = 0;
let stop = false;
process.on('SIGTERM', () => { stop = true; });
(async () => {
  const r = new Redis(opts);
  r.on('error', () => {});
  for (let n = 1; !stop; n++) {
    try {
      const res = await r.set(`w:${n}`, String(n));
      if (res === 'OK') acked.push(n);
    } catch {
      errors++;
      await new Promise((s) => setTimeout(s, 100));
    }
  }
  r.disconnect();
  await new Promise((s) => setTimeout(s, 1500));
  const check = new Redis(opts);
  check.on('error', () => {});
  const lost = [];
  for (let i = 0; i < acked.length; i += 1000) {
    const ids = acked.slice(i, i + 1000);
    const vals = await check.mget(ids.map((n) => `w:${n}`));
    ids.forEach((n, j) => { if (vals[j] !== String(n)) lost.push(n); });
  }
  const master = (await check.role())[0];
  check.disconnect();
  process.stdout.write(JSON.stringify({ acked: acked.length, lost, errors, master }) + '\n');
  process.exit(0);
})().catch((e) => { process.stdout.write(JSON.stringify({ fatal: String(e) }) + '\n'); process.exit(1); });
