import type { Construct } from 'constructs';
import { secretEnv } from '../../blocks/stateful';
import { ManagedExporterChart, type ManagedStoreProps } from '../managed-exporter';
import { MYSQL_MANAGED_EXPORTER } from './catalogue';
import { MYSQL_EXPORTER_IMAGE } from './chart';

/**
 * A MySQL a provider runs (RDS, Aurora MySQL, Cloud SQL…): mysqld_exporter
 * pointed at the managed endpoint (without TLS, see the args), logging in with the clients'
 * Secret (`<env>/data/mysql-managed.yaml`; stores/managed-exporter.ts).
 */
export class MySqlManagedChart extends ManagedExporterChart {
  constructor(scope: Construct, id: string, props: ManagedStoreProps) {
    const { env, store } = props;
    super(scope, id, {
      env,
      store,
      metrics: MYSQL_MANAGED_EXPORTER,
      image: MYSQL_EXPORTER_IMAGE,
      // The user through the kubelet's $(VAR) expansion of the Secret's value; the password is read from the environment.
      // No TLS: mysqld_exporter uses TLS only with a CA file (ssl-ca), which the spec does not carry (README).
      args: [`--mysqld.address=${store.host}:${store.port}`, '--mysqld.username=$(MYSQLD_USER)'],
      containerEnv: [secretEnv('MYSQLD_USER', store.secretName, 'username'), secretEnv('MYSQLD_EXPORTER_PASSWORD', store.secretName, 'password')],
    });
  }
}
