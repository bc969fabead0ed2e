import { MYSQL_PORT, MYSQL_PROVISION } from './catalogue';
import type { Construct } from 'constructs';
import { selector } from '../../blocks/meta';
import { STORE_ENDPOINTS } from '../../catalogue/stores';
import { hookJobIdentity, hookScript, secretEnv, serviceDns, storeIdentity, syncHookJob } from '../../blocks/stateful';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { PlatformChart } from '../../charts/platform-chart';
import { MYSQL_PRIMARY, MYSQL_SECRETS, MYSQL_UID, mysqlImage, PROVISION_SCRIPT, provisionEnv } from './chart';

export interface MySqlProvisionProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The `mysql` store of this environment. */
  readonly store: StoreModel;
}

/** Waits (≤ 5 min) until the primary behind `$MYSQL_HOST` answers; fails the Job otherwise. */
const WAIT_FOR_PRIMARY = `for i in $(seq 1 60); do
  if mariadb-admin --no-defaults -h "$MYSQL_HOST" -P "$MYSQL_PORT" -uroot --connect-timeout=3 ping >/dev/null 2>&1; then break; fi
  if [ "$i" -eq 60 ]; then echo "the primary $MYSQL_HOST did not answer" >&2; exit 1; fi
  echo "waiting for the primary $MYSQL_HOST ($i)"; sleep 5
done`;

/**
 * Converges the application user and the services' databases on every sync
 * (a service added later gets its database): an Argo CD Sync hook in the
 * topics wave, after the primary is healthy and before the services start.
 * It runs PROVISION_SCRIPT with the image's own client as root through the
 * `mysql` Service (→ the primary).
 */
export class MySqlProvisionChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MySqlProvisionProps) {
    const { env, store } = props;
    super(scope, id, { file: `${env.name}/data/mysql-provision.yaml` });
    const ns = store.namespace;
    const primary = storeIdentity(env, store, MYSQL_PRIMARY, 'primary');
    syncHookJob(this, {
      env,
      name: MYSQL_PROVISION,
      namespace: ns,
      id: hookJobIdentity(env, store, MYSQL_PROVISION, 'database-provisioner'),
      serviceAccountName: STORE_ENDPOINTS.mysql.serviceAccount,
      runAsUser: MYSQL_UID,
      container: {
        name: 'provision',
        image: mysqlImage(store.version),
        env: [
          { name: 'MYSQL_HOST', value: serviceDns('mysql', ns) },
          { name: 'MYSQL_PORT', value: String(MYSQL_PORT) },
          // The MariaDB clients read the password from MYSQL_PWD.
          secretEnv('MYSQL_PWD', MYSQL_SECRETS.admin, 'root-password'),
          ...provisionEnv(store),
          // Read-only root filesystem: nothing of the client's may land outside /tmp.
          { name: 'HOME', value: '/tmp' },
        ],
      },
      script: hookScript(WAIT_FOR_PRIMARY, PROVISION_SCRIPT),
      egress: [{ namespace: ns, labels: selector(primary), ports: [MYSQL_PORT] }],
    });
  }
}
