import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifests, StatefulSet, testSecret, useCluster, waitFor } from './harness';
import type { K8sObject } from './harness/manifests';
import { render } from '../helpers/render';
import { withStoreKind } from '../helpers/fixtures';

/**
 * MongoDB, as far as it can be run here: no MongoDB program can be installed, so mongod and mongosh
 * are the harness's stubs (harness/mongod-stub.sh, harness/mongosh-stub.cjs; harness/images.ts).
 * Proven: the rendered start script, as UID 999 with kubelet's volume layout, turns the Secret's
 * group-readable keyfile into an owner-only copy mongod accepts (and the Secret's own file is
 * refused); the rendered replica set script and provisioning script, run as UID 999 against the
 * mongosh stub, initiate once, do nothing when run again, add members when scaled up, leave an
 * existing set alone and converge after being killed at any step. NOT proven: anything mongod does
 * — replication, elections, the keyfile handshake, SCRAM, the exporter (README "MongoDB").
 */

const rendered = render(withStoreKind('mongodb'));
const prodData = (files: RegExp) => new Manifests(rendered.charts.filter((c) => files.test(c.file)).flatMap((c) => c.objects) as unknown as K8sObject[]);
const manifests = prodData(/^prod\/data\/mongodb(-provision)?\.yaml$/);
const scripts = manifests.configMap('mongodb-scripts');
const ns = 'acme-prod-data';
const host = (i: number) => `mongodb-${i}.mongodb-headless.${ns}.svc.cluster.local:27017`;

/** A keyfile mongod accepts (base64), for the Secret `mongodb-credentials`. */
const KEY = 'c2VjcmV0LWtleWZpbGUtZm9yLXRoZS1oYXJuZXNzLXRlc3Q=';
const secrets = (secret: string, key: string) => (key === 'keyfile' ? KEY : testSecret(secret, key));

describe('MongoDB keyfile (prod pod, UID 999, kubelet volume layout)', () => {
  const { cluster } = useCluster();

  it('start.sh copies the Secret keyfile owner-only (0400, UID 999) and mongod accepts it', async () => {
    const sts = new StatefulSet(cluster, manifests, 'mongodb', secrets);
    const pod = await sts.createPod(0, { wait: false });
    await waitFor('mongod (stub) to accept the keyfile', () => pod.logs('mongodb').includes('keyfile accepted'), 30000);
    expect((await pod.sh('mongodb', 'id -u; id -g')).trim().split('\n')).toEqual(['999', '999']);
    // kubelet's Secret file: root-owned, group-readable through fsGroup — what mongod refuses.
    expect((await pod.sh('mongodb', "stat -L -c '%a %u %g' /secrets/keyfile")).trim()).toBe('440 0 999');
    // The copy mongod reads: owner-only, the pod's user; same content.
    expect((await pod.sh('mongodb', "stat -c '%a %u' /keyfile/keyfile")).trim()).toBe('400 999');
    expect((await pod.sh('mongodb', 'cat /keyfile/keyfile')).trim()).toBe(KEY);
    // The container restarts (the emptyDir stays, the copy is replaced) and starts again.
    await pod.crash('mongodb');
    await waitFor('the restarted container to accept the keyfile again', () => pod.logs('mongodb').split('keyfile accepted').length === 3, 30000);
    await pod.delete(0);
  });

  it('bad twin: mongod pointed at the Secret file itself refuses it (group-readable)', async () => {
    const bad = new Manifests(manifests.objects.map((o) =>
      o.kind === 'ConfigMap' && o.metadata.name === 'mongodb-scripts'
        ? { ...o, data: { ...o.data, 'start.sh': '#!/bin/bash\nexec mongod --config /scripts/mongod.conf\n', 'mongod.conf': o.data['mongod.conf'].replace('/keyfile/keyfile', '/secrets/keyfile') } }
        : o,
    ));
    const pod = await new StatefulSet(cluster, bad, 'mongodb', secrets).createPod(0, { wait: false });
    await waitFor('mongod (stub) to refuse the keyfile', () => pod.logs('mongodb').includes('permissions on /secrets/keyfile are too open'), 30000);
    expect(pod.logs('mongodb')).not.toContain('keyfile accepted');
    await pod.delete(0);
  });
});

