import { meshPodAnnotations, workloadPodSpec, type WorkloadContainer } from '../blocks/workload';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ANNOTATION, callerPods, COLOUR_LABEL, meta, scaledDeployment, selector, SERVER_COMPONENT, servicePods, TRACK_LABEL, type Identity } from '../blocks/meta';
import { MAX_SURGE_PERCENT } from '../catalogue/resources';
import { WAVE } from '../blocks/waves';
import { tmpVolume } from '../blocks/security';
import { zoneSpread } from '../blocks/scheduling';
import { contentHash } from '../blocks/hash';
import { preStopSleep } from '../blocks/newer-fields';
import { instrumentationAnnotations } from '../blocks/instrumentation';
import { METRICS_PORT_NAME, STORE_ENDPOINTS } from '../catalogue/stores';
import { addressEgress, externalEgress, dnsEgress, gatewayPeer, meshControlPlaneEgress, mergedMetricsServicePort, podsIn, prometheusIngressRule, tcp, telemetryEgress } from '../blocks/network';
import type { CanaryModel, ColourModel, EnvironmentModel, ExternalEndpoint, ServiceModel } from '../platform/model';
import { POD_FIELD_ENV } from '../platform/config';
import { PlatformChart } from './platform-chart';
import {
  VerticalPodAutoscaler,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMode,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../imports/vpa-autoscaling.k8s.io';

export interface ServiceProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** The service it renders (one of `env.services`). */
  readonly service: ServiceModel;
}

/** The identity of a platform service's objects. */
export function serviceIdentity(env: Pick<EnvironmentModel, 'platform'>, s: Pick<ServiceModel, 'name' | 'version'>): Identity {
  return { name: s.name, instance: s.name, component: SERVER_COMPONENT, partOf: env.platform, version: s.version };
}

/** The identity of one colour of a blue-green service: same name (and ServiceAccount), its own instance and version. */
export function colourIdentity(env: Pick<EnvironmentModel, 'platform'>, s: Pick<ServiceModel, 'name'>, colour: Pick<ColourModel, 'name' | 'version'>): Identity {
  return { name: s.name, instance: colour.name, component: SERVER_COMPONENT, partOf: env.platform, version: colour.version };
}

/** The identity of a service's canary track: same name (and ServiceAccount), its own instance and version. */
export function canaryIdentity(env: Pick<EnvironmentModel, 'platform'>, s: Pick<ServiceModel, 'name'>, canary: Pick<CanaryModel, 'name' | 'version'>): Identity {
  return { name: s.name, instance: canary.name, component: SERVER_COMPONENT, partOf: env.platform, version: canary.version };
}

/**
 * Everything one microservice needs in one environment: ServiceAccount,
 * ConfigMap, Deployment, Service, autoscaler, disruption budget and the
 * NetworkPolicy that admits exactly its declared callers.
 */
