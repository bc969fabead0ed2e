// A Redis client configured only from the connection variables the platform gives a service
// (REDIS_HOST, REDIS_PORT, REDIS_TLS, REDIS_PASSWORD), as a service that knows no Sentinel reads
// them (ioredis): TLS when REDIS_TLS is true, the certificate checked against the runtime's CAs
// for REDIS_HOST. Writes COUNT keys under PREFIX and reads them back; prints one JSON line:
// { written, read, role, error? }.
// Usage (inside a client network namespace): node redis-env-client.cjs PREFIX COUNT
'use strict';
const Redis = require('ioredis');
const [prefix, count] = process.argv.slice(2);
const env = process.env;
(async () => {
  const out = { written: 0, read: 0 };
  let r;
  // ioredis reports a refused handshake or login on its 'error' event; the command only sees the closed connection.
  let cause;
  try {
    if (!['true', 'false'].includes(env.REDIS_TLS)) throw new Error(`REDIS_TLS '${env.REDIS_TLS}' is neither true nor false`);
    r = new Redis({
      host: env.REDIS_HOST,
      port: Number(env.REDIS_PORT),
      password: env.REDIS_PASSWORD,
      ...(env.REDIS_TLS === 'true' ? { tls: { servername: env.REDIS_HOST } } : {}),
      maxRetriesPerRequest: 2,
      retryStrategy: (n) => (n > 3 ? null : 200),
      lazyConnect: true,
    });
    r.on('error', (e) => { cause ??= e; });
    await r.connect();
    const n = Number(count);
    for (let i = 0; i < n; i++) if ((await r.set(`${prefix}:${i}`, String(i))) === 'OK') out.written++;
    const vals = await r.mget(Array.from({ length: n }, (_, i) => `${prefix}:${i}`));
    out.read = vals.filter((v, i) => v === String(i)).length;
    out.role = (await r.role())[0];
  } catch (e) {
    out.error = `${e.name}: ${e.message}${cause ? ` (${cause.code ?? cause.name}: ${cause.message})` : ''}`;
  }
  r?.disconnect();
  console.log(JSON.stringify(out));
  process.exit(0);
})();
