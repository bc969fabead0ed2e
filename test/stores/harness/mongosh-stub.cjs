#!/usr/bin/env node
'use strict';
/**
 * THE harness's stand-in for mongosh (no MongoDB program can be installed here). It runs the
 * `--eval` JavaScript of the rendered scripts for real, in a sandbox whose `db`, `rs`, `print` and
 * `quit` act on a replica set kept in a JSON file (MONGOSH_STUB_STATE):
 *   { set: { _id, version, members: [{ _id, host }] } | null, primary: host | null,
 *     hosts: { [host]: { up, member } }, users: { ['admin.' + user]: { pwd, roles } },
 *     log: [every change made], calls: [every change asked for, made or refused], crashAfter?: 'initiate' | 'createUser' | … }
 * `mongodb://127.0.0.1…` (or no URI) is the member whose name starts with `$POD_NAME.`; a URI with
 * `replicaSet=` reaches the primary. A host is in the set when it is listed in `set.members` and
 * `hosts[h].member` (a member re-created on an empty claim is listed but not yet a member).
 * What it answers, as mongod does: hello (no authentication), rs.status (NotYetInitialized 94),
 * rs.initiate (AlreadyInitialized 23; every listed member must answer, NodeNotFound 74 otherwise;
 * the initiating member is elected at once), rs.conf, rs.add (primary only; a listed host is
 * NewReplicaSetConfigurationIncompatible 103), auth (AuthenticationFailed 18), createUser
 * (DuplicateKey 51003, primary only), getUser, updateUser, grantRolesToUser; without a login only
 * the localhost exception (127.0.0.1, no user yet) is allowed (Unauthorized 13 otherwise).
 * `crashAfter: X` applies X, saves, and dies (exit 137) before answering: a pass killed mid-step.
 * A second set initiated beside an existing one is recorded as `conflict` (the split the scripts
 * must never cause).
 * What it does NOT cover: elections, heartbeats, replication, write concerns, the wire protocol,
 * SCRAM, the keyfile handshake between members, timing; one process at a time (no locking).
 */
const fs = require('node:fs');
const vm = require('node:vm');

const file = process.env.MONGOSH_STUB_STATE;
if (!file) { console.error('mongosh stub: MONGOSH_STUB_STATE is not set'); process.exit(2); }
const state = JSON.parse(fs.readFileSync(file, 'utf8'));
const save = () => fs.writeFileSync(file, JSON.stringify(state, null, 2));

const args = process.argv.slice(2);
let uri = 'mongodb://127.0.0.1:27017/';
let code;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--eval') code = args[++i];
  else if (args[i].startsWith('mongodb://')) uri = args[i];
  else if (!['--quiet', '--norc'].includes(args[i])) { console.error(`mongosh stub: unsupported argument ${args[i]}`); process.exit(2); }
}
if (code === undefined) { console.error('mongosh stub: only --eval is supported'); process.exit(2); }

const m = /^mongodb:\/\/([^/?]+)/.exec(uri);
const local = /^(127\.0\.0\.1|localhost)(:|$)/.test(m[1]);
let self;
if (/[?&]replicaSet=/.test(uri)) self = state.primary;
else if (local) self = Object.keys(state.hosts).find((h) => h.startsWith(`${process.env.POD_NAME}.`));
else self = m[1];
if (!self || !state.hosts[self]?.up) { console.error(`MongoNetworkError: connect ECONNREFUSED ${m[1]}`); process.exit(1); }

class MongoServerError extends Error {
  constructor(code, codeName, message) { super(message); this.code = code; this.codeName = codeName; this.name = 'MongoServerError'; }
}
class Quit { constructor(code) { this.code = code; } }
state.calls ??= [];
state.log ??= [];
const called = (what) => { state.calls.push(`${what} on ${self}`); save(); };
const belongs = (h) => !!state.set && state.set.members.some((x) => x.host === h) && !!state.hosts[h]?.member;
let loggedIn = false;
const authorize = () => {
  if (loggedIn || (local && Object.keys(state.users).length === 0)) return;
  throw new MongoServerError(13, 'Unauthorized', 'command requires authentication');
};
const primaryOnly = () => { if (state.primary !== self || !belongs(self)) throw new MongoServerError(10107, 'NotWritablePrimary', 'not primary'); };
const change = (what, step) => {
  state.log.push(what);
  save();
  if (state.crashAfter === step) { delete state.crashAfter; save(); process.exit(137); }
};
const notInitiated = () => { if (!belongs(self)) throw new MongoServerError(94, 'NotYetInitialized', 'no replset config has been received'); };

