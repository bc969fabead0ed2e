import { POSTGRES_BACKUP_CHECK, POSTGRES_RESTORE_TEST } from './catalogue';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { objectStoreEgress } from '../../blocks/backup';
import { BACKUP_CHECK_SCHEDULE, BACKUP_CHECK_SCRIPT, PGBACKREST_IMAGE, RESTORE_SCRIPT, RESTORE_TEST_SCHEDULE, RESTORE_TEST_SCRIPT, WAL_QUEUE_DIR, WAL_SERVER_SCRIPT } from './pgbackrest';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, scheduledJob, scratch } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { pgbackrestEnvOf, POSTGRES_SCRIPTS, POSTGRES_UID, postgresImage } from './chart';

/** Where the restore test restores to (its own volume). */
const RESTORE_TEST_DATA = '/restore';

export interface PostgresBackupProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `postgres` store of this environment; it must have `backup`. */
  readonly store: StoreModel;
}

/**
 * The PostgreSQL backups' own workloads outside the primary: a CronJob that
 * reads the backup repository every hour (pgBackRest `info`, no database
 * access) and fails unless the stanza is healthy and the newest full backup
 * is on time; and a daily restore test that restores the newest backup and
 * the archived WAL into a volume of its own, promotes it and checks every
 * database with pg_amcheck (RESTORE_TEST_SCRIPT): a backup is only known to
 * be good once it has been restored. It reaches the object store only (its NetworkPolicy). Taking
 * the backups and archiving WAL happen in the primary's pgBackRest container
 * (stores/postgres/chart.ts), which is the only place that can read the data files.
 */
export class PostgresBackupChart extends PlatformChart {
  /** The backup check CronJob. */
  readonly checkCronJob;
  /** The restore test CronJob. */
  readonly restoreTestCronJob;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    const { env, store } = props;
    const backup = store.backup;
    if (!backup) throw new Error(`environment ${env.name}: PostgresBackupChart needs a store with backups`);
    super(scope, id, { file: `${env.name}/data/postgres-backup.yaml` });
    this.checkCronJob = scheduledJob(this, {
      env,
      name: POSTGRES_BACKUP_CHECK,
      namespace: store.namespace,
      id: hookJobIdentity(env, store, POSTGRES_BACKUP_CHECK, 'backup-check'),
      schedule: BACKUP_CHECK_SCHEDULE,
      serviceAccountName: STORE_ENDPOINTS.postgres.serviceAccount,
      runAsUser: POSTGRES_UID,
      container: {
        name: 'check',
        image: PGBACKREST_IMAGE,
        script: hookScript(BACKUP_CHECK_SCRIPT),
        env: [...pgbackrestEnvOf(store), { name: 'FULL_EVERY_SECONDS', value: String(backup.everyHours * 3600) }],
      },
      egress: [],
      extraEgress: [objectStoreEgress(backup)],
      activeDeadlineSeconds: 600,
    });

    // The restore test: the newest backup plus the archived WAL into a volume of the store's size that lives
    // as long as the pod (a generic ephemeral volume: a claim of the store's class, deleted with the pod).
    const data = {
      name: 'restore',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { 'app.kubernetes.io/name': POSTGRES_RESTORE_TEST } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(store.storageClass ? { storageClassName: store.storageClass } : {}),
            resources: { requests: { storage: k8s.Quantity.fromString(store.storage) } },
          },
        },
      },
    };
    const queue = scratch('wal-queue', WAL_QUEUE_DIR, { sizeLimit: '16Mi' });
    const scripts = { name: 'scripts', mountPath: '/scripts' };
    const dataMount = { name: 'restore', mountPath: RESTORE_TEST_DATA };
    // The same pgBackRest settings, with the cluster's path in the test's own volume.
    const env_ = pgbackrestEnvOf(store).map((e) => (e.name === 'PGBACKREST_PG1_PATH' ? { ...e, value: `${RESTORE_TEST_DATA}/pgdata` } : e));
    this.restoreTestCronJob = scheduledJob(this, {
      env,
      name: POSTGRES_RESTORE_TEST,
      namespace: store.namespace,
      id: hookJobIdentity(env, store, POSTGRES_RESTORE_TEST, 'restore-test'),
      schedule: RESTORE_TEST_SCHEDULE,
      serviceAccountName: STORE_ENDPOINTS.postgres.serviceAccount,
      runAsUser: POSTGRES_UID,
      initContainers: [
        { name: 'restore', image: PGBACKREST_IMAGE, script: RESTORE_SCRIPT, env: [...env_, { name: 'RESTORE_REQUIRED', value: 'true' }], volumeMounts: [dataMount] },
        // Answers the restore_command of the PostgreSQL container while it replays the WAL.
        { name: 'wal', image: PGBACKREST_IMAGE, script: WAL_SERVER_SCRIPT, env: env_, volumeMounts: [dataMount, queue.mount], restartPolicy: 'Always' },
      ],
      container: {
        name: 'verify',
        image: postgresImage(store.version),
        script: hookScript(RESTORE_TEST_SCRIPT),
        env: [{ name: 'PGBACKREST_PG1_PATH', value: `${RESTORE_TEST_DATA}/pgdata` }],
        volumeMounts: [dataMount, queue.mount, scripts],
      },
      volumes: [data, queue.volume, { name: 'scripts', configMap: { name: POSTGRES_SCRIPTS, defaultMode: 0o555 } }],
      egress: [],
      extraEgress: [objectStoreEgress(backup)],
      // The whole database and a day of WAL: hours on a large one.
      activeDeadlineSeconds: 6 * 3600,
    });
  }
}

