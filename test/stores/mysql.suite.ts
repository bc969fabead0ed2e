import { describe, expect, it } from 'vitest';
import { runJob, StatefulSet, testSecret, useCluster, waitFor, type Pod } from './harness';
import { clientConnectionBudget } from './harness/budget';

/**
 * MySQL (MariaDB) primary + GTID read replicas as rendered for the greenfield
 * seed platform (examples/greenfield.yaml → <env>/data/mysql.yaml,
 * mysql-provision.yaml; the reference platform has no MySQL), run with
 * Debian's MariaDB 10.11 (harness/images.ts says how it differs from the
 * image). The pods' own START_SCRIPT initialises and clones: nothing of the
 * image's entrypoint is used, so nothing is imitated. dev: primary only;
 * prod: primary + 2 replicas. mysqld_exporter does not run (harness/images.ts NOT_RUN).
 */
const SPEC = 'examples/greenfield.yaml';
const ROOT_PW = testSecret('mysql-credentials', 'root-password');
const APP_USER = testSecret('mysql-app-credentials', 'username');
/** The application password the provisioning test sets: quotes, a backslash, a dollar, spaces. */
const TRICKY = `it's a \\ "$x" pass`;
/** A shell single-quoted word. */
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A query as root over TCP in the pod's mysql container; tab-separated rows. */
const sql = (p: Pod, query: string, user = 'root', pw = ROOT_PW) =>
  p.sh('mysql', `MYSQL_PWD=${shq(pw)} mariadb --no-defaults --default-character-set=utf8mb4 -h 127.0.0.1 -u${JSON.stringify(user)} -NBe ${JSON.stringify(query).replace(/\$/g, '\\$')}`).then((o) => o.trim());

/** SHOW REPLICA STATUS as a record. */
async function replicaStatus(p: Pod): Promise<Record<string, string>> {
  const out = await p.sh('mysql', `MYSQL_PWD=${ROOT_PW} mariadb --no-defaults -h 127.0.0.1 -uroot -e 'SHOW REPLICA STATUS\\G'`);
  return Object.fromEntries(out.split('\n').map((l) => l.match(/^\s*(\w+): ?(.*)$/)).filter((m): m is RegExpMatchArray => !!m).map((m) => [m[1]!, m[2]!]));
}

async function replicating(read: StatefulSet): Promise<void> {
  await waitFor(`${read.replicas} replica(s) replicating from the primary`, async () => {
    for (const p of read.pods) {
      const s = await replicaStatus(p!);
      if (s.Slave_IO_Running !== 'Yes' || s.Slave_SQL_Running !== 'Yes' || s.Using_Gtid !== 'Slave_Pos') return false;
    }
    return true;
  }, 120000, 1000);
}

