import { MONGODB_PORT, MONGODB_PROVISION, MONGODB_REPLICA_SET, mongoDatabaseOf } from './catalogue';
import type { Construct } from 'constructs';
import { selector } from '../../blocks/meta';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, secretEnv, serviceDns, storeIdentity, syncHookJob } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { MONGODB_NAME, MONGODB_SECRETS, MONGODB_UID, mongodbImage } from './chart';
import { PROVISION_SCRIPT } from './scripts';

export interface MongoDbProvisionProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `mongodb` store of this environment. */
  readonly store: StoreModel;
}

/**
 * Converges the application user on every sync (PROVISION_SCRIPT): an Argo CD
 * Sync hook in the topics wave, after the replica set is healthy (data wave)
 * and before the services start (services wave), so a service added with
 * `dependsOn: [mongodb]` gets its role in the sync that deploys it.
 */
export class MongoDbProvisionChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MongoDbProvisionProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/mongodb-provision.yaml` });
    const ns = store.namespace;
    const members = storeIdentity(env, store, MONGODB_NAME, 'replica-set-member');

    syncHookJob(this, {
      env,
      name: MONGODB_PROVISION,
      namespace: ns,
      id: hookJobIdentity(env, store, MONGODB_PROVISION, 'database-provisioner'),
      serviceAccountName: STORE_ENDPOINTS.mongodb.serviceAccount,
      runAsUser: MONGODB_UID,
      container: {
        name: 'provision',
        image: mongodbImage(store.version),
        env: [
          // The client Service as the seed; the driver finds the primary among the members.
          { name: 'MONGODB_URI', value: `mongodb://${serviceDns('mongodb', ns)}:${MONGODB_PORT}/admin?replicaSet=${MONGODB_REPLICA_SET}&serverSelectionTimeoutMS=10000` },
          { name: 'ROOT_USER', value: 'root' },
          secretEnv('ROOT_PASSWORD', MONGODB_SECRETS.admin, 'root-password'),
          secretEnv('APP_USER', MONGODB_SECRETS.app, 'username'),
          secretEnv('APP_PASSWORD', MONGODB_SECRETS.app, 'password'),
          { name: 'APP_DATABASES', value: store.clients.map(mongoDatabaseOf).join(' ') },
          // Read-only root filesystem: mongosh's history and logs land in /tmp.
          { name: 'HOME', value: '/tmp' },
          { name: 'DO_NOT_TRACK', value: '1' },
        ],
      },
      script: hookScript(PROVISION_SCRIPT),
      egress: [{ namespace: ns, labels: selector(members), ports: [MONGODB_PORT] }],
    });
  }
}
