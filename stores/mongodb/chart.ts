import { dependentClients, storeJobClient, type StoreClient } from '../../blocks/store-clients';
import type { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION } from '../../blocks/meta';
import { DATA_VOLUME, execProbe, exporterContainer, podDns, podEnv, scratch, secretEnv, storeIdentity } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { StatefulStore } from '../../blocks/stateful-store';
import { STORE_METRICS } from '../../catalogue/stores';
import { TIER_RESOURCES } from '../../catalogue/resources';
import { PlatformChart } from '../../charts/platform-chart';
import { MONGODB_PORT, MONGODB_PROVISION, MONGODB_REPLICA_SET } from './catalogue';
import { HELLO_PROBE, KEYFILE, KEYFILE_DIR, KEYFILE_SECRET_DIR, MEMBER_READY_PROBE, REPLSET_LOOP_PROBE, REPLSET_SCRIPT, START_SCRIPT } from './scripts';

/** Official MongoDB image (Ubuntu jammy, user `mongodb` = UID/GID 999, mongod and mongosh); the tag is the spec's version. */
export const mongodbImage = (version: string) => `docker.io/library/mongo:${version}`;
export const MONGODB_UID = 999;
/** Percona's exporter (`--compatible-mode` for the replica set gauges the alerts read). */
export const MONGODB_EXPORTER_IMAGE = 'docker.io/percona/mongodb_exporter:0.47.2';
/** From STORE_METRICS, the one place every metrics port is defined. */
export const MONGODB_EXPORTER_PORT = STORE_METRICS.mongodb.port;
export const MONGODB_NAME = 'mongodb';
export const MONGODB_HEADLESS = 'mongodb-headless';
export const MONGODB_SCRIPTS = 'mongodb-scripts';

/** Secrets (in the data namespace) the MongoDB pods and Job read; see README.md "Data stores". */
export const MONGODB_SECRETS = {
  /** `keyfile` (the members' internal authentication) and `root-password` (user `root`, made once through the localhost exception). */
  admin: 'mongodb-credentials',
  /** `username` / `password` of the application user (same values as the services' copy). */
  app: 'mongodb-app-credentials',
} as const;

/**
 * mongosh (probes, the replset loop) keeps its logs and config under $HOME: /tmp (an emptyDir shared
 * by both containers, trimmed by the loop), not the image's HOME /data/db (the claim).
 * DO_NOT_TRACK: no usage telemetry (it could not leave the namespace anyway).
 */
const MONGOSH_ENV = [{ name: 'HOME', value: '/tmp' }, { name: 'DO_NOT_TRACK', value: '1' }];

export interface MongoDbProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `mongodb` store of this environment. */
  readonly store: StoreModel;
}

/** Every member's address, in ordinal order: `mongodb-<i>.mongodb-headless.<ns>.svc.cluster.local:27017`. */
export function mongodbMembers(store: Pick<StoreModel, 'replicas' | 'namespace'>): string[] {
  return Array.from({ length: store.replicas }, (_, i) => `${podDns(MONGODB_NAME, i, MONGODB_HEADLESS, store.namespace)}:${MONGODB_PORT}`);
}

/** WiredTiger's cache: MongoDB's own rule (half of the memory less 1 GiB, at least 0.25 GB), from the memory limit. */
export function wiredTigerCacheGb(store: Pick<StoreModel, 'resources'>): number {
  return Math.max(0.25, Math.floor(((store.resources.milli.limitMemMi - 1024) / 2 / 1024) * 100) / 100);
}

export function mongodConf(store: StoreModel): string {
  return [
    'net:',
    `  port: ${MONGODB_PORT}`,
    '  bindIpAll: true',
    'replication:',
    `  replSetName: ${MONGODB_REPLICA_SET}`,
    'security:',
    `  keyFile: ${KEYFILE}`,
    '  authorization: enabled',
    'storage:',
    '  dbPath: /data/db',
    '  wiredTiger:',
    '    engineConfig:',
    `      cacheSizeGB: ${wiredTigerCacheGb(store)}`,
    '',
  ].join('\n');
}

/** Who connects to MongoDB: its client services, and the provisioning Job. */
export function mongodbClients(env: EnvironmentModel, store: StoreModel): StoreClient[] {
  return [...dependentClients(env, store), storeJobClient(store, MONGODB_PROVISION, [MONGODB_PORT])];
}

/**
 * A MongoDB replica set: StatefulSet `mongodb` (Parallel start: member 0
 * initiates the set only once every member answers), stable member names
 * through `mongodb-headless` (not-ready addresses published, so members
 * resolve each other before they are Ready), the `mongodb` client Service
 * (Ready members: the primary and secondaries), keyfile authentication
 * between members, the `replset` container converging initiation, the root
 * user and new members (stores/mongodb/scripts.ts), mongodb_exporter behind
 * `mongodb-metrics`, a disruption budget and the NetworkPolicy.
 */