export function mysqlSuite(env: 'dev' | 'prod'): void {
  describe(`MySQL / MariaDB (${env}, ${SPEC})`, () => {
    const { cluster, manifests, dist } = useCluster({ spec: SPEC });
    let primary: StatefulSet;
    let read: StatefulSet;

    it('starts from empty claims: the primary initialised with no password-less account, replicas cloned and replicating, all Ready', async () => {
      const m = manifests(env);
      primary = new StatefulSet(cluster, m, 'mysql-primary');
      read = new StatefulSet(cluster, m, 'mysql-read');
      await primary.create();
      await read.create();
      expect(read.replicas).toBe(env === 'dev' ? 0 : 2);
      await replicating(read);
      expect(primary.pod(0).restartCounts()).toEqual({ mysql: 0 });
      for (const p of read.pods) expect(p!.restartCounts()).toEqual({ mysql: 0 });
      expect(primary.pod(0).logs('mysql')).toContain('initialising');
      // Exactly the accounts the script makes; mariadb-install-db's password-less root@<host>, 127.0.0.1 and ::1 are gone.
      const accounts = (p: Pod) => sql(p, "SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1");
      expect((await accounts(primary.pod(0))).split('\n')).toEqual(['mariadb.sys@localhost', 'replicator@%', 'root@%', 'root@localhost']);
      for (const p of read.pods) expect(await accounts(p!)).toBe(await accounts(primary.pod(0)));
      // Bad twins: root without its password, and a wrong one, are refused.
      const denied = await primary.pod(0).exec('mysql', ['bash', '-c', 'mariadb --no-defaults -h 127.0.0.1 -uroot -NBe "SELECT 1"; MYSQL_PWD=wrong mariadb --no-defaults -h 127.0.0.1 -uroot -NBe "SELECT 1"'], { timeoutMs: 30000 });
      expect(denied.stderr.match(/Access denied/g)?.length).toBe(2);
      expect(await sql(primary.pod(0), 'SELECT @@read_only, @@log_bin, @@gtid_strict_mode, @@server_id')).toBe('0\t1\t1\t1');
      for (const [i, p] of read.pods.entries()) expect(await sql(p!, 'SELECT @@read_only, @@server_id')).toBe(`1\t${100 + i}`);
      const records = cluster.records();
      expect(records.get(`mysql.${primary.namespace}.svc.cluster.local`)).toEqual([primary.pod(0).ip]);
      if (env === 'prod') expect(records.get(`mysql-read.${primary.namespace}.svc.cluster.local`)?.sort()).toEqual(read.pods.map((p) => p!.ip).sort());
    });

    it('the mysql-provision Job creates the application user and every service database, idempotently, whatever the password holds', async () => {
      const m = manifests(env);
      const job = m.find('Job', 'mysql-provision');
      const dbs: string[] = job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'APP_DATABASES').value.split(' ');
      expect(dbs.length).toBeGreaterThan(0);
      // Quotes, a backslash, a dollar, a space: the password reaches the server as written.
      const tricky = TRICKY;
      const secrets = (secret: string, key: string) => (secret === 'mysql-app-credentials' && key === 'password' ? tricky : testSecret(secret, key));
      for (let run = 0; run < 2; run++) {
        const r = await runJob(cluster, m, 'mysql-provision', { secrets });
        expect(r.succeeded, r.pod.logTail('provision', 60)).toBe(true);
      }
      expect((await sql(primary.pod(0), 'SHOW DATABASES')).split('\n').filter((d) => dbs.includes(d)).sort()).toEqual([...dbs].sort());
      const grants = await sql(primary.pod(0), `SHOW GRANTS FOR '${APP_USER}'@'%'`);
      for (const db of dbs) expect(grants).toContain(`ON \`${db}\`.*`);
      expect(grants).not.toMatch(/GRANT (?!USAGE)[A-Z ,]+ ON \*\.\*/);
      // The application user logs in with that password and writes its own database, not another's.
      await sql(primary.pod(0), `CREATE TABLE ${dbs[0]}.harness_probe (id int PRIMARY KEY); INSERT INTO ${dbs[0]}.harness_probe VALUES (1)`, APP_USER, tricky);
      const other = await primary.pod(0).exec('mysql', ['bash', '-c', `MYSQL_PWD=${shq(tricky)} mariadb --no-defaults -h 127.0.0.1 -u${APP_USER} -NBe 'CREATE DATABASE not_mine'`], { timeoutMs: 30000 });
      expect(other.stderr).toMatch(/Access denied/);
      // The password itself is in no binary log (the Job logs its hash): the replicas' relay logs copy them.
      const binlogs = await primary.pod(0).sh('mysql', 'cd /var/lib/mysql/data && mariadb-binlog --no-defaults mysql-bin.[0-9]*');
      expect(binlogs).toContain(`CREATE USER IF NOT EXISTS '${APP_USER}'@'%' IDENTIFIED BY PASSWORD '*`);
      expect(binlogs).not.toContain('"$x" pass');
      if (env === 'prod') {
        await waitFor('the replicas to see the row and the user', async () => {
          for (const p of read.pods) if ((await sql(p!, `SELECT count(*) FROM ${dbs[0]}.harness_probe`, APP_USER, tricky).catch(() => '')) !== '1') return false;
          return true;
        }, 30000);
        // A replica refuses the application's writes (read_only).
        const ro = await read.pod(0).exec('mysql', ['bash', '-c', `MYSQL_PWD=${shq(tricky)} mariadb --no-defaults -h 127.0.0.1 -u${APP_USER} -NBe 'INSERT INTO ${dbs[0]}.harness_probe VALUES (2)'`], { timeoutMs: 30000 });
        expect(ro.stderr).toMatch(/read-only/);
      }
    });

    it('every container restarted in place comes back Ready; replicas replicate again', async () => {
      for (const p of [...primary.pods, ...read.pods]) {
        const n = p!.container('mysql').restarts;
        await p!.crash('mysql');
        await waitFor(`${p!.name}/mysql restarted and Ready`, () => p!.container('mysql').restarts > n && p!.ready, 180000);
        expect(p!.container('mysql').restarts, p!.logTail('mysql', 30)).toBe(n + 1);
        expect(p!.logs('mysql')).toContain('skipping initialisation');
      }
      await replicating(read);
    });

    it('re-created pods keep their data: the primary restarts from its claim, a replica resumes without a new clone', async () => {
      // While the primary is away the replicas keep serving reads: they never leave mysql-read.
      let replicaWentUnready = false;
      const watch = setInterval(() => { if (read.pods.some((p) => p && !p.ready)) replicaWentUnready = true; }, 200);
      await primary.recreate(0);
      await new Promise((r) => setTimeout(r, 12000));
      clearInterval(watch);
      expect(replicaWentUnready).toBe(false);
      expect(primary.pod(0).logs('mysql')).toContain('skipping initialisation');
      expect(await sql(primary.pod(0), "SELECT count(*) FROM mysql.user WHERE user = 'root'")).toBe('2');
      if (env === 'prod') {
        await read.recreate(0);
        expect(read.pod(0).logs('mysql')).not.toContain('cloning');
        await replicating(read);
        await sql(primary.pod(0), 'CREATE DATABASE IF NOT EXISTS harness; CREATE TABLE IF NOT EXISTS harness.t (id int PRIMARY KEY); INSERT INTO harness.t VALUES (1)');
        await waitFor('the re-created replica to see a write made after it came back', async () => (await sql(read.pod(0), 'SELECT count(*) FROM harness.t').catch(() => '')) === '1', 30000);
      }
    });

    if (env === 'prod') {
      it('a replica on an empty claim clones the primary as it is now: databases, rows and users, then replicates', async () => {
        await sql(primary.pod(0), "INSERT INTO harness.t VALUES (2), (3); CREATE TABLE harness.u (s varchar(20)) CHARACTER SET utf8mb4; INSERT INTO harness.u VALUES ('grüße 🚀')");
        // Only InnoDB (a snapshot is consistent for InnoDB alone): another engine is refused, on the primary too.
        const myisam = await primary.pod(0).exec('mysql', ['bash', '-c', `MYSQL_PWD=${ROOT_PW} mariadb --no-defaults -h 127.0.0.1 -uroot -e 'CREATE TABLE harness.m (id int) ENGINE=MyISAM'`], { timeoutMs: 30000 });
        expect(myisam.stderr).toMatch(/NO_ENGINE_SUBSTITUTION/);
        // Users created and dropped all through the copy (in both the copied users and the replayed log).
        const churn = primary.pod(0).sh('mysql', `export MYSQL_PWD=${ROOT_PW}; for i in $(seq 1 400); do mariadb --no-defaults -h 127.0.0.1 -uroot -e "CREATE USER churn_$i@'%'; DROP USER IF EXISTS churn_$((i - 5))@'%'"; sleep 0.02; done`, 300000);
        await read.destroyClaims(1);
        const p = await read.createPod(1);
        await churn;
        expect(p.logs('mysql')).toContain('cloning the primary');
        await replicating(read);
        expect(await sql(p, 'SELECT group_concat(id ORDER BY id) FROM harness.t')).toBe('1,2,3');
        expect(await sql(p, 'SELECT s FROM harness.u')).toBe('grüße 🚀');
        expect(await sql(p, "SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1")).toBe(await sql(primary.pod(0), "SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"));
        await waitFor('the clone to apply everything', async () => (await sql(p, 'SELECT @@gtid_slave_pos')) === (await sql(primary.pod(0), 'SELECT @@gtid_binlog_pos')), 60000, 500);
        expect(await sql(p, "SELECT group_concat(user ORDER BY user) FROM mysql.user WHERE user LIKE 'churn%'")).toBe(await sql(primary.pod(0), "SELECT group_concat(user ORDER BY user) FROM mysql.user WHERE user LIKE 'churn%'"));
        await sql(primary.pod(0), 'INSERT INTO harness.t VALUES (4)');
        await waitFor('the clone to replicate a new write', async () => (await sql(p, 'SELECT count(*) FROM harness.t')) === '4', 30000);
      });

      it('a clone interrupted at any point starts again from scratch and completes', async () => {
        // Enough rows that the copy takes seconds, so the kill lands inside it (after mariadb-install-db, before the rename).
        await sql(primary.pod(0), "USE harness; CREATE TABLE big (id int PRIMARY KEY, pad char(200)); INSERT INTO big SELECT seq, REPEAT('x', 200) FROM seq_1_to_300000");
        await read.destroyClaims(1);
        const p = await read.createPod(1, { wait: false });
        await waitFor('the copy to begin', () => p.logs('mysql').includes('cloning the primary'), 60000, 50);
        await new Promise((r) => setTimeout(r, 500));
        expect(p.logs('mysql'), 'the kill must land inside the copy').not.toContain('cloned at GTID');
        await p.crash('mysql');
        await read.waitReady(p);
        expect(p.container('mysql').restarts).toBe(1);
        expect(p.logs('mysql').match(/initialising/g)?.length).toBe(2);
        await replicating(read);
        expect(await sql(p, 'SELECT count(*) FROM harness.t')).toBe('4');
        expect(await sql(p, 'SELECT count(*) FROM harness.big')).toBe('300000');
      });

      it('a replica that outlived the primary\'s binary logs stays up but leaves mysql-read (not Ready)', async () => {
        const lagging = read.pod(1);
        await lagging.delete(30);
        await sql(primary.pod(0), 'INSERT INTO harness.t VALUES (5); FLUSH BINARY LOGS; INSERT INTO harness.t VALUES (6); FLUSH BINARY LOGS');
        const current = (await sql(primary.pod(0), 'SHOW MASTER STATUS')).split('\t')[0];
        await sql(primary.pod(0), `PURGE BINARY LOGS TO '${current}'`);
        const p = await read.createPod(1, { wait: false });
        await waitFor('the replica to start and fail to replicate', async () => p.container('mysql').running && (await replicaStatus(p).catch(() => ({}) as Record<string, string>)).Last_IO_Errno === '1236', 120000, 1000);
        await new Promise((r) => setTimeout(r, 35000));
        expect(p.container('mysql').running).toBe(true);
        expect(p.ready).toBe(false);
        const endpoints = cluster.records().get(`mysql-read.${primary.namespace}.svc.cluster.local`) ?? [];
        expect(endpoints).not.toContain(p.ip);
        expect(endpoints).toContain(read.pod(0).ip);
        // The primary away for longer than readiness tolerates: the healthy replica keeps serving, the broken one stays out.
        await primary.pod(0).delete(30);
        await new Promise((r) => setTimeout(r, 20000));
        expect(read.pod(0).ready).toBe(true);
        expect(p.ready).toBe(false);
        await primary.createPod(0);
      });
    }

    it('the connection budget holds every client service at max replicas plus surge; past max_connections the server refuses', async () => {
      const budget = clientConnectionBudget(dist, env, 'MYSQL_POOL_MAX');
      const max = Number(await sql(primary.pod(0), 'SELECT @@max_connections'));
      expect(budget).toBeGreaterThan(0);
      expect(budget).toBeLessThanOrEqual(max - 10);
      const user = testSecret('mysql-app-credentials', 'username');
      const open = (n: number) => primary.pod(0).sh('mysql', `rm -f /tmp/conn-errors; for i in $(seq 1 ${n}); do MYSQL_PWD=${shq(TRICKY)} mariadb --no-defaults -h 127.0.0.1 -u${user} -NBe 'SELECT SLEEP(8)' >/dev/null 2>>/tmp/conn-errors & done; sleep 5; MYSQL_PWD=${ROOT_PW} mariadb --no-defaults -h 127.0.0.1 -uroot -NBe "SELECT count(*) FROM information_schema.processlist WHERE user = '${user}'"; wait; cat /tmp/conn-errors`, 120000);
      expect(await open(budget)).toMatch(new RegExp(`^${budget}\\s*$`));
      // Bad twin: with max_connections held (raw sockets from one shell, each a server thread), the application user is refused.
      const full = await primary.pod(0).exec('mysql', ['bash', '-c', `for i in $(seq 1 ${max}); do exec {fd}<>/dev/tcp/127.0.0.1/3306; done; sleep 1; MYSQL_PWD=${shq(TRICKY)} mariadb --no-defaults -h 127.0.0.1 -u${user} -NBe 'SELECT 1'`], { timeoutMs: 60000 });
      expect(full.stderr).toMatch(/Too many connections/);
    });
  });
}
