import type { Construct } from 'constructs';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicyTlsMode,
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
  Gateway,
  GatewaySpecServersTlsMinProtocolVersion,
  GatewaySpecServersTlsMode,
  VirtualService,
  type VirtualServiceSpecHttp,
} from '../imports/istio-networking.istio.io';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy } from '../imports/cert-manager-certificate-cert-manager.io';
import { Issuer } from '../imports/cert-manager-issuer-cert-manager.io';
import { objectGroup } from '../blocks/object-group';
import { meta, selector, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { EnvironmentModel, ServiceModel } from '../platform/model';
import { CANARY_SUFFIX, COLOURS } from '../catalogue/names';
import { PlatformChart } from './platform-chart';
import { serviceIdentity } from './service';

export interface MeshProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
}

/** Name of the environment's Istio Gateway (in the services namespace). */
export const GATEWAY_NAME = 'public';

/**
 * Circuit breaking every service gets: generous enough not to shed normal
 * load, tight enough that one slow dependency cannot exhaust its callers.
 */
export const CONNECTION_POOL = { maxConnections: 1024, connectTimeout: '2s', http1MaxPendingRequests: 256, http2MaxRequests: 1024, maxRetries: 32, idleTimeout: '300s' } as const;
export const OUTLIER_DETECTION = { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 } as const;

export function serviceHost(s: Pick<ServiceModel, 'name' | 'namespace'>): string {
  return `${s.name}.${s.namespace}.svc.cluster.local`;
}

/** Every public host of the environment, sorted. */
export function publicHosts(env: EnvironmentModel): string[] {
  return [...new Set(env.services.flatMap((s) => (s.route ? [s.route.host] : [])))].sort();
}

/** The TLS Secret (in the ingress gateway namespace) the gateway serves. */
export function gatewayCertificateName(env: Pick<EnvironmentModel, 'platform' | 'name'>): string {
  return `${env.platform}-${env.name}-tls`;
}

/**
 * Traffic management of one environment: the public Gateway (HTTPS with a
 * cert-manager certificate, HTTP redirected), per public service a
 * VirtualService routing its path prefix from the gateway, and per service a
 * mesh VirtualService (timeout, retries) and a DestinationRule (ISTIO_MUTUAL,
 * connection-pool limits, outlier detection).
 */
