import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { synth } from '../../cli/synth';
import { Manifests, runCronJob, StatefulSet, testSecret, useCluster, waitFor, type Pod } from './harness';

/**
 * PostgreSQL backups as rendered for prod (dist/prod/data/postgres.yaml,
 * postgres-backup.yaml): the primary's pgBackRest container archives every
 * WAL segment and takes full backups into the harness object store
 * (VersityGW, harness/object-store.ts); an empty primary claim is restored
 * from them — to a point in time when the spec says `restoreTo` — and the
 * replicas re-clone from the restored primary. The steps are docs/runbooks.md's.
 */
const ENV = 'prod';
const PREFIX = 'shop/prod/postgres';
const psql = (p: Pod, sql: string) => p.sh('postgresql', `psql -h 127.0.0.1 -U postgres -d postgres -XtAc ${JSON.stringify(sql).replace(/\$/g, '\\$')}`).then((o) => o.trim());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Switch to a new WAL segment and wait until PostgreSQL counts the one holding everything so far as archived (pg_stat_archiver). */
async function archiveAll(p: Pod): Promise<string> {
  const seg = await psql(p, 'SELECT pg_walfile_name(pg_current_wal_lsn())');
  await psql(p, 'SELECT pg_switch_wal()');
  await waitFor(`WAL ${seg} archived`, async () => {
    const last = await psql(p, 'SELECT coalesce(last_archived_wal, $$$$) FROM pg_stat_archiver');
    return last.slice(0, 24) >= seg;
  }, 120000, 1000);
  return seg;
}

const phases = async (p: Pod) => Object.fromEntries((await psql(p, 'SELECT phase, count(*) FROM pitr GROUP BY 1 ORDER BY 1')).split('\n').filter(Boolean).map((l) => [l.split('|')[0], Number(l.split('|')[1])]));
const fullBackupsDone = (p: Pod) => (p.logs('backup').match(/backup: full backup done/g) ?? []).length;

/** platform.yaml with `dataStores.postgres.environments.<env>.restoreTo`, rendered by `npm run synth`'s code into a scratch directory. */
function renderWithRestoreTo(target: string): Manifests {
  const dir = mkdtempSync(join(tmpdir(), 'pitr-'));
  const spec = load(readFileSync(join(__dirname, '..', '..', 'platform.yaml'), 'utf8')) as any;
  spec.dataStores.postgres.environments[ENV].restoreTo = target;
  writeFileSync(join(dir, 'platform.yaml'), dump(spec));
  expect(synth({ spec: join(dir, 'platform.yaml'), outdir: join(dir, 'dist'), docsOut: false })).toBe(0);
  return Manifests.dataLayer(join(dir, 'dist'), ENV);
}