export class ServiceChart extends PlatformChart {
  /** The service's ServiceAccount (its mesh identity). */
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** The ConfigMap of `config:` (env vars via envFrom). */
  readonly config: k8s.KubeConfigMap;
  /** The stable track's Deployment (blue-green: the active colour's). */
  readonly deployment: k8s.KubeDeployment;
  /** The canary's Deployment, when the service runs a canary. */
  readonly canaryDeployment?: k8s.KubeDeployment;
  /** Blue-green: the idle colour's Deployment (warm, or scaled to zero). */
  readonly idleDeployment?: k8s.KubeDeployment;
  /** Blue-green: the Service `<service>-preview` over the idle colour's pods, for tests before a switch. */
  readonly previewService?: k8s.KubeService;
  /** The ClusterIP Service over both tracks (or both colours). */
  readonly service: k8s.KubeService;
  /** The CPU (and memory) HPA, when the service autoscales on resources. */
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The VerticalPodAutoscaler of the scaled Deployment, when `vpa` is recommend or auto. */
  readonly verticalAutoscaler?: VerticalPodAutoscaler;
  /** The stable track's PodDisruptionBudget, when it runs more than one pod. */
  readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy admitting exactly the declared callers and dependencies. */
  readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Its scheduled tasks (`cronJobs`), in spec order. */
  readonly cronJobs: readonly k8s.KubeCronJob[];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    const { env, service: s } = props;
    super(scope, id, { file: `${env.name}/services/${s.name}.yaml` });
    this.env = env;
    this.spec = s;
    this.identity = serviceIdentity(env, s);

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: this.meta(s.name, WAVE.foundation),
      automountServiceAccountToken: false,
    });
    this.config = new k8s.KubeConfigMap(this, 'config', { metadata: this.meta(`${s.name}-config`), data: { ...s.config } });

    const scaled = s.scaler === 'fixed' ? { replicas: s.replicas } : {};
    if (s.blueGreen) {
      // Two colours: the active one scales as the service does; the idle one is fixed (warm, or zero) and
      // comes after the routes (wave routing + 1), so a switch starts the new colour (wave services),
      // moves the traffic (wave routing) and only then scales the old one down.
      const { active, idle, idleReplicas } = s.blueGreen;
      this.deployment = this.addDeployment('deployment-active', { identity: colourIdentity(env, s, active), image: active.image, ...scaled, labels: { [COLOUR_LABEL]: active.colour } });
      const idleId = colourIdentity(env, s, idle);
      this.idleDeployment = this.addDeployment('deployment-idle', { identity: idleId, image: idle.image, replicas: idleReplicas, labels: { [COLOUR_LABEL]: idle.colour }, wave: WAVE.routing + 1 });
      // `<service>-idle` whichever colour is idle: a switch updates both budgets' selectors in place.
      if (idleReplicas > 1) this.addDisruptionBudget('idle-disruption-budget', idleId, `${s.name}-idle`);
      this.previewService = this.addService(s.blueGreen.preview, selector(idleId), { ...idleId, instance: s.blueGreen.preview });
    } else {
      this.deployment = this.addDeployment('deployment', { identity: this.identity, image: s.image, ...scaled });
    }
    if (s.canary) {
      // The canary: a fixed, explicitly sized comparison group. No HPA or KEDA (its load is
      // its traffic weight, and an autoscaler would change the group being compared); a PDB
      // only with more than one replica, as for the stable track.
      const cid = canaryIdentity(env, s, s.canary);
      this.canaryDeployment = this.addDeployment('canary-deployment', { identity: cid, image: s.canary.image, replicas: s.canary.replicas, labels: { [TRACK_LABEL]: 'canary' } });
      if (s.canary.replicas > 1) this.addDisruptionBudget('canary-disruption-budget', cid);
    }
    this.service = this.addService(s.name, servicePods(s), this.identity);
    if (s.scaler === 'hpa' && s.autoscaling) this.autoscaler = this.addAutoscaler(s.autoscaling);
    if (s.vpa !== 'off') this.verticalAutoscaler = this.addVerticalAutoscaler(s.vpa);
    // Named after the service whatever track it covers: moving to blue-green (or switching colours) updates its
    // selector in place, so no budget outlives its pods' Deployment (the controller warns of pods without one).
    if (s.replicas > 1) this.disruptionBudget = this.addDisruptionBudget('disruption-budget', s.blueGreen ? colourIdentity(env, s, s.blueGreen.active) : this.identity, s.name);
    this.networkPolicy = this.addNetworkPolicy();
    this.cronJobs = s.cronJobs.map((c) => this.addCronJob(c));
  }

  private readonly env: EnvironmentModel;
  private readonly spec: ServiceModel;
  private readonly identity: Identity;

  private meta(name: string, wave: number = WAVE.services) {
    return meta({ name, namespace: this.spec.namespace, id: this.identity, wave });
  }

  /** One track's Deployment (the stable one, or the canary). */
  private addDeployment(cid: string, track: DeploymentTrack): k8s.KubeDeployment {
    const { env, spec: s } = this;
    const ns = s.namespace;
    const configName = `${s.name}-config`;
    const { env: podEnv, secretEnv, volumes: secretVolumes, mounts: secretMounts } = this.podInputs();
    const tmp = tmpVolume();
    const ownVolumes: k8s.Volume[] = s.volumes.map((v) =>
      v.emptyDir
        ? { name: v.name, emptyDir: { sizeLimit: k8s.Quantity.fromString(v.emptyDir.sizeLimit), ...(v.emptyDir.medium ? { medium: v.emptyDir.medium } : {}) } }
        : { name: v.name, configMap: { name: v.configMap!, defaultMode: 0o440 } },
    );
    const readOnly = (volume: string) => !!s.volumes.find((v) => v.name === volume)?.configMap;
    const ownMounts = s.volumes.flatMap((v) => (v.path ? [{ name: v.name, mountPath: v.path, ...(v.configMap ? { readOnly: true } : {}) }] : []));
    // Init containers and sidecars: the service's configuration and secrets, /tmp, the volumes they name.
    const extra = (c: ServiceModel['initContainers'][number], sidecar: boolean): WorkloadContainer => ({
      name: c.name,
      image: c.image ?? track.image,
      ...(c.command ? { command: [...c.command] } : {}),
      ...(c.args ? { args: [...c.args] } : {}),
      ...(sidecar ? { restartPolicy: 'Always' } : {}),
      envFrom: [{ configMapRef: { name: configName } }],
      env: [...secretEnv, ...Object.entries(c.env).map(([name, value]) => ({ name, value }))],
      resources: c.resources,
      volumeMounts: [tmp.mount, ...c.mounts.map((m) => ({ name: m.volume, mountPath: m.path, ...(m.readOnly || readOnly(m.volume) ? { readOnly: true } : {}) }))],
    });
    const ports = [{ name: 'http', containerPort: s.port, protocol: 'TCP' }];
    if (s.metrics.port !== s.port) ports.push({ name: METRICS_PORT_NAME, containerPort: s.metrics.port, protocol: 'TCP' });
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });

    const trackMatch = selector(track.identity);
    const d = new k8s.KubeDeployment(this, cid, {
      metadata: meta({ name: track.identity.instance, namespace: ns, id: track.identity, wave: track.wave ?? WAVE.services, ...(track.labels ? { labels: track.labels } : {}), annotations: s.annotations }),
      spec: {
        // An autoscaler owns the count: leaving replicas out stops every sync from resetting it.
        ...(track.replicas !== undefined ? { replicas: track.replicas } : {}),
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: trackMatch },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromString(`${MAX_SURGE_PERCENT}%`), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: {
            labels: meta({ name: track.identity.instance, id: track.identity, wave: WAVE.services, ...(track.labels ? { labels: track.labels } : {}) }).labels,
            annotations: {
              ...s.podAnnotations,
              [ANNOTATION.configChecksum]: contentHash(s.config),
              // The proxy stays through the preStop sleep (callers may pause their connections while endpoints drain) and
              // 5 s of shutdown; the app's metrics reach Prometheus merged with Envoy's on 15020 (the app port stays mTLS-only).
              // With init containers or sidecars the proxy starts first (a native sidecar), so they reach what the service may.
              ...meshPodAnnotations({ defaultContainer: s.name, proxy: s.shutdown.preStopSeconds + 5, metrics: s.metrics, nativeSidecar: s.initContainers.length + s.sidecars.length > 0 }),
              ...instrumentationAnnotations(env, s),
            },
          },
          spec: workloadPodSpec({
            // Both tracks run as the service's account: one mesh identity, one set of callers.
            serviceAccount: s.name,
            terminationGracePeriodSeconds: s.shutdown.gracePeriodSeconds,
            placement: zoneSpread(env, trackMatch),
            initContainers: [...s.sidecars.map((c) => extra(c, true)), ...s.initContainers.map((c) => extra(c, false))],
            containers: [
              {
                name: s.name,
                image: track.image,
                ports,
                envFrom: [{ configMapRef: { name: configName } }],
                env: podEnv,
                resources: s.resources,
                startupProbe: probe(s.health.startup, 2, 30),
                readinessProbe: probe(s.health.readiness, 5, 3),
                livenessProbe: probe(s.health.liveness, 10, 3),
                volumeMounts: [tmp.mount, ...secretMounts, ...ownMounts],
              },
            ],
            volumes: [tmp.volume, ...secretVolumes, ...ownVolumes],
          }),
        },
      },
    });
    // Serving on while the endpoints' removal spreads, with no `sleep` binary needed in the image.
    if (s.shutdown.preStopSeconds > 0) preStopSleep(d, '/spec/template/spec/containers/0', s.shutdown.preStopSeconds);
    return d;
  }

  private addDisruptionBudget(cid: string, id: Identity, name: string = id.instance): k8s.KubePodDisruptionBudget {
    return new k8s.KubePodDisruptionBudget(this, cid, {
      metadata: meta({ name, namespace: this.spec.namespace, id, wave: WAVE.services }),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector(id) },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }

  /** A ClusterIP Service: the service's own (over every track or colour), or the preview of the idle colour. */
  private addService(name: string, pods: Record<string, string>, id: Identity): k8s.KubeService {
    const s = this.spec;
    // `http-metrics` → 15020: the pods' merged metrics, what the ServiceMonitor scrapes (it selects the service's own Service by instance, never the preview).
    const servicePorts = [{ name: 'http', port: s.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }, mergedMetricsServicePort()];
    const m = meta({ name, namespace: s.namespace, id, wave: WAVE.services });
    return new k8s.KubeService(this, name === s.name ? 'service' : 'preview-service', {
      metadata: { ...m, annotations: { ...s.annotations, ...m.annotations } },
      // Both tracks when there is a canary, both colours when blue-green (the mesh routes by subset); a Service selector may change in place.
      spec: { type: 'ClusterIP', selector: pods, ports: servicePorts },
    });
  }

  private addAutoscaler(a: NonNullable<ServiceModel['autoscaling']>): k8s.KubeHorizontalPodAutoscalerV2 {
    const s = this.spec;
    const utilization = (resource: 'cpu' | 'memory', averageUtilization: number) => ({
      type: 'Resource',
      resource: { name: resource, target: { type: 'Utilization', averageUtilization } },
    });
    return new k8s.KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
      metadata: this.meta(s.name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: scaledDeployment(s) },
        minReplicas: a.minReplicas,
        maxReplicas: a.maxReplicas,
        metrics: [
          utilization('cpu', a.targetCPUUtilization),
          ...(a.targetMemoryUtilization !== undefined ? [utilization('memory', a.targetMemoryUtilization)] : []),
        ],
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
        },
      },
    });
  }

  /**
   * The VPA of the scaled Deployment (blue-green: the active colour; a canary or an idle colour is a fixed
   * group, as for the HPA). Only the service's own container, between its tier's requests and limits,
   * requests only: the limits stay the tier's, so the quota (which counts a controlled container's
   * requests at that maximum, blocks/footprint.ts) and the LimitRange hold whatever it recommends.
   * `auto` applies by eviction (`Recreate`: in-place resize needs Kubernetes 1.33), PDBs respected.
   */
  private addVerticalAutoscaler(mode: 'recommend' | 'auto'): VerticalPodAutoscaler {
    const s = this.spec;
    const Max = VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed;
    const Min = VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed;
    return new VerticalPodAutoscaler(this, 'vertical-autoscaler', {
      metadata: this.meta(s.name),
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: scaledDeployment(s) },
        updatePolicy: { updateMode: mode === 'auto' ? VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.RECREATE : VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF },
        resourcePolicy: {
          containerPolicies: [
            {
              containerName: s.name,
              controlledResources: ['cpu', 'memory'],
              controlledValues: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues.REQUESTS_ONLY,
              minAllowed: { cpu: Min.fromString(s.resources.requests.cpu), memory: Min.fromString(s.resources.requests.memory) },
              maxAllowed: { cpu: Max.fromString(s.resources.limits.cpu), memory: Max.fromString(s.resources.limits.memory) },
            },
            // Init containers, sidecars and the injected proxy keep their sizes.
            { containerName: '*', mode: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMode.OFF },
          ],
        },
      },
    });
  }

  private addNetworkPolicy(): k8s.KubeNetworkPolicy {
    const { env, spec: s } = this;
    const ns = s.namespace;
    const callers = [
      ...s.callers.map((caller) => ({
        from: callerPods(env.serviceIndex.get(caller) ?? { name: caller }).map((pods) => podsIn(ns, pods)),
        ports: tcp(s.port),
      })),
      // Callers of peer platforms (`peers`), in their namespaces: their own spec renders their egress.
      ...s.peerCallers.map((p) => ({ from: callerPods(p.service).map((pods) => podsIn(p.service.namespace, pods)), ports: tcp(s.port) })),
    ];
    return new k8s.KubeNetworkPolicy(this, 'network-policy', {
      metadata: this.meta(s.name, WAVE.foundation),
      spec: {
        podSelector: { matchLabels: servicePods(s) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          ...callers,
          ...(s.route ? [{ from: [gatewayPeer(env)], ports: tcp(s.port) }] : []),
          prometheusIngressRule(env),
        ],
        egress: this.egressRules(),
      },
    });
  }

  /**
   * What every container running as the service gets besides its ConfigMap: the pod's own fields, the
   * stores' credentials and the service's secrets as variables (`env`; `secretEnv` without the pod
   * fields), and its secret files (read-only, readable by the pod's group only).
   */
  private podInputs(): { env: k8s.EnvVar[]; secretEnv: k8s.EnvVar[]; volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
    const s = this.spec;
    const secretEnv: k8s.EnvVar[] = [
      ...Object.entries(s.storeSecrets).map(([envName, ref]) => ({ name: envName, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } })),
      ...s.secrets.flatMap((x) => ('env' in x ? [{ name: x.env, valueFrom: { secretKeyRef: { name: x.secret, key: x.key, ...(x.optional ? { optional: true } : {}) } } }] : [])),
    ];
    const files = s.secrets.flatMap((x) => ('mount' in x ? [x] : []));
    return {
      env: [...Object.entries(POD_FIELD_ENV).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })), ...secretEnv],
      secretEnv,
      volumes: files.map((x, k) => ({
        name: `secret-${k}`,
        secret: { secretName: x.secret, defaultMode: 0o440, ...(x.items ? { items: x.items.map((key) => ({ key, path: key })) } : {}), ...(x.optional ? { optional: true } : {}) },
      })),
      mounts: files.map((x, k) => ({ name: `secret-${k}`, mountPath: x.mount, readOnly: true })),
    };
  }

  /** Where the service's pods (and its CronJobs') may connect: what it depends on, its external hosts, DNS, telemetry, istiod. */
  private egressRules(): k8s.NetworkPolicyEgressRule[] {
    const { env, spec: s } = this;
    const depServices = [
      ...s.dependsOn.services.map((dep) => {
        const target = env.serviceIndex.get(dep)!;
        return { to: [podsIn(s.namespace, servicePods(target))], ports: tcp(target.port) };
      }),
      // A peer platform's services: its spec renders their ingress and mesh authorization.
      ...s.peerCalls.map((p) => ({ to: [podsIn(p.service.namespace, servicePods(p.service))], ports: tcp(p.service.port) })),
    ];
    // Stores in the cluster; a managed one is in `egress` (its endpoint, and its addresses when the spec gives them).
    const depStores = s.dependsOn.stores
      .filter((store) => env.stores.some((x) => x.kind === store))
      .flatMap((store) => {
        const ep = STORE_ENDPOINTS[store];
        return [
          { to: [podsIn(env.dataNamespace, { 'app.kubernetes.io/name': ep.appName })], ports: tcp(...ep.clientPorts.map((p) => p.port)) },
          // Its proxy (Redis: redis-master), which the clients' REDIS_HOST names.
          ...(ep.proxy ? [{ to: [podsIn(env.dataNamespace, { 'app.kubernetes.io/name': ep.proxy.appName })], ports: tcp(ep.proxy.port) }] : []),
        ];
      });
    const ports = (list: readonly ExternalEndpoint[]) => [...new Set(list.map((e) => e.port))].sort((a, b) => a - b);
    const publicEgress = s.egress.filter((e) => !e.cidrs);
    const byCidrs = new Map<string, ExternalEndpoint[]>();
    for (const e of s.egress.filter((x) => x.cidrs)) byCidrs.set(e.cidrs!.join(','), [...(byCidrs.get(e.cidrs!.join(',')) ?? []), e]);
    return [
      ...depServices,
      ...depStores,
      ...(publicEgress.length ? [externalEgress(ports(publicEgress))] : []),
      ...[...byCidrs].map(([cidrs, list]) => addressEgress(cidrs.split(','), ports(list))),
      dnsEgress(),
      telemetryEgress(env),
      meshControlPlaneEgress(env),
    ];
  }

  /**
   * A scheduled task as the service: its account, configuration, secrets and security context; one run
   * at a time, no retry within a run; the proxy a native sidecar (stopped when the task exits, so the
   * Job completes). Its pods are the service's by name and the task's by instance: the Service, the
   * autoscaler and the budget never select them. Its own NetworkPolicy: the service's egress, no ingress.
   */
  private addCronJob(c: ServiceModel['cronJobs'][number]): k8s.KubeCronJob {
    const { env, spec: s } = this;
    const id: Identity = { name: s.name, instance: c.name, component: 'cronjob', partOf: env.platform, version: c.version };
    const { env: containerEnv, volumes, mounts } = this.podInputs();
    const tmp = tmpVolume();
    const cron = new k8s.KubeCronJob(this, `cron-job-${c.job}`, {
      metadata: meta({ name: c.name, namespace: s.namespace, id, wave: WAVE.services }),
      spec: {
        schedule: c.schedule,
        timeZone: c.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: meta({ name: c.name, id, wave: WAVE.services }).labels },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: c.activeDeadlineSeconds,
            template: {
              metadata: {
                labels: meta({ name: c.name, id, wave: WAVE.services }).labels,
                annotations: { ...s.podAnnotations, ...meshPodAnnotations({ defaultContainer: c.job, proxy: 'hold', nativeSidecar: true }), ...instrumentationAnnotations(env, s) },
              },
              spec: workloadPodSpec({
                restartPolicy: 'Never',
                serviceAccount: s.name,
                containers: [
                  {
                    name: c.job,
                    image: c.image,
                    command: [...c.command],
                    ...(c.args ? { args: [...c.args] } : {}),
                    envFrom: [{ configMapRef: { name: `${s.name}-config` } }],
                    env: containerEnv,
                    resources: c.resources,
                    volumeMounts: [tmp.mount, ...mounts],
                  },
                ],
                volumes: [tmp.volume, ...volumes],
              }),
            },
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, `cron-job-${c.job}-network-policy`, {
      metadata: meta({ name: c.name, namespace: s.namespace, id, wave: WAVE.foundation }),
      spec: { podSelector: { matchLabels: selector(id) }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: this.egressRules() },
    });
    return cron;
  }
}

interface DeploymentTrack {
  readonly identity: Identity;
  readonly image: string;
  /** Absent: an autoscaler owns the count. */
  readonly replicas?: number;
  readonly labels?: Record<string, string>;
  /** @default WAVE.services */
  readonly wave?: number;
}

