import type { Construct } from 'constructs';
import { secretEnv } from '../../blocks/stateful';
import type { EnvironmentModel, ExternalStoreModel } from '../../platform/model';
import { ManagedExporterChart } from '../managed-exporter';
import { POSTGRES_MANAGED_EXPORTER } from './catalogue';
import { POSTGRES_EXPORTER_IMAGE } from './chart';

export interface PostgresManagedProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The managed PostgreSQL of this environment (`dataStores.postgres.environments.<env>.external`). */
  readonly store: ExternalStoreModel;
}

/**
 * A PostgreSQL a provider runs (RDS, Cloud SQL…): postgres_exporter pointed at
 * the managed endpoint with `sslmode=require`, logging in with the clients'
 * Secret (`<env>/data/postgres-managed.yaml`; stores/managed-exporter.ts).
 */
export class PostgresManagedChart extends ManagedExporterChart {
  constructor(scope: Construct, id: string, props: PostgresManagedProps) {
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
