import type { Construct } from 'constructs';
import { secretEnv } from '../../blocks/stateful';
import { ManagedExporterChart, type ManagedStoreProps } from '../managed-exporter';
import { POSTGRES_MANAGED_EXPORTER } from './catalogue';
import { POSTGRES_EXPORTER_IMAGE } from './chart';

/**
 * A PostgreSQL a provider runs (RDS, Cloud SQL…): postgres_exporter pointed at
 * the managed endpoint with `sslmode=require`, logging in with the clients'
 * Secret (`<env>/data/postgres-managed.yaml`; stores/managed-exporter.ts).
 */
export class PostgresManagedChart extends ManagedExporterChart {
  constructor(scope: Construct, id: string, props: ManagedStoreProps) {
    const { env, store } = props;
    super(scope, id, {
      env,
      store,
      metrics: POSTGRES_MANAGED_EXPORTER,
      image: POSTGRES_EXPORTER_IMAGE,
      containerEnv: [
        { name: 'DATA_SOURCE_URI', value: `${store.host}:${store.port}/postgres?sslmode=require` },
        secretEnv('DATA_SOURCE_USER', store.secretName, 'username'),
        secretEnv('DATA_SOURCE_PASS', store.secretName, 'password'),
      ],
    });
  }
}
