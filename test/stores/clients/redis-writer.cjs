// A Redis client as a service would run it (ioredis): finds the master through Sentinel, or (--direct)
// connects to REDIS_HOST:REDIS_PORT as a client that knows no Sentinel does (the `redis-master`
// proxy); writes `<prefix>:<n>` one at a time (w, or d with --direct) and records every write the server acknowledged.
// On SIGTERM it stops writing, reconnects the same way and reads every acknowledged key back.
// Prints one JSON line: { acked, lost: [ids], errors, master }.
// Usage (inside a client network namespace):
//   node redis-writer.cjs SENTINEL_HOST PORT MASTER_NAME
//   node redis-writer.cjs --direct HOST PORT
'use strict';
const Redis = require('ioredis');
const args = process.argv.slice(2);
const direct = args[0] === '--direct';
const [host, port, name] = direct ? args.slice(1) : args;
const prefix = direct ? 'd' : 'w';
const password = process.env.REDIS_PASSWORD;
const common = {
  password,
  // After a failover the old master answers READONLY: reconnect (through Sentinel, or the proxy) and resend.
  reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  maxRetriesPerRequest: 20,
  retryStrategy: () => 200,
  enableAutoPipelining: false,
};
const opts = direct
  ? { ...common, host, port: Number(port) }
  : { ...common, sentinels: [{ host, port: Number(port) }], name, sentinelPassword: password, sentinelRetryStrategy: () => 200 };
const acked = [];
let errors = 0;
let stop = false;
process.on('SIGTERM', () => { stop = true; });
(async () => {
  const r = new Redis(opts);
  r.on('error', () => {});
  for (let n = 1; !stop; n++) {
    try {
      const res = await r.set(`${prefix}:${n}`, String(n));
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
    const vals = await check.mget(ids.map((n) => `${prefix}:${n}`));
    ids.forEach((n, j) => { if (vals[j] !== String(n)) lost.push(n); });
  }
  const master = (await check.role())[0];
  check.disconnect();
  process.stdout.write(JSON.stringify({ acked: acked.length, lost, errors, master }) + '\n');
  process.exit(0);
})().catch((e) => { process.stdout.write(JSON.stringify({ fatal: String(e) }) + '\n'); process.exit(1); });
