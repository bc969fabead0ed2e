import { serviceHost, storeMetrics, type StoreCatalogue, type StoreEndpoint } from '../../catalogue/store-kind';

export const MONGODB_PORT = 27017;
/** The replica set's name (`replication.replSetName`); clients pass it as `replicaSet`. */
export const MONGODB_REPLICA_SET = 'rs0';
/** The Sync hook Job that converges the application user and its databases' roles (stores/mongodb/provision.ts). */
export const MONGODB_PROVISION = 'mongodb-provision';
/** The MongoDB versions the scripts are written and checked for (mongosh and the replica set commands of 7.0). */
export const MONGODB_VERSION = /^7\.0\.\d+$/;

const endpoint: StoreEndpoint = { appName: 'mongodb', service: 'mongodb', clientPorts: [{ name: 'tcp-mongodb', port: MONGODB_PORT }], serviceAccount: 'mongodb' };

/** The database of a client service: its name with `-` as `_` (as PostgreSQL's). */
export const mongoDatabaseOf = (service: string) => service.replace(/-/g, '_');

/** MongoDB: a replica set (one primary, the other members secondaries); one database per client service. */
export const MONGODB: StoreCatalogue = {
  title: 'MongoDB',
  endpoint,
  dependable: true,
  clientSecrets: {
    MONGODB_USERNAME: { name: 'mongodb-app-credentials', key: 'username' },
    MONGODB_PASSWORD: { name: 'mongodb-app-credentials', key: 'password' },
  },
  // The client Service is the seed: a replica-set-aware driver asks it for the members (their pod DNS names)
  // and follows the primary itself. The application user lives in `admin` (one user, readWrite on each client's database).
  connectionEnv: (namespace, serviceName) => {
    const seed = `${serviceHost('mongodb', namespace)}:${MONGODB_PORT}`;
    const database = mongoDatabaseOf(serviceName);
    return {
      MONGODB_URI: `mongodb://${seed}/${database}?replicaSet=${MONGODB_REPLICA_SET}&authSource=admin`,
      MONGODB_HOSTS: seed,
      MONGODB_REPLICA_SET,
      MONGODB_DATABASE: database,
      MONGODB_AUTH_SOURCE: 'admin',
    };
  },
  unmanagedWhy:
    'a managed MongoDB (Atlas, Amazon DocumentDB) is not built yet: its clients would need TLS, the provider\'s seed list (an SRV record for Atlas) and replica set name, and a user made in the provider\'s console, none of which the platform renders',
  metrics: [storeMetrics(endpoint, 9216, 'percona mongodb_exporter')],
  otherPods: [MONGODB_PROVISION],
  backup: 'none',
  versionProblem: (version) =>
    MONGODB_VERSION.test(version) ? undefined : `MongoDB ${version} is not rendered: the scripts (mongosh, replica set initiation, keyfile) are written and checked for 7.0 (e.g. 7.0.14); other release lines are untried`,
};
