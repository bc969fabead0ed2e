import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { contentHash } from '../../blocks/hash';
import { ANNOTATION, LABEL, meta, selector, type Identity } from '../../blocks/meta';
import { WAVE } from '../../blocks/waves';
import { disruptionBudget, METRICS_PORT_NAME, metricsService, prometheusIngress, secretEnv, storeService, workloadNetworkPolicy, workloadServiceAccount } from '../../blocks/stateful';
import { podsIn, tcp } from '../../blocks/network';
import { zoneSpread } from '../../blocks/scheduling';
import { meshPodAnnotations, workloadPodSpec } from '../../blocks/workload';
import { SIDECAR_RESOURCES } from '../../catalogue/resources';
import type { StoreClient } from '../../blocks/store-clients';
import type { EnvironmentModel, StoreModel } from '../../platform/model';
import { REDIS_MASTER, REDIS_MASTER_METRICS, REDIS_PORT } from './catalogue';

/** HAProxy, the official image (Debian bookworm, user `haproxy` 99, STOPSIGNAL SIGUSR1: a graceful stop). */
export const HAPROXY_VERSION = '2.8.10';
export const HAPROXY_IMAGE = `docker.io/library/haproxy:${HAPROXY_VERSION}-bookworm`;
export const HAPROXY_UID = 99;
/** Its HTTP port: /ready (200 while exactly one node is up, the master; 503 otherwise: HAProxy's monitor-uri) and /metrics. */
export const PROXY_HEALTH_PORT = REDIS_MASTER_METRICS.port;

export interface RedisMasterProxyProps {
  readonly env: EnvironmentModel;
  /** The `redis` store of this environment. */
  readonly store: StoreModel;
  /** The nodes' StatefulSet (its pods are `<name>-<i>`), headless Service and the Secret with their `password`. */
  readonly nodes: { readonly name: string; readonly headless: string; readonly secret: string };
  /** Who may connect (the store's client services); their pods are admitted on 6379. */
  readonly clients: readonly StoreClient[];
}

/**
 * haproxy.cfg: one backend of every node, each checked every second with
 * AUTH, PING and `INFO replication` — only the node answering `role:master` is
 * up, so `redis-master:6379` reaches the master and nothing else (a replica
 * would answer writes with READONLY). A node that stops being the master is
 * marked down at its next check and its client connections are cut
 * (`on-marked-down shutdown-sessions`), so clients reconnect, to the new master
 * once it passes two checks. Node names are resolved through the cluster DNS at
 * run time (a node that does not exist yet is simply down). The AUTH command is
 * sent as bytes (`AUTH_HEX`, from the Secret at start), so no password can
 * break the check. Port 8404 answers /ready with 503 unless exactly one node
 * is up: before the first checks (servers start up) and while two say master.
 */
export function haproxyConfig(p: { replicas: number; nodeName: string; headless: string; namespace: string }): string {
  const servers = Array.from({ length: p.replicas }, (_, i) => {
    const host = `${p.nodeName}-${i}.${p.headless}.${p.namespace}.svc.cluster.local`;
    return `  server ${p.nodeName}-${i} ${host}:${REDIS_PORT} check resolvers cluster init-addr none`;
  });
  return `global
  maxconn 4096
  log stdout format raw local0 info
  # A stop (SIGUSR1, the image's STOPSIGNAL; or the pod's SIGTERM) closes what clients still hold after 20 s.
  hard-stop-after 20s

defaults
  mode tcp
  log global
  option tcplog
  timeout connect 3s
  # Redis clients hold connections for long (pools, blocking commands, pub/sub).
  timeout client 24h
  timeout server 24h
  timeout check 2s

resolvers cluster
  parse-resolv-conf
  hold valid 1s
  hold nx 1s
  hold obsolete 1s
  timeout resolve 1s
  timeout retry 1s

frontend redis
  bind :${REDIS_PORT}
  default_backend master

frontend health
  mode http
  bind :${PROXY_HEALTH_PORT}
  timeout client 5s
  monitor-uri /ready
  # Exactly one node up: servers start up before their first check, and a second one up is a master
  # Sentinel has not yet demoted. Not ready then, so no new client is sent here.
  monitor fail if !{ nbsrv(master) eq 1 }
  http-request use-service prometheus-exporter if { path ${REDIS_MASTER_METRICS.path} }

backend master
  option tcp-check
  tcp-check connect
  tcp-check send-binary "\${AUTH_HEX}"
  tcp-check expect string +OK
  tcp-check send PING\\r\\n
  tcp-check expect string +PONG
  tcp-check send info\\ replication\\r\\n
  tcp-check expect string role:master
  tcp-check send QUIT\\r\\n
  tcp-check expect string +OK
  default-server inter 1s fall 1 rise 2 on-marked-down shutdown-sessions
${servers.join('\n')}
`;
}