export class MeshChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MeshProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/mesh/routing.yaml` });

    const hosts = publicHosts(env);
    if (hosts.length > 0) this.gateway(env, hosts);

    // One group per service: a change to one service builds its routes again, not every service's (render/chart-cache.ts).
    for (const s of env.services) {
      objectGroup(this, `svc-${s.name}`, { env, s }, (g, { env, s }) => {
        const id = serviceIdentity(env, s);
        const m = (name: string) => meta({ name, namespace: s.namespace, id, wave: WAVE.routing });
        const host = serviceHost(s);
        const route = routeTo(s);

        new DestinationRule(g, `dr-${s.name}`, {
          // Before the routes (wave 4) that name its subsets.
          metadata: meta({ name: s.name, namespace: s.namespace, id, wave: WAVE.services }),
          spec: {
            host,
            trafficPolicy: {
              tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
              connectionPool: {
                tcp: { maxConnections: CONNECTION_POOL.maxConnections, connectTimeout: CONNECTION_POOL.connectTimeout },
                http: {
                  http1MaxPendingRequests: CONNECTION_POOL.http1MaxPendingRequests,
                  http2MaxRequests: CONNECTION_POOL.http2MaxRequests,
                  maxRetries: CONNECTION_POOL.maxRetries,
                  idleTimeout: CONNECTION_POOL.idleTimeout,
                },
              },
              outlierDetection: {
                consecutive5XxErrors: OUTLIER_DETECTION.consecutive5xxErrors,
                interval: OUTLIER_DETECTION.interval,
                baseEjectionTime: OUTLIER_DETECTION.baseEjectionTime,
                maxEjectionPercent: OUTLIER_DETECTION.maxEjectionPercent,
              },
            },
            // One subset per track a service may run (by instance, which the Deployment selectors fix) —
            // stable, canary, and the two colours of blue-green — whether or not it runs: adding or removing
            // a canary, or moving to or from blue-green, then changes only the VirtualService, never a route
            // naming a subset the DestinationRule does not have yet (503 NR for every request).
            subsets: [
              { name: SUBSET.stable, labels: selector({ name: s.name, instance: s.name }) },
              { name: SUBSET.canary, labels: selector({ name: s.name, instance: `${s.name}${CANARY_SUFFIX}` }) },
              ...COLOURS.map((c) => ({ name: c, labels: selector({ name: s.name, instance: `${s.name}-${c}` }) })),
            ],
          },
        });

        // Calls from inside the mesh get the same timeout and retries as calls from the gateway.
        new VirtualService(g, `vs-${s.name}`, {
          metadata: m(s.name),
          spec: { hosts: [host], gateways: ['mesh'], http: [{ name: 'default', ...route }] },
        });

        if (s.route) {
          const p = s.route.path.replace(/\/+$/, '');
          const match = p === '' ? [{ uri: { prefix: '/' } }] : [{ uri: { exact: p } }, { uri: { prefix: `${p}/` } }];
          new VirtualService(g, `vs-${s.name}-public`, {
            metadata: m(`${s.name}-public`),
            spec: { hosts: [s.route.host], gateways: [`${env.namespace}/${GATEWAY_NAME}`], http: [{ name: 'public', match, ...route }] },
          });
        }
      });
    }
  }

  private gateway(env: EnvironmentModel, hosts: string[]): void {
    const gw = env.addons.ingressGateway;
    const id: Identity = { name: env.platform, instance: GATEWAY_NAME, component: 'gateway', partOf: env.platform, version: env.version };
    const secretName = gatewayCertificateName(env);
    const issuer = env.certificateIssuer;
    let issuerRef: { name: string; kind: string; group: string };
    if (issuer === 'self-signed') {
      const name = `${env.platform}-${env.name}-selfsigned`;
      new Issuer(this, 'self-signed-issuer', {
        metadata: meta({ name, namespace: gw.namespace, id, wave: WAVE.routing }),
        spec: { selfSigned: {} },
      });
      issuerRef = { name, kind: 'Issuer', group: 'cert-manager.io' };
    } else {
      issuerRef = { name: issuer.name, kind: issuer.kind, group: 'cert-manager.io' };
    }
    // Istio reads the gateway's credential from the gateway workload's namespace.
    new Certificate(this, 'certificate', {
      metadata: meta({ name: secretName, namespace: gw.namespace, id, wave: WAVE.routing }),
      spec: {
        secretName,
        dnsNames: hosts,
        issuerRef,
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
      },
    });
    // `<namespace>/<host>`: only this environment's VirtualServices may bind its hosts (a bare host is `*/host`:
    // a route in any namespace, another environment's included, could take the public traffic).
    const bound = hosts.map((h) => `${env.namespace}/${h}`);
    new Gateway(this, 'gateway', {
      metadata: meta({ name: GATEWAY_NAME, namespace: env.namespace, id, wave: WAVE.routing }),
      spec: {
        selector: { app: gw.name },
        servers: [
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: bound,
            tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: secretName, minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2 },
          },
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: bound, tls: { httpsRedirect: true } },
        ],
      },
    });
    if (env.rateLimit) this.rateLimit(env, hosts, env.rateLimit);
  }

  /**
   * The environment's local rate limit at the shared ingress gateway: a pass-through `local_ratelimit`
   * HTTP filter of its own (named per environment, so two environments on one gateway never share or
   * double a bucket) and, on each of its HTTPS virtual hosts (`<host>:443`), the token bucket. Other
   * environments' hosts are not limited by it; HTTP (80) only redirects.
   */
  private rateLimit(env: EnvironmentModel, hosts: string[], limit: NonNullable<EnvironmentModel['rateLimit']>): void {
    const gw = env.addons.ingressGateway;
    const filter = `envoy.filters.http.local_ratelimit.${env.platform}-${env.name}`;
    const typed = (value: Record<string, unknown>) => ({ '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', value });
    const always = { default_value: { numerator: 100, denominator: 'HUNDRED' } };
    const name = `${env.platform}-${env.name}-rate-limit`;
    const id: Identity = { name: env.platform, instance: name, component: 'gateway', partOf: env.platform, version: env.version };
    new EnvoyFilter(this, 'rate-limit', {
      metadata: meta({ name, namespace: gw.namespace, id, wave: WAVE.routing }),
      spec: {
        workloadSelector: { labels: { app: gw.name } },
        // A relative insert (before the router) needs an order among EnvoyFilters (istioctl analyze IST0151).
        priority: 10,
        configPatches: [
          {
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
            match: {
              context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
              listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } },
            },
            patch: { operation: EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE, value: { name: filter, typed_config: typed({ stat_prefix: `${env.platform}_${env.name}_rate_limit` }) } },
          },
          ...hosts.map((host) => ({
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.VIRTUAL_UNDERSCORE_HOST,
            match: { context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY, routeConfiguration: { vhost: { name: `${host}:443` } } },
            patch: {
              operation: EnvoyFilterSpecConfigPatchesPatchOperation.MERGE,
              value: {
                typed_per_filter_config: {
                  [filter]: typed({
                    stat_prefix: `${env.platform}_${env.name}_rate_limit`,
                    token_bucket: { max_tokens: limit.burst, tokens_per_fill: limit.requestsPerSecond, fill_interval: '1s' },
                    filter_enabled: { runtime_key: 'local_rate_limit_enabled', ...always },
                    filter_enforced: { runtime_key: 'local_rate_limit_enforced', ...always },
                    response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
                  }),
                },
              },
            },
          })),
        ],
      },
    });
  }
}

/** DestinationRule subsets of a service with a canary (blue-green: `blue` and `green`). */
export const SUBSET = { stable: 'stable', canary: 'canary' } as const;

/**
 * Where requests to `s` go: its stable subset, or with a canary its two subsets
 * weighted `100 - weight` / `weight`, or blue-green all to the active colour's subset.
 */
export function destinations(s: Pick<ServiceModel, 'name' | 'namespace' | 'port' | 'canary' | 'blueGreen'>): NonNullable<VirtualServiceSpecHttp['route']> {
  const destination = (subset?: string) => ({ host: serviceHost(s), port: { number: s.port }, ...(subset ? { subset } : {}) });
  // Always by subset: the Service spans every track, the route picks one (so switching strategies moves only the route).
  if (s.blueGreen) return [{ destination: destination(s.blueGreen.active.colour) }];
  if (!s.canary) return [{ destination: destination(SUBSET.stable) }];
  return [
    { destination: destination(SUBSET.stable), weight: 100 - s.canary.weight },
    { destination: destination(SUBSET.canary), weight: s.canary.weight },
  ];
}

/** Destination, timeout and retries of every route to `s`. */
function routeTo(s: ServiceModel): Pick<VirtualServiceSpecHttp, 'route' | 'timeout' | 'retries'> {
  const r = s.retries;
  return {
    route: destinations(s),
    timeout: s.timeout,
    retries: r.attempts > 0 ? { attempts: r.attempts, perTryTimeout: r.perTryTimeout, retryOn: r.retryOn } : { attempts: 0 },
  };
}