const admin = {
  auth(user, pwd) {
    const u = state.users[`admin.${user}`];
    if (!u || u.pwd !== pwd) throw new MongoServerError(18, 'AuthenticationFailed', 'Authentication failed.');
    loggedIn = true;
    return { ok: 1 };
  },
  createUser({ user, pwd, roles }) {
    called('createUser');
    authorize(); primaryOnly();
    if (state.users[`admin.${user}`]) throw new MongoServerError(51003, 'Location51003', `User "${user}@admin" already exists`);
    state.users[`admin.${user}`] = { pwd, roles };
    change(`createUser ${user} on ${self}`, 'createUser');
    return { ok: 1 };
  },
  getUser(user) { authorize(); const u = state.users[`admin.${user}`]; return u ? { user, db: 'admin', roles: u.roles } : null; },
  updateUser(user, { pwd }) { called('updateUser'); authorize(); primaryOnly(); state.users[`admin.${user}`].pwd = pwd; change(`updateUser ${user}`, 'updateUser'); return { ok: 1 }; },
  grantRolesToUser(user, roles) {
    called('grantRolesToUser');
    authorize(); primaryOnly();
    const u = state.users[`admin.${user}`];
    const add = roles.filter((r) => !u.roles.some((x) => x.role === r.role && x.db === r.db));
    if (add.length) { u.roles.push(...add); change(`grantRolesToUser ${user} ${add.map((r) => `${r.role}@${r.db}`).join(',')}`, 'grantRolesToUser'); }
    return { ok: 1 };
  },
};
const db = {
  getSiblingDB: (name) => { if (name !== 'admin') throw new Error(`mongosh stub: only the admin database (${name})`); return admin; },
  hello: () => ({ ok: 1, isWritablePrimary: belongs(self) && state.primary === self, secondary: belongs(self) && state.primary !== self, ...(belongs(self) ? { setName: state.set._id } : { isreplicaset: true }) }),
};
const rs = {
  status() { authorize(); notInitiated(); return { ok: 1, set: state.set._id, members: state.set.members.map((x) => ({ name: x.host, stateStr: x.host === state.primary ? 'PRIMARY' : 'SECONDARY' })) }; },
  conf() { authorize(); notInitiated(); return structuredClone(state.set); },
  initiate(cfg) {
    called('initiate');
    authorize();
    if (belongs(self)) throw new MongoServerError(23, 'AlreadyInitialized', 'already initialized');
    const down = cfg.members.filter((x) => !state.hosts[x.host]?.up);
    if (down.length) throw new MongoServerError(74, 'NodeNotFound', `replSetInitiate quorum check failed: ${down.map((x) => x.host).join(', ')} did not respond`);
    if (state.set) state.conflict = `a second replica set was initiated on ${self} beside ${state.set._id}`;
    state.set = { _id: cfg._id, version: 1, members: cfg.members.map((x) => ({ _id: x._id, host: x.host })) };
    for (const x of cfg.members) state.hosts[x.host].member = true;
    state.primary = self;
    change(`initiate ${cfg._id} ${cfg.members.map((x) => x.host).join(',')}`, 'initiate');
    return { ok: 1 };
  },
  add(host) {
    called('add');
    authorize(); primaryOnly();
    if (state.set.members.some((x) => x.host === host)) throw new MongoServerError(103, 'NewReplicaSetConfigurationIncompatible', `Found two member configurations with same host field, ${host}`);
    state.set.members.push({ _id: Math.max(...state.set.members.map((x) => x._id)) + 1, host });
    state.set.version++;
    if (state.hosts[host]?.up) state.hosts[host].member = true;
    change(`add ${host}`, 'add');
    return { ok: 1 };
  },
};
const sandbox = { db, rs, process: { env: { ...process.env } }, print: (...a) => console.log(...a), quit: (c = 0) => { throw new Quit(c); }, Error };
try {
  vm.runInNewContext(code, sandbox, { filename: 'eval' });
  process.exit(0);
} catch (e) {
  if (e instanceof Quit) process.exit(e.code);
  console.error(`${e.name ?? 'Error'}: ${e.message}`);
  process.exit(1);
}
