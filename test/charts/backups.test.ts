import { describe, expect, test } from 'vitest';
import { parseSpec } from '../../platform/loader';
import { NON_EXTERNAL_CIDRS } from '../../blocks/network';
import type { KubeObject } from '../../blocks/kube-object';
import { render } from '../helpers/render';
import { overviewDashboard } from '../../charts/dashboards';
import { smallPlatform } from '../helpers/fixtures';

/**
 * What `backups` renders (test:stores runs it: postgres-backup.test.ts,
 * redis-backup.test.ts). Each test has its twin: the fixture without backups
 * renders none of it.
 */
const objectStore = { endpoint: 'objects.acme.test', port: 9000, region: 'eu-1', bucket: 'acme-backups', uriStyle: 'path' as const, cidrs: ['10.20.0.0/16'] };
function withBackups(env: 'dev' | 'prod', extra: Record<string, unknown> = {}) {
  const spec = smallPlatform() as any;
  spec.environments[env].backups = { objectStore, retentionDays: 5, ...extra };
  return spec;
}
const spec = (o: KubeObject) => o.spec as any;
const podSpec = (o: KubeObject) => spec(o).template.spec;
const plain = render(smallPlatform());
const prod = render(withBackups('prod'));
const dev = render(withBackups('dev'));

describe('backups', () => {
  test('the primary archives through its pgBackRest container; the replicas archive nothing', () => {
    const primary = prod.get('StatefulSet', 'postgres-primary', { env: 'prod' });
    const ps = podSpec(primary);
    expect(ps.containers.map((c: any) => c.name)).toEqual(['postgresql', 'backup', 'metrics']);
    expect(ps.initContainers.map((c: any) => c.name)).toEqual(['restore']);
    const args: string[] = ps.containers[0].args;
    expect(args).toContain('archive_mode=on');
    expect(args).toContain('archive_command=/scripts/pgbackrest-wal.sh push %p');
    const env = new Map<string, any>(ps.containers[1].env.map((e: any) => [e.name, e]));
    expect(env.get('PGBACKREST_REPO1_PATH').value).toBe('/acme/prod/postgres');
    expect(env.get('PGBACKREST_REPO1_S3_URI_STYLE').value).toBe('path');
    expect(env.get('PGBACKREST_REPO1_RETENTION_FULL').value).toBe('5');
    expect(env.get('PGBACKREST_REPO1_CIPHER_PASS').valueFrom.secretKeyRef).toEqual({ name: 'backup-credentials', key: 'encryption-passphrase' });
    expect(env.get('FULL_EVERY_SECONDS').value).toBe(String(24 * 3600));
    expect(spec(primary).template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBe('true');
    const read = podSpec(prod.get('StatefulSet', 'postgres-read', { env: 'prod' }));
    expect(read.containers.map((c: any) => c.name)).toEqual(['postgresql', 'metrics']);
    expect(read.initContainers).toBeUndefined();
    expect(read.containers[0].args.join(' ')).not.toContain('archive_');
    // The twin without backups: no pgBackRest anywhere, no archiving.
    const bare = podSpec(plain.get('StatefulSet', 'postgres-primary', { env: 'prod' }));
    expect(bare.containers.map((c: any) => c.name)).toEqual(['postgresql', 'metrics']);
    expect(bare.containers[0].args.join(' ')).not.toContain('archive_');
    expect(plain.find('CronJob')).toEqual([]);
  });

  test('the bucket is reachable from the backup workloads only, on its addresses and port', () => {
    const backupPolicy = spec(prod.get('NetworkPolicy', 'postgres-primary-backup', { env: 'prod' }));
    expect(backupPolicy.policyTypes).toEqual(['Egress']);
    expect(backupPolicy.podSelector.matchLabels['app.kubernetes.io/instance']).toBe('postgres-primary');
    expect(backupPolicy.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9000 }] }]);
    for (const name of ['postgres-backup-check', 'postgres-restore-test', 'redis-backup']) {
      const p = spec(prod.get('NetworkPolicy', name, { env: 'prod' }));
      expect(p.ingress).toEqual([]);
      expect(p.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9000 }] });
    }
    // Without cidrs: any public address, never private ones.
    const pub = render(withBackups('prod', { objectStore: { ...objectStore, cidrs: undefined } }));
    expect(spec(pub.get('NetworkPolicy', 'postgres-primary-backup', { env: 'prod' })).egress[0].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: [...NON_EXTERNAL_CIDRS] } }]);
    // No other workload of the data namespace gets an egress to the bucket.
    const others = prod.find('NetworkPolicy', { env: 'prod', namespace: 'acme-prod-data' }).filter((p) => !['postgres-primary-backup', 'redis-restore', 'postgres-backup-check', 'postgres-restore-test', 'redis-backup'].includes(p.metadata.name));
    for (const p of others) expect(JSON.stringify(spec(p).egress ?? []), p.metadata.name).not.toContain('10.20.0.0/16');
  });

  test('the mesh knows the bucket in the data namespace; where services share it, only the backup workloads do', () => {
    const entry = prod.get('ServiceEntry', 'external-objects-acme-test', { env: 'prod' });
    expect(entry.metadata.namespace).toBe('acme-prod-data');
    expect(spec(entry).hosts).toEqual(['objects.acme.test']);
    expect(spec(entry).ports).toEqual([{ number: 9000, name: 'tls-9000', protocol: 'TLS' }]);
    expect(prod.find('Sidecar', { env: 'prod' }).filter((s) => s.metadata.name.endsWith('-egress') && s.metadata.namespace === 'acme-prod-data')).toEqual([]);
    // dev shares one namespace with its services: each backup workload gets its own scope with the bucket.
    const scopes = dev.find('Sidecar', { env: 'dev' }).filter((s) => JSON.stringify(spec(s).egress).includes('objects.acme.test'));
    expect(scopes.map((s) => s.metadata.name).sort()).toEqual(['postgres-backup-check-egress', 'postgres-primary-egress', 'postgres-restore-test-egress', 'redis-backup-egress', 'redis-egress']);
    expect(JSON.stringify(spec(dev.get('Sidecar', 'default', { env: 'dev', namespace: 'acme-dev' })).egress)).not.toContain('objects.acme.test');
  });

  test('the restore test: its own claim of the store\'s size, a native-sidecar WAL server, PostgreSQL with archiving off', () => {
    const cron = spec(prod.get('CronJob', 'postgres-restore-test', { env: 'prod' }));
    const pod = cron.jobTemplate.spec.template.spec;
    expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['restore', undefined], ['wal', 'Always']]);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['verify']);
    expect(pod.containers[0].command[2]).toContain('archive_mode=off');
    const vol = pod.volumes.find((v: any) => v.name === 'restore');
    expect(vol.ephemeral.volumeClaimTemplate.spec.resources.requests.storage).toBe('50Gi');
    expect(pod.initContainers[0].env.find((e: any) => e.name === 'RESTORE_REQUIRED').value).toBe('true');
    // It reads the bucket; it must never write to it (no stanza, no backup, no archive-push).
    expect(pod.initContainers[1].command[2]).not.toMatch(/stanza-create|pgbackrest backup/);
    expect(plain.find('CronJob', { env: 'prod' })).toEqual([]);
  });

  test('Redis: a snapshot CronJob with its own identity, and a restore before Redis starts on every node', () => {
    const cron = spec(prod.get('CronJob', 'redis-backup', { env: 'prod' }));
    expect(cron.schedule).toBe('0 */6 * * *');
    expect(cron.concurrencyPolicy).toBe('Forbid');
    const pod = cron.jobTemplate.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['snapshot']);
    expect(pod.containers[0].command[0]).toBe('sh');
    const redis = podSpec(prod.get('StatefulSet', 'redis', { env: 'prod' }));
    expect(redis.initContainers.map((c: any) => c.name)).toEqual(['restore']);
    const admitted = spec(prod.get('NetworkPolicy', 'redis', { env: 'prod' })).ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']));
    expect(admitted).toContain('redis-backup');
    expect(podSpec(plain.get('StatefulSet', 'redis', { env: 'prod' })).initContainers).toBeUndefined();
  });

  test('restoreTo: PostgreSQL only, only with backups, a timestamp with its zone', () => {
    const problems = (s: any) => {
      try {
        parseSpec(s, 'spec');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const ok = withBackups('prod');
    ok.dataStores.postgres.environments.prod.restoreTo = '2026-11-30 14:03:12+00';
    expect(problems(ok)).toBe('');
    const target = render(ok);
    const restore = podSpec(target.get('StatefulSet', 'postgres-primary', { env: 'prod' })).initContainers[0];
    expect(restore.env.find((e: any) => e.name === 'RESTORE_TARGET').value).toBe('2026-11-30 14:03:12+00');

    const redis = withBackups('prod');
    redis.dataStores.redis.environments.prod.restoreTo = '2026-11-30 14:03:12+00';
    expect(problems(redis)).toContain('only postgres restores to a point in time');
    const noBackups = smallPlatform() as any;
    noBackups.dataStores.postgres.environments.prod.restoreTo = '2026-11-30 14:03:12+00';
    expect(problems(noBackups)).toContain('needs environments.prod.backups');
    const noZone = withBackups('prod');
    noZone.dataStores.postgres.environments.prod.restoreTo = '2026-11-30 14:03:12';
    expect(problems(noZone)).toContain('must be a timestamp with its zone');
  });

  test('the overview dashboard has a backup panel per backed-up store, on the series the alerts read', () => {
    const titles = (r: ReturnType<typeof render>) => overviewDashboard(r.model.environments.find((e) => e.name === 'prod')!).panels.map((p: any) => p.title);
    expect(titles(prod)).toEqual(expect.arrayContaining(['PostgreSQL backups', 'Redis snapshots']));
    expect(titles(plain)).not.toContain('PostgreSQL backups');
    const pg = overviewDashboard(prod.model.environments.find((e) => e.name === 'prod')!).panels.find((p: any) => p.title === 'PostgreSQL backups') as any;
    const exprs = JSON.stringify(pg.targets);
    expect(exprs).toContain('pg_stat_archiver_last_archive_age{namespace=\\"acme-prod-data\\"}');
    expect(exprs).toContain('cronjob=\\"postgres-restore-test\\"');
  });

  test('quota: the backup container and the CronJobs are counted in the data namespace', () => {
    const hard = (r: ReturnType<typeof render>) => spec(r.get('ResourceQuota', 'platform-quota', { env: 'prod', namespace: 'acme-prod-data' })).hard;
    expect(Number(hard(prod).pods)).toBeGreaterThan(Number(hard(plain).pods));
    expect(hard(prod)['requests.memory']).not.toBe(hard(plain)['requests.memory']);
  });
});
