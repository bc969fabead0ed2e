import type { Runbook } from '../../blocks/alerts/types';
import { MONGODB_REPLICATION_LAG_SECONDS } from './alerts';

/** MongoDB: what to do when its alerts fire. */
export const MONGODB_RUNBOOK: Runbook = {
  alerts: {
    MongoDBDown: `mongodb_exporter (the \`metrics\` container) cannot ping the mongod of its own
pod. Check the pod and its \`mongodb\` container's log
(\`kubectl -n <dataNs> logs mongodb-N -c mongodb --tail=50\`): \`permissions on
/keyfile/keyfile are too open\` means the start script did not run (the
container's command was changed); a crash loop after an unclean stop is
WiredTiger recovery (the startup probe allows 30 min); \`Authentication
failed\` in the exporter's own log (\`-c metrics\`) means \`root-password\` in
\`mongodb-credentials\` is not the root user's password (it is used once, when
the set creates root: changing the Secret later does not change the user).
`,
    MongoDBNoPrimary: `No member reports itself PRIMARY: every write fails. A primary needs a
majority of the members in the config to see each other. Ask a member:

    kubectl -n <dataNs> exec mongodb-0 -c replset -- bash -c 'mongosh --quiet -u root -p "$ROOT_PASSWORD" \\
      --authenticationDatabase admin --eval "rs.status().members.map(m => [m.name, m.stateStr, m.health])"'

Bring the down members back first (their pods, their claims). A set whose
config lists members that no longer exist (scaled down: members are never
removed automatically) may have lost its majority: remove them from the
config from a reachable member (\`rs.reconfig\` with \`force: true\` only as the
last resort, it can roll back writes). \`replset\` containers log why they do
not act (\`kubectl -n <dataNs> logs mongodb-0 -c replset\`): before the set is
initiated, member 0 waits until every member answers.
`,
    MongoDBMemberUnhealthy: `A member has been neither PRIMARY nor SECONDARY for 10 minutes; the
\`mongodb\` Service leaves it out. STARTUP2: an initial sync (a new or emptied
member) that takes long, or keeps restarting (its log says why); RECOVERING:
it fell off the end of the primary's oplog (\`too stale to catch up\`): delete
its claim and pod so it syncs afresh; REMOVED: it is no longer in the config,
add it again with \`rs.add\` from the primary (the \`replset\` container of the
primary does so for every member of the StatefulSet once it answers).
`,
    MongoDBReplicationLagHigh: `A secondary is more than ${MONGODB_REPLICATION_LAG_SECONDS} s behind the primary (\`mongodb_mongod_replset_member_replication_lag\`
from its own exporter): reads from secondaries are stale, writes with
\`w: majority\` wait for it when the others are down. Check the member's disk
and CPU, the network between the members, and long operations on the primary
(\`db.currentOp()\`); \`rs.printSecondaryReplicationInfo()\` from any member
shows every secondary's lag.
`,
  },
  backups: `- **MongoDB is not backed up** (none yet: no \`mongodump\` or snapshot job is
  rendered). A replica set survives losing a minority of its members and their
  volumes (they re-sync from the others); losing every claim loses the data.`,
};
