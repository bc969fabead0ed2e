import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCronJob, StatefulSet, testSecret, useCluster, waitFor } from './harness';
import { cli, healthy } from './redis.suite';

/**
 * Redis snapshots as rendered for prod (dist/prod/data/redis-backup.yaml,
 * redis.yaml): the CronJob streams an RDB from the master and uploads it,
 * encrypted, to the harness object store; Redis pods that start on empty
 * claims restore the newest snapshot, and the replicas follow the restored
 * master. The steps are docs/runbooks.md's "Restore Redis".
 */
const ENV = 'prod';
const PREFIX = 'shop/prod/redis';

describe(`Redis snapshots and restore (${ENV})`, () => {
  const { cluster, manifests, objectStore } = useCluster();
  let sts: StatefulSet;

  it('the snapshot CronJob ships an encrypted RDB of the master to the bucket', async () => {
    sts = new StatefulSet(cluster, manifests(ENV), 'redis');
    await sts.create();
    for (const p of sts.pods) expect(p!.logs('restore')).toContain('no snapshot in the bucket');
    const master = sts.pod(0);
    expect(await healthy(sts)).toBe(master.name);
    await cli(master, `eval "for i=1,100 do redis.call('set', 'before:'..i, i) end" 0`);
    const job = await runCronJob(cluster, manifests(ENV), 'redis-backup');
    expect(job.succeeded, `${job.pod.logTail('snapshot', 20)}\n${job.pod.logTail('upload', 20)}`).toBe(true);
    // rclone crypt without name encryption stores `<name>.bin`.
    const snapshots = objectStore().keys(PREFIX).filter((k) => /\/redis-\d{8}T\d{6}Z\.rdb\.bin$/.test(k));
    expect(snapshots).toHaveLength(1);
    // Encrypted by rclone's crypt: no RDB header in the bucket.
    const head = readFileSync(join(objectStore().bucketDir, snapshots[0]!)).subarray(0, 9).toString('latin1');
    expect(head.startsWith('RCLONE')).toBe(true);
    expect(head.startsWith('REDIS')).toBe(false);
  });

  it('after every claim is lost, the nodes restore the newest snapshot: exactly the keys written before it, on every node', async () => {
    const master = sts.pod(0);
    await cli(master, `eval "for i=1,50 do redis.call('set', 'after:'..i, i) end" 0`);
    for (let i = sts.replicas - 1; i >= 0; i--) await sts.destroyClaims(i);
    sts = new StatefulSet(cluster, manifests(ENV), 'redis');
    await sts.create();
    const m = await healthy(sts);
    for (const p of sts.pods) {
      expect(p!.logs('restore')).toMatch(/restore: redis-\d{8}T\d{6}Z\.rdb restored/);
      expect((await cli(p!, 'dbsize')).trim()).toBe('100');
      expect((await cli(p!, 'get before:100')).trim()).toBe('100');
      expect((await cli(p!, 'exists after:1')).trim()).toBe('0');
    }
    expect(m).toBe('redis-0');
  });

  it('a pod whose claim is lost while the others run restores, then takes the master\'s current data', async () => {
    const master = sts.pod(0);
    await cli(master, `eval "for i=1,20 do redis.call('set', 'later:'..i, i) end" 0`);
    await sts.destroyClaims(2);
    await sts.createPod(2);
    await healthy(sts);
    expect(sts.pod(2).logs('restore')).toMatch(/restored/);
    expect((await cli(sts.pod(2), 'dbsize')).trim()).toBe('120');
  });

  it('the bad twin: with a wrong passphrase an empty claim is not started empty', async () => {
    await sts.destroyClaims(2);
    const wrong = (secret: string, key: string) => (key === 'encryption-passphrase' ? 'not-the-passphrase' : testSecret(secret, key));
    const bad = new StatefulSet(cluster, manifests(ENV), 'redis', wrong);
    // The pod's init container fails and is retried with back-off; the pod never gets to Redis.
    const starting = bad.createPod(2, { wait: false }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const p = bad.pod(2);
    await waitFor('the restore container to fail twice', () => p.container('restore').restarts >= 2, 120000, 500);
    expect(p.ready).toBe(false);
    expect(p.container('redis').started).toBeFalsy();
    expect(p.logs('restore')).toMatch(/Removing partially written file on error|failed to authenticate/);
    await p.delete(0);
    await starting;
  });
});
