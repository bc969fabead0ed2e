import { storeClientSecretNames, storeConnectionEnv, type DataStoreName, type ManagedEndpoint } from '../catalogue/stores';

/**
 * The environment variables the platform itself gives a service container: stated once here, rendered
 * by the model (ConfigMap) and the service chart (Downward API, store Secrets), and refused in a
 * user's `env` or `secrets` (which would silently lose to them or override them).
 */

/** From the pod itself (Downward API). */
export const POD_FIELD_ENV: Readonly<Record<string, string>> = { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' };

export interface PlatformConfigInput {
  readonly platform: string;
  readonly environment: string;
  readonly service: { readonly name: string; readonly port: number; readonly produces: readonly string[]; readonly consumes: readonly string[] };
  /** Services it calls, with their ports (a peer platform's: with the peer's name and the service's namespace). */
  readonly calls: readonly { readonly name: string; readonly port: number; readonly platform?: string; readonly namespace?: string }[];
  readonly stores: readonly DataStoreName[];
  /** Stores a provider runs in this environment, by kind: their clients connect to the managed endpoint. @default none */
  readonly external?: ReadonlyMap<DataStoreName, ManagedEndpoint>;
  readonly namespace: string;
  readonly dataNamespace: string;
  readonly telemetry: { readonly service: string; readonly namespace: string; readonly otlpHttpPort: number };
}

/** `<SERVICE>_URL` of a called service (`<PEER>_<SERVICE>_URL` of a peer platform's). */
export const serviceUrlVar = (name: string, platform?: string) => `${(platform ? `${platform}-${name}` : name).toUpperCase().replace(/-/g, '_')}_URL`;

/** The ConfigMap entries the platform sets (identity, telemetry, where its dependencies are). */
export function platformConfig(p: PlatformConfigInput): Record<string, string> {
  const s = p.service;
  const config: Record<string, string> = {
    SERVICE_NAME: s.name,
    PORT: String(s.port),
    PLATFORM_ENVIRONMENT: p.environment,
    OTEL_SERVICE_NAME: s.name,
    // OTLP over HTTP, the same endpoint and protocol the operator injects (blocks/instrumentation.ts).
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${p.telemetry.service}.${p.telemetry.namespace}.svc.cluster.local:${p.telemetry.otlpHttpPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${p.environment},service.namespace=${p.platform}`,
  };
  for (const dep of p.calls) config[serviceUrlVar(dep.name, dep.platform)] = `http://${dep.name}.${dep.namespace ?? p.namespace}.svc.cluster.local:${dep.port}`;
  for (const store of p.stores) Object.assign(config, storeConnectionEnv(store, p.dataNamespace, s.name, p.external?.get(store)));
  if (s.produces.length) config.KAFKA_PRODUCE_TOPICS = s.produces.join(',');
  if (s.consumes.length) {
    config.KAFKA_CONSUME_TOPICS = s.consumes.join(',');
    config.KAFKA_CONSUMER_GROUP = s.name;
  }
  return config;
}

/** Every variable name the platform sets in the container: its ConfigMap entries, the pod fields, the stores' credentials. */
export function platformEnvNames(p: PlatformConfigInput): Set<string> {
  return new Set([
    ...Object.keys(platformConfig(p)),
    ...Object.keys(POD_FIELD_ENV),
    ...p.stores.flatMap((store) => storeClientSecretNames(store)),
  ]);
}
