import { POSTGRES_PORT, POSTGRES_PROVISION } from './catalogue';
import type { Construct } from 'constructs';
import { selector } from '../../blocks/meta';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, secretEnv, serviceDns, storeIdentity, syncHookJob } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { POSTGRES_PRIMARY, POSTGRES_SECRETS, POSTGRES_UID, postgresImage, PROVISION_SCRIPT, provisionEnv } from './chart';

export interface PostgresProvisionProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `postgres` store of this environment. */
  readonly store: StoreModel;
}

/** Waits (≤ 5 min) until the primary behind `$PGHOST` accepts connections; fails the Job otherwise. */
const WAIT_FOR_PRIMARY = `for i in $(seq 1 60); do
  if pg_isready -q -U "$POSTGRES_USER" -d postgres; then break; fi
  if [ "$i" -eq 60 ]; then echo "the primary $PGHOST did not accept connections" >&2; exit 1; fi
  echo "waiting for the primary $PGHOST ($i)"; sleep 5
done`;

/**
 * Converges the application role and the services' databases on every sync:
 * the primary's initdb provisions them only once, so a service added later
 * would otherwise get no database. An Argo CD Sync hook in the topics wave,
 * after the primary is healthy (data wave) and before the services start
 * (services wave). It runs the primary's own PROVISION_SCRIPT as the superuser
 * through the `postgres` Service (→ the primary); every step is "if missing",
 * except the role's password, which is set from the Secret each time.
 */
export class PostgresProvisionChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: PostgresProvisionProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/postgres-provision.yaml` });
    const ns = store.namespace;
    const primary = storeIdentity(env, store, POSTGRES_PRIMARY, 'primary');

    syncHookJob(this, {
      env,
      name: POSTGRES_PROVISION,
      namespace: ns,
      id: hookJobIdentity(env, store, POSTGRES_PROVISION, 'database-provisioner'),
      serviceAccountName: STORE_ENDPOINTS.postgres.serviceAccount,
      runAsUser: POSTGRES_UID,
      container: {
        name: 'provision',
        image: postgresImage(store.version),
        env: [
          // libpq: psql and pg_isready connect to the primary Service as the superuser.
          { name: 'PGHOST', value: serviceDns('postgres', ns) },
          { name: 'PGPORT', value: String(POSTGRES_PORT) },
          { name: 'PGCONNECT_TIMEOUT', value: '10' },
          { name: 'POSTGRES_USER', value: 'postgres' },
          secretEnv('PGPASSWORD', POSTGRES_SECRETS.admin, 'postgres-password'),
          ...provisionEnv(store),
          // Read-only root filesystem: nothing of psql's may land outside /tmp.
          { name: 'HOME', value: '/tmp' },
        ],
      },
      script: hookScript(WAIT_FOR_PRIMARY, PROVISION_SCRIPT),
      egress: [{ namespace: ns, labels: selector(primary), ports: [POSTGRES_PORT] }],
    });
  }
}

