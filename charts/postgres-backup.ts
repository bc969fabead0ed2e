import type { Construct } from 'constructs';
import { BACKUP_CHECK_SCHEDULE, BACKUP_CHECK_SCRIPT, objectStoreEgress, PGBACKREST_IMAGE } from '../lib/backup';
import type { Footprint } from '../lib/quota';
import { STORE_ENDPOINTS } from '../lib/stores';
import { hookJobFootprint, hookJobIdentity, hookScript, scheduledJob } from '../lib/stateful';
import type { EnvironmentModel, StoreModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { pgbackrestEnvOf, POSTGRES_UID } from './postgres';

/** The CronJob that checks the PostgreSQL backups (its last success is what the backup alert watches). */
export const POSTGRES_BACKUP_CHECK = 'postgres-backup-check';

export interface PostgresBackupProps {
  readonly env: EnvironmentModel;
  /** The `postgres` store of this environment; it must have `backup`. */
  readonly store: StoreModel;
}

/**
 * The PostgreSQL backups' own workload outside the primary: a CronJob that
 * reads the backup repository every hour (pgBackRest `info`, no database
 * access) and fails unless the stanza is healthy and the newest full backup
 * is on time. It reaches the object store only (its NetworkPolicy). Taking
 * the backups and archiving WAL happen in the primary's pgBackRest container
 * (charts/postgres.ts), which is the only place that can read the data files.
 */
export class PostgresBackupChart extends PlatformChart {
  /** The backup check CronJob. */
  readonly checkCronJob;

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
  }
}

/** The check Job's one pod while it runs. */
export function footprint(): Footprint {
  return hookJobFootprint();
}