/** The rendered scripts run as UID 999 against the mongosh stub and a replica set kept in a state file. */
function replicaSetBench(members: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mongo-rs-'));
  chmodSync(dir, 0o777);
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  spawnSync('ln', ['-s', join(__dirname, 'harness', 'mongosh-stub.cjs'), join(bin, 'mongosh')]);
  writeFileSync(join(dir, 'replset.sh'), scripts['replset.sh']!);
  const stateFile = join(dir, 'state.json');
  const state = () => JSON.parse(readFileSync(stateFile, 'utf8'));
  const write = (s: unknown) => { writeFileSync(stateFile, JSON.stringify(s)); chmodSync(stateFile, 0o666); };
  const setMembers = (n: number) => { writeFileSync(join(dir, 'members'), Array.from({ length: n }, (_, i) => host(i)).join('\n') + '\n'); chmodSync(join(dir, 'members'), 0o644); };
  write({ set: null, primary: null, hosts: Object.fromEntries(Array.from({ length: members }, (_, i) => [host(i), { up: true, member: false }])), users: {}, log: [], calls: [] });
  setMembers(members);
  const run = (script: string, env: Record<string, string>) => {
    const r = spawnSync('setpriv', ['--reuid=999', '--regid=999', '--clear-groups', '--', 'env', '-i', ...Object.entries({ PATH: `${bin}:/usr/bin:/bin`, HOME: dir, MONGOSH_STUB_STATE: stateFile, ROOT_USER: 'root', ROOT_PASSWORD: 'root-pw', ...env }).map(([k, v]) => `${k}=${v}`), 'bash', '-c', script], { encoding: 'utf8', cwd: dir });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  /** One pass of replset.sh as member `i`; returns its exit code and output, and the changes it asked for. */
  const pass = (i: number) => {
    const before = state().calls.length;
    const r = run(`bash ${join(dir, 'replset.sh')}`, { POD_NAME: `mongodb-${i}`, POD_NAMESPACE: ns, MONGODB_MEMBERS_FILE: join(dir, 'members') });
    return { ...r, calls: state().calls.slice(before) as string[] };
  };
  return { dir, state, write, setMembers, pass, run };
}

describe('MongoDB replica set convergence (replset.sh as UID 999, mongosh stub)', () => {
  it('member 0 initiates with every member once they all answer; the primary creates root; a second pass does nothing', () => {
    const b = replicaSetBench(3);
    // Members 1 and 2 never initiate.
    for (const i of [1, 2]) expect(b.pass(i)).toMatchObject({ code: 0, calls: [] });
    // Member 0 waits while one member does not answer.
    b.write({ ...b.state(), hosts: { ...b.state().hosts, [host(2)]: { up: false, member: false } } });
    const waiting = b.pass(0);
    expect(waiting).toMatchObject({ code: 0, calls: [] });
    expect(waiting.out).toContain(`waiting for ${host(2)}`);
    b.write({ ...b.state(), hosts: { ...b.state().hosts, [host(2)]: { up: true, member: false } } });
    const first = b.pass(0);
    expect(first.code, first.out).toBe(0);
    expect(b.state().log).toEqual([`initiate rs0 ${[0, 1, 2].map(host).join(',')}`, `createUser root on ${host(0)}`]);
    expect(b.state().users['admin.root']).toEqual({ pwd: 'root-pw', roles: [{ role: 'root', db: 'admin' }] });
    // Every member again: nothing asked for, nothing changed.
    for (const i of [0, 1, 2]) expect(b.pass(i), `member ${i}`).toMatchObject({ code: 0, calls: [] });
    expect(b.state().log).toHaveLength(2);
    expect(b.state().conflict).toBeUndefined();
  });

  it('scaled 3 → 5: the primary adds the two new members once they answer, never removes any', () => {
    const b = replicaSetBench(3);
    expect(b.pass(0).code).toBe(0);
    b.setMembers(5);
    b.write({ ...b.state(), hosts: { ...b.state().hosts, [host(3)]: { up: true, member: false }, [host(4)]: { up: false, member: false } } });
    // A secondary does not add; the primary adds the member that answers, not the one that does not yet.
    expect(b.pass(1)).toMatchObject({ code: 0, calls: [] });
    expect(b.pass(0).calls).toEqual([`add on ${host(0)}`]);
    b.write({ ...b.state(), hosts: { ...b.state().hosts, [host(4)]: { up: true, member: false } } });
    expect(b.pass(0).calls).toEqual([`add on ${host(0)}`]);
    expect(b.state().set.members.map((m: { host: string }) => m.host)).toEqual([0, 1, 2, 3, 4].map(host));
    expect(b.state().set.version).toBe(3);
    expect(b.pass(0)).toMatchObject({ code: 0, calls: [] });
    // Scaled back to 3: nothing is removed.
    b.setMembers(3);
    expect(b.pass(0)).toMatchObject({ code: 0, calls: [] });
    expect(b.state().set.members).toHaveLength(5);
  });

  it('member 0 on an empty claim does not initiate while another member already belongs to a set', () => {
    const b = replicaSetBench(3);
    expect(b.pass(0).code).toBe(0);
    // Member 0 re-created on an empty claim (listed in the config, not yet a member again); member 1 is primary.
    b.write({ ...b.state(), primary: host(1), hosts: { ...b.state().hosts, [host(0)]: { up: true, member: false } } });
    const r = b.pass(0);
    expect(r).toMatchObject({ code: 0, calls: [] });
    expect(r.out).toContain(`${host(1)} already belongs to replica set rs0`);
    expect(b.state().conflict).toBeUndefined();
  });

  it.each(['initiate', 'createUser', 'add'])('a pass killed right after %s: the next pass converges', (step) => {
    const b = replicaSetBench(3);
    if (step === 'add') {
      expect(b.pass(0).code).toBe(0);
      b.setMembers(4);
      b.write({ ...b.state(), hosts: { ...b.state().hosts, [host(3)]: { up: true, member: false } } });
    }
    b.write({ ...b.state(), crashAfter: step });
    expect(b.pass(0).code).not.toBe(0);
    const next = b.pass(0);
    expect(next.code, next.out).toBe(0);
    expect(b.pass(0)).toMatchObject({ code: 0, calls: [] });
    const s = b.state();
    expect(s.log.filter((l: string) => l.startsWith('initiate'))).toHaveLength(1);
    expect(s.users['admin.root']).toBeDefined();
    expect(s.set.members).toHaveLength(step === 'add' ? 4 : 3);
    expect(s.conflict).toBeUndefined();
  });
});

describe('mongodb-provision (the Job script as UID 999, mongosh stub)', () => {
  it('creates the application user with readWrite on each client database, then only re-sets its password; a new client gets its role', () => {
    const b = replicaSetBench(3);
    expect(b.pass(0).code).toBe(0);
    const job = manifests.find('Job', 'mongodb-provision');
    const c = job.spec.template.spec.containers[0];
    const uri = c.env.find((e: { name: string }) => e.name === 'MONGODB_URI').value;
    const dbs = c.env.find((e: { name: string }) => e.name === 'APP_DATABASES').value;
    expect(dbs).toBe('api');
    const provision = (databases: string) => b.run(c.command[2], { MONGODB_URI: uri, APP_USER: 'app', APP_PASSWORD: 'app-pw', APP_DATABASES: databases });
    expect(provision(dbs).code).toBe(0);
    expect(b.state().users['admin.app']).toEqual({ pwd: 'app-pw', roles: [{ role: 'readWrite', db: 'api' }] });
    const before = b.state().log.length;
    expect(provision(dbs).code).toBe(0);
    expect(b.state().log.slice(before)).toEqual(['updateUser app']);
    expect(provision('api order_service').code).toBe(0);
    expect(b.state().log.slice(-2)).toEqual(['updateUser app', 'grantRolesToUser app readWrite@order_service']);
  });
});