describe(`PostgreSQL backups and point-in-time restore (${ENV})`, () => {
  const { cluster, manifests, objectStore } = useCluster();
  let primary: StatefulSet;
  let read: StatefulSet;

  it('archives WAL continuously and takes the first full backup once the primary is up, encrypted in the bucket', async () => {
    primary = new StatefulSet(cluster, manifests(ENV), 'postgres-primary');
    read = new StatefulSet(cluster, manifests(ENV), 'postgres-read');
    await primary.create();
    await read.create();
    const p = primary.pod(0);
    expect(p.logs('restore')).toContain('no backup in the repository');
    await waitFor('the first full backup', () => fullBackupsDone(p) === 1, 240000, 1000);
    const keys = objectStore().keys(PREFIX);
    expect(keys).toContain(`${PREFIX}/backup/main/backup.info`);
    expect(keys).toContain(`${PREFIX}/archive/main/archive.info`);
    expect(keys.some((k) => /\/backup\/main\/\d{8}-\d{6}F\/backup\.manifest$/.test(k)), keys.join('\n')).toBe(true);
    // Client-side encryption: the bucket's files are unreadable without the passphrase.
    const info = readFileSync(join(objectStore().bucketDir, PREFIX, 'backup/main/backup.info'));
    expect(info.includes('[backup:current]')).toBe(false);
    expect(info.subarray(0, 8).toString()).toBe('Salted__');
    await archiveAll(p);
    // Segments written before the sidecar created the stanza failed once and were archived on retry.
    expect(await psql(p, 'SELECT last_failed_time IS NULL OR last_archived_time > last_failed_time FROM pg_stat_archiver')).toBe('t');
  });

  it('the backup check CronJob passes against the bucket, and fails when it cannot read it', async () => {
    const m = manifests(ENV);
    const ok = await runCronJob(cluster, m, 'postgres-backup-check');
    expect(ok.succeeded, ok.pod.logTail('check', 40)).toBe(true);
    expect(ok.pod.logs('check')).toMatch(/check: newest backup \d+ s old/);
    // The bad twin: a wrong passphrase (or key) must fail the check, not pass it.
    const wrong = (secret: string, key: string) => (key === 'encryption-passphrase' ? 'not-the-passphrase' : testSecret(secret, key));
    const bad = await runCronJob(cluster, m, 'postgres-backup-check', { secrets: wrong });
    expect(bad.succeeded).toBe(false);
  });

  it('the daily restore test restores the newest backup and the archived WAL into its own volume and checks every database; a corrupted backup fails it', async () => {
    const m = manifests(ENV);
    const ok = await runCronJob(cluster, m, 'postgres-restore-test', { timeoutMs: 300000 });
    expect(ok.succeeded, `${ok.pod.logTail('restore', 20)}\n${ok.pod.logTail('wal', 20)}\n${ok.pod.logTail('verify', 40)}`).toBe(true);
    expect(ok.pod.logs('verify')).toContain('restore test: pg_amcheck found no corruption');
    expect(ok.pod.logs('verify')).toContain('restore test: passed');
    expect(ok.pod.logs('wal')).toMatch(/archive-get command end: completed successfully/);
    // The bad twin: one data file of the newest backup damaged in the bucket.
    const newest = objectStore().keys(`${PREFIX}/backup/main`).filter((k) => /\/\d{8}-\d{6}F\/pg_data\/base\/\d+\/\d+\.zst$/.test(k));
    const label = newest.map((k) => k.split('/')[5]!).sort().pop()!;
    const victim = newest.filter((k) => k.includes(`/${label}/`)).map((k) => ({ k, size: readFileSync(join(objectStore().bucketDir, k)).length })).sort((a, b) => b.size - a.size)[0]!.k;
    const file = join(objectStore().bucketDir, victim);
    const original = readFileSync(file);
    const damaged = Buffer.from(original);
    for (let i = 64; i < damaged.length; i += 97) damaged[i] ^= 0xff;
    writeFileSync(file, damaged);
    try {
      const bad = await runCronJob(cluster, m, 'postgres-restore-test', { timeoutMs: 300000 });
      expect(bad.succeeded).toBe(false);
    } finally {
      writeFileSync(file, original);
    }
  });

  let target = '';
  it('restores a destroyed primary to a point in time: exactly the rows written before it; the replicas re-clone from it', async () => {
    const p = primary.pod(0);
    await psql(p, 'CREATE TABLE pitr (id int PRIMARY KEY, phase text NOT NULL)');
    await psql(p, "INSERT INTO pitr SELECT g, 'before-backup' FROM generate_series(1, 50) g");
    // Runbook: an on-demand full backup.
    await p.sh('backup', 'pgbackrest backup --type=full', 300000);
    await psql(p, "INSERT INTO pitr SELECT g, 'after-backup' FROM generate_series(51, 100) g");
    target = await psql(p, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
    await sleep(1500);
    await psql(p, "INSERT INTO pitr SELECT g, 'after-target' FROM generate_series(101, 150) g");
    await archiveAll(p);
    expect(await phases(p)).toEqual({ 'after-backup': 50, 'after-target': 50, 'before-backup': 50 });

    // The disaster: the primary and its claim are gone; the replicas' claims go too (runbook: they re-clone).
    for (let i = read.replicas - 1; i >= 0; i--) await read.destroyClaims(i);
    await primary.destroyClaims(0);

    // Runbook: restoreTo in platform.yaml, synth, sync; the primary starts on an empty claim.
    const restored = renderWithRestoreTo(target);
    primary = new StatefulSet(cluster, restored, 'postgres-primary');
    await primary.create(600000);
    const np = primary.pod(0);
    expect(np.logs('restore')).toContain(`restoring to ${target}`);
    expect(await psql(np, 'SELECT pg_is_in_recovery()')).toBe('f');
    expect(await phases(np)).toEqual({ 'after-backup': 50, 'before-backup': 50 });
    // Promoted onto a new timeline (the old one's later history stays in the archive).
    expect((await psql(np, 'SELECT pg_walfile_name(pg_current_wal_lsn())')).slice(0, 8)).not.toBe('00000001');

    read = new StatefulSet(cluster, restored, 'postgres-read');
    await read.create(600000);
    for (const r of read.pods) {
      await waitFor(`${r!.name} streaming`, async () => (await psql(np, `SELECT count(*) FROM pg_stat_replication WHERE application_name = '${r!.name}' AND state = 'streaming'`)) === '1', 120000, 1000);
      expect(await phases(r!)).toEqual({ 'after-backup': 50, 'before-backup': 50 });
    }
    // After a restore the sidecar takes a full backup of the new timeline, and archiving goes on.
    await waitFor('a full backup after the restore', () => fullBackupsDone(np) >= 1, 300000, 1000);
    await psql(np, "INSERT INTO pitr SELECT g, 'after-restore' FROM generate_series(151, 160) g");
    const seg = await archiveAll(np);
    expect(seg.slice(0, 8)).not.toBe('00000001');
    expect(await psql(np, 'SELECT last_failed_time IS NULL OR last_archived_time > last_failed_time FROM pg_stat_archiver')).toBe('t');
  });

  it('without restoreTo a lost primary claim comes back with everything archived', async () => {
    // The rendered tree (no restoreTo): the end of the archive, i.e. every archived commit.
    const np = primary.pod(0);
    await psql(np, "INSERT INTO pitr SELECT g, 'latest' FROM generate_series(161, 170) g");
    await archiveAll(np);
    for (let i = read.replicas - 1; i >= 0; i--) await read.destroyClaims(i);
    await primary.destroyClaims(0);
    primary = new StatefulSet(cluster, manifests(ENV), 'postgres-primary');
    await primary.create(600000);
    const p = primary.pod(0);
    expect(p.logs('restore')).toContain('restoring to the end of the archived WAL');
    expect(await phases(p)).toEqual({ 'after-backup': 50, 'after-restore': 10, 'before-backup': 50, latest: 10 });
  });
});