export class MongoDbChart extends PlatformChart {
  /** The replica set: ServiceAccount, scripts, Services, StatefulSet, disruption budget, NetworkPolicy. */
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: MongoDbProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/mongodb.yaml` });
    const mongoId = storeIdentity(env, store, MONGODB_NAME, 'replica-set-member');
    const running = { 'mongod.conf': mongodConf(store), 'start.sh': START_SCRIPT, 'replset.sh': REPLSET_SCRIPT };
    // The member list is read by the replset loop on every pass (kubelet refreshes ConfigMap files in place): it stays
    // out of the pod template's checksum, so scaling does not restart the members.
    const scripts = { ...running, members: mongodbMembers(store).join('\n') + '\n' };
    const tmp = scratch('tmp', '/tmp', { sizeLimit: '128Mi' });
    const keyfile = scratch('keyfile', KEYFILE_DIR, { memory: true, sizeLimit: '1Mi' });
    const port = [{ name: 'tcp-mongodb', port: MONGODB_PORT }];
    const scriptMount = { name: 'scripts', mountPath: '/scripts' };
    const root = [{ name: 'ROOT_USER', value: 'root' }, secretEnv('ROOT_PASSWORD', MONGODB_SECRETS.admin, 'root-password')];
    const image = mongodbImage(store.version);

    this.store = new StatefulStore(this, 'store', {
      env,
      store,
      id: mongoId,
      config: { name: MONGODB_SCRIPTS, data: scripts },
      services: [{ name: MONGODB_NAME, ports: port }],
      members: [
        {
          name: MONGODB_NAME,
          id: mongoId,
          headless: { name: MONGODB_HEADLESS, ports: port },
          replicas: store.replicas,
          podManagementPolicy: 'Parallel',
          podAnnotations: { [ANNOTATION.configChecksum]: contentHash(running) },
          pod: {
            uid: MONGODB_UID,
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: 'mongodb',
                image,
                command: ['bash', '/scripts/start.sh'],
                ports: [{ name: 'tcp-mongodb', containerPort: MONGODB_PORT, protocol: 'TCP' }],
                env: [...podEnv(), ...MONGOSH_ENV],
                resources: store.resources,
                // Recovery after an unclean stop or an initial sync may take long: up to 30 min before liveness applies.
                startupProbe: execProbe(HELLO_PROBE, { periodSeconds: 10, failureThreshold: 180, timeoutSeconds: 10 }),
                // Ready: the primary or a secondary (not STARTUP2 in an initial sync, RECOVERING, or outside a set).
                readinessProbe: execProbe(MEMBER_READY_PROBE, { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 10 }),
                livenessProbe: execProbe(HELLO_PROBE, { periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 10 }),
                volumeMounts: [
                  { name: DATA_VOLUME, mountPath: '/data/db' },
                  scriptMount,
                  { name: 'credentials', mountPath: KEYFILE_SECRET_DIR },
                  keyfile.mount,
                  tmp.mount,
                ],
              },
              {
                name: 'replset',
                image,
                command: ['bash', '/scripts/replset.sh', '--loop'],
                env: [...podEnv(), ...root, ...MONGOSH_ENV],
                resources: TIER_RESOURCES.small,
                readinessProbe: execProbe(REPLSET_LOOP_PROBE, { periodSeconds: 30, failureThreshold: 3 }),
                livenessProbe: execProbe(REPLSET_LOOP_PROBE, { periodSeconds: 30, failureThreshold: 3 }),
                volumeMounts: [scriptMount, tmp.mount],
              },
              exporterContainer({
                name: 'metrics',
                image: MONGODB_EXPORTER_IMAGE,
                port: MONGODB_EXPORTER_PORT,
                args: [`--web.listen-address=:${MONGODB_EXPORTER_PORT}`, '--collector.diagnosticdata', '--collector.replicasetstatus', '--compatible-mode'],
                env: [
                  { name: 'MONGODB_URI', value: `mongodb://127.0.0.1:${MONGODB_PORT}/admin?directConnection=true` },
                  { name: 'MONGODB_USER', value: 'root' },
                  secretEnv('MONGODB_PASSWORD', MONGODB_SECRETS.admin, 'root-password'),
                ],
              }),
            ],
            volumes: [
              { name: 'scripts', configMap: { name: MONGODB_SCRIPTS, defaultMode: 0o555 } },
              { name: 'credentials', secret: { secretName: MONGODB_SECRETS.admin, defaultMode: 0o400, items: [{ key: 'keyfile', path: 'keyfile' }] } },
              keyfile.volume,
              tmp.volume,
            ],
          },
        },
      ],
      network: { clientPorts: [MONGODB_PORT], peerPorts: [MONGODB_PORT], clients: mongodbClients(env, store) },
    });
  }
}
