import { MONGODB_PORT, MONGODB_REPLICA_SET } from './catalogue';

/**
 * The MongoDB scripts, as they run in the pods (mounted from the ConfigMap
 * `mongodb-scripts`). `test/stores/mongodb.test.ts` runs them: start.sh as
 * UID 999 with kubelet's volume layout, replset.sh and provision.sh against
 * the harness's stand-in for mongosh (test/stores/harness/mongosh-stub.cjs).
 */

/** Where start.sh puts the keyfile mongod reads (an emptyDir), and where the Secret's copy is mounted. */
export const KEYFILE_DIR = '/keyfile';
export const KEYFILE = `${KEYFILE_DIR}/keyfile`;
export const KEYFILE_SECRET_DIR = '/secrets';

/**
 * The container's start: the keyfile copied out of the Secret volume, then
 * mongod. kubelet mounts Secret files root-owned and, with an fsGroup, group
 * readable (0440), and mongod refuses a keyfile that group or others can read
 * ("permissions on … are too open"); so it is copied, owner-only (0400, the
 * pod's user), into an emptyDir, replaced atomically on every start (a changed
 * Secret is picked up by the next restart), and checked before mongod starts.
 */
export const START_SCRIPT = `#!/bin/bash
set -euo pipefail
rm -f ${KEYFILE}.tmp
(umask 0277 && cat ${KEYFILE_SECRET_DIR}/keyfile > ${KEYFILE}.tmp)
mv -f ${KEYFILE}.tmp ${KEYFILE}
mode="$(stat -c '%a %u' ${KEYFILE})"
if [ "$mode" != "400 $(id -u)" ]; then echo "keyfile ${KEYFILE} is $mode, not 400 $(id -u)" >&2; exit 1; fi
exec mongod --config /scripts/mongod.conf
`;

/** mongosh against one host, no rc file, quiet; the JS reads credentials from the environment, never from argv. */
const MONGO_FN = `mongo() {
  local host="$1"; shift
  mongosh --quiet --norc "mongodb://$host/admin?directConnection=true&serverSelectionTimeoutMS=5000&connectTimeoutMS=5000" --eval "$@"
}`;

/** JS: \`login()\` authenticates as root when root exists (false otherwise: the localhost exception still applies). */
const LOGIN_JS = `const admin = db.getSiblingDB('admin');
function login() { try { admin.auth(process.env.ROOT_USER, process.env.ROOT_PASSWORD); return true; } catch (e) { return false; } }`;

/**
 * One pass of the replica set's convergence, run by every member's `replset`
 * container every 10 s against its own mongod (127.0.0.1). Each step looks
 * before it acts, so a pass may stop anywhere (a restart, a failed command)
 * and the next one goes on from what it finds:
 * 1. Initiation: only member 0, only when its own \`rs.status()\` says
 *    NotYetInitialized (94), only when no other member already belongs to a
 *    set (a member 0 re-created on an empty claim must join the existing set,
 *    not start a second one) and only once every member of the list answers
 *    (rs.initiate checks them all): then \`rs.initiate\` with every member of
 *    the list (\`members\`: one host per StatefulSet replica). AlreadyInitialized
 *    (23: an earlier pass's initiate went through) is success.
 * 2. The root user: created once, by the primary's own pass, through the
 *    localhost exception (no user exists yet) from \`mongodb-credentials\`.
 * 3. Scaling up: the primary adds (\`rs.add\`) each host of the list missing
 *    from the config, once it answers. Members are never removed: scaling
 *    down leaves them in the config (docs/runbooks.md, MongoDBMemberUnhealthy).
 * The member list is a file of the ConfigMap (kubelet refreshes it in place),
 * not part of the pod template: scaling does not restart the members.
 */