/** sh: the AUTH command of the Secret's password as RESP bytes in hex (its length in bytes), then HAProxy in the foreground. */
export const HAPROXY_START = `set -eu
export LC_ALL=C
AUTH_HEX="$(printf '*2\\r\\n$4\\r\\nAUTH\\r\\n$%d\\r\\n%s\\r\\n' "\${#REDIS_PASSWORD}" "$REDIS_PASSWORD" | od -An -v -tx1 | tr -d ' \\n')"
export AUTH_HEX
unset REDIS_PASSWORD
exec haproxy -db -f /usr/local/etc/haproxy/haproxy.cfg
`;

/**
 * The Redis master endpoint (`redis-master`): HAProxy in front of the nodes,
 * so a client that is not Sentinel-aware gets the same REDIS_HOST/REDIS_PORT
 * in the cluster as from a managed Redis's primary endpoint, and reaches the
 * master through failovers (it reconnects when its connection is cut). Two
 * replicas where there are several nodes (zone-spread, one at a time
 * disrupted), one otherwise; its own ServiceAccount (the nodes admit it on
 * 6379), Service, metrics Service (HAProxy's exporter, merged on 15020),
 * NetworkPolicy (the client services in on 6379, Prometheus on 15020; out to
 * the nodes on 6379) and a rolling update that keeps one ready.
 */
export class RedisMasterProxy extends Construct {
  /** The HAProxy Deployment. */
  readonly deployment: k8s.KubeDeployment;
  /** The `redis-master` Service the clients' REDIS_HOST names. */
  readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: RedisMasterProxyProps) {
    super(scope, id);
    const { env, store, nodes } = props;
    const ns = store.namespace;
    const ident: Identity = { name: REDIS_MASTER, instance: REDIS_MASTER, component: 'proxy', partOf: env.platform, version: HAPROXY_VERSION };
    const replicas = store.replicas > 1 ? 2 : 1;
    const config = { 'haproxy.cfg': haproxyConfig({ replicas: store.replicas, nodeName: nodes.name, headless: nodes.headless, namespace: ns }), 'start.sh': HAPROXY_START };
    workloadServiceAccount(this, 'service-account', { name: REDIS_MASTER, namespace: ns, id: ident });
    new k8s.KubeConfigMap(this, 'config', { metadata: meta({ name: `${REDIS_MASTER}-config`, namespace: ns, id: ident, wave: WAVE.data }), data: config });
    const podSpec = workloadPodSpec({
      serviceAccount: REDIS_MASTER,
      uid: HAPROXY_UID,
      placement: zoneSpread(env, selector(ident)),
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'haproxy',
          image: HAPROXY_IMAGE,
          command: ['sh', '/usr/local/etc/haproxy/start.sh'],
          env: [secretEnv('REDIS_PASSWORD', nodes.secret, 'password')],
          ports: [
            { name: 'tcp-redis', containerPort: REDIS_PORT, protocol: 'TCP' },
            { name: METRICS_PORT_NAME, containerPort: PROXY_HEALTH_PORT, protocol: 'TCP' },
          ],
          resources: SIDECAR_RESOURCES,
          readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromNumber(PROXY_HEALTH_PORT) }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2 },
          livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(PROXY_HEALTH_PORT) }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
          volumeMounts: [{ name: 'config', mountPath: '/usr/local/etc/haproxy', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: `${REDIS_MASTER}-config` } }],
    });
    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: meta({ name: REDIS_MASTER, namespace: ns, id: ident, wave: WAVE.data }),
      spec: {
        replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector(ident) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: {
            labels: meta({ name: REDIS_MASTER, id: ident, wave: WAVE.data }).labels,
            annotations: { [ANNOTATION.configChecksum]: contentHash(config), ...meshPodAnnotations({ defaultContainer: 'haproxy', proxy: 5, metrics: REDIS_MASTER_METRICS }) },
          },
          spec: podSpec,
        },
      },
    });
    this.service = storeService(this, 'service', { name: REDIS_MASTER, namespace: ns, id: ident, ports: [{ name: 'tcp-redis', port: REDIS_PORT }] });
    metricsService(this, { store, id: ident, metrics: REDIS_MASTER_METRICS });
    if (replicas > 1) disruptionBudget(this, 'disruption-budget', { name: REDIS_MASTER, namespace: ns, id: ident });
    workloadNetworkPolicy(this, 'network-policy', {
      env,
      name: REDIS_MASTER,
      namespace: ns,
      id: ident,
      ingress: [...props.clients.map((c) => ({ from: [podsIn(c.namespace, c.pods)], ports: tcp(REDIS_PORT) })), prometheusIngress(env)],
      egress: [{ namespace: ns, labels: { [LABEL.name]: nodes.name }, ports: [REDIS_PORT] }],
    });
  }
}