export const REPLSET_SCRIPT = `#!/bin/bash
set -euo pipefail
REPLSET_ALIVE=/tmp/replset.alive
if [ "\${1:-}" = --loop ]; then
  trap 'exit 0' TERM INT
  while true; do
    touch \${REPLSET_ALIVE}
    # mongosh writes a log file per session under $HOME (/tmp, shared with the mongodb container's probes): keep 5 minutes of them.
    find "$HOME/.mongodb/mongosh" -name '*_log' -mmin +5 -delete 2>/dev/null || true
    bash "$0" || echo "replset: the pass failed; the next one retries" >&2
    sleep 10 & wait $!
  done
fi
${MONGO_FN}
ORDINAL="\${POD_NAME##*-}"
mapfile -t MEMBERS < <(grep -v '^$' "\${MONGODB_MEMBERS_FILE:-/scripts/members}")
export MEMBER_HOSTS="\${MEMBERS[*]}"
LOCAL=127.0.0.1:${MONGODB_PORT}

state="$(mongo "$LOCAL" "${LOGIN_JS}
login();
try { rs.status(); print('initiated'); } catch (e) { if (e.code === 94) print('uninitiated'); else throw e; }")"

if [ "$state" = uninitiated ]; then
  if [ "$ORDINAL" != 0 ]; then echo "replset: not initiated yet; member 0 initiates, the primary adds the others"; exit 0; fi
  for host in "\${MEMBERS[@]:1}"; do
    if ! set_name="$(mongo "$host" "print(db.hello().setName || '')" 2>/dev/null)"; then
      echo "replset: waiting for $host to answer before initiating"; exit 0
    fi
    if [ -n "$set_name" ]; then
      echo "replset: $host already belongs to replica set $set_name: not initiating (this member joins through it)"; exit 0
    fi
  done
  mongo "$LOCAL" "const hosts = process.env.MEMBER_HOSTS.split(' ');
try {
  rs.initiate({ _id: '${MONGODB_REPLICA_SET}', members: hosts.map((host, i) => ({ _id: i, host })) });
  print('replset: initiated ${MONGODB_REPLICA_SET} with ' + hosts.join(', '));
} catch (e) { if (e.code === 23) print('replset: already initiated'); else throw e; }"
fi

mongo "$LOCAL" "${LOGIN_JS}
if (login()) quit(0);
if (!db.hello().isWritablePrimary) { print('replset: root does not exist yet; the primary creates it'); quit(0); }
try {
  admin.createUser({ user: process.env.ROOT_USER, pwd: process.env.ROOT_PASSWORD, roles: [{ role: 'root', db: 'admin' }] });
  print('replset: created the root user');
} catch (e) { if (e.code === 51003) print('replset: root exists'); else throw e; }"

missing="$(mongo "$LOCAL" "${LOGIN_JS}
if (login() && db.hello().isWritablePrimary) {
  const have = rs.conf().members.map((m) => m.host);
  print(process.env.MEMBER_HOSTS.split(' ').filter((h) => !have.includes(h)).join(' '));
}")"
for host in $missing; do
  if ! mongo "$host" "db.hello().ok" >/dev/null 2>&1; then echo "replset: $host does not answer yet; not adding it"; continue; fi
  HOST="$host" mongo "$LOCAL" "${LOGIN_JS}
if (!login()) throw new Error('root cannot log in');
rs.add(process.env.HOST);
print('replset: added ' + process.env.HOST);"
done
`;

/**
 * Converges the application user on every sync (the \`mongodb-provision\`
 * Sync hook): created in \`admin\` if missing, its password set from
 * \`mongodb-app-credentials\` every run, \`readWrite\` granted on the database
 * of each client service (granting a held role changes nothing); nothing is
 * ever revoked or dropped. Connects to the replica set through the client
 * Service as root (the driver follows the primary).
 */
export const PROVISION_SCRIPT = `#!/bin/bash
set -euo pipefail
for i in $(seq 1 60); do
  if mongosh --quiet --norc "$MONGODB_URI" --eval "quit(db.hello().isWritablePrimary ? 0 : 1)" >/dev/null 2>&1; then break; fi
  if [ "$i" -eq 60 ]; then echo "no primary answered at $MONGODB_URI" >&2; exit 1; fi
  echo "waiting for the primary ($i)"; sleep 5
done
mongosh --quiet --norc "$MONGODB_URI" --eval "const admin = db.getSiblingDB('admin');
admin.auth(process.env.ROOT_USER, process.env.ROOT_PASSWORD);
const user = process.env.APP_USER;
const pwd = process.env.APP_PASSWORD;
const roles = process.env.APP_DATABASES.split(' ').filter(Boolean).map((d) => ({ role: 'readWrite', db: d }));
if (admin.getUser(user) === null) {
  admin.createUser({ user, pwd, roles });
  print('created user ' + user);
} else {
  admin.updateUser(user, { pwd });
  if (roles.length) admin.grantRolesToUser(user, roles);
  print('updated user ' + user);
}
print('readWrite on: ' + roles.map((r) => r.db).join(' '));"
`;

/**
 * The \`replset\` container's probes: its loop goes round (it touches the file
 * before every pass, whether the pass succeeds or not: a failing pass is
 * retried, not a reason to take the member out of its Service).
 */
export const REPLSET_LOOP_PROBE = 'find /tmp/replset.alive -mmin -5 | grep -q .';

/** Probes: mongod answers \`hello\` (no authentication needed) / and is the primary or a secondary. */
export const HELLO_PROBE = `mongosh --quiet --norc --eval 'quit(db.hello().ok === 1 ? 0 : 1)'`;
export const MEMBER_READY_PROBE = `mongosh --quiet --norc --eval 'const h = db.hello(); quit(h.isWritablePrimary || h.secondary ? 0 : 1)'`;
