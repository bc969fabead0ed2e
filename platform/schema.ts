import { z } from 'zod';
import { ADDON_NAMES } from '../catalogue/addons';
import { TIERS } from '../catalogue/resources';
import { DATA_STORES, DEPENDABLE_STORES, STORE_CATALOGUE, STORE_REQUIRES, type DataStoreName } from '../catalogue/stores';
import { CANARY_SUFFIX, COLOURS, RESERVED_ANNOTATION_PREFIXES } from '../catalogue/names';
import { didYouMean, suggestion } from './problems';
import { platformEnvNames, serviceUrlVar } from './config';
import { credentialLiteral } from '../catalogue/credentials';
import { ACCESS_LEVEL_DOC, ACCESS_LEVELS } from '../catalogue/access';

/**
 * The platform spec: the one schema that validates `platform.yaml` and is the
 * TypeScript type the model is built from. `platform.schema.json` is generated
 * from it (`npm run schema`) so editors can complete the file.
 */

/** DNS-1123 label, at most 52 characters (leaves room for suffixes such as `-read`, `-headless`). */
export const MAX_NAME_LENGTH = 52;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsName = (what = 'name') =>
  z
    .string()
    .regex(DNS_LABEL, { error: (iss) => `${what} must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending alphanumeric), got '${String(iss.input)}'` })
    .max(MAX_NAME_LENGTH, { error: (iss) => `${what} must be at most ${MAX_NAME_LENGTH} characters, got ${String(iss.input).length} ('${String(iss.input)}')` });

const portError = { error: (iss: { input?: unknown }) => `must be 1–65535, got ${String(iss.input)}` };
const port = z.number().int(portError).min(1, portError).max(65535, portError);

/** Ports the Istio sidecar itself listens on or never captures: an application must not use them. */
export const ISTIO_RESERVED_PORTS = [15000, 15001, 15004, 15006, 15008, 15009, 15010, 15012, 15014, 15017, 15020, 15021, 15053, 15090] as const;
const appPort = port.refine((v) => !(ISTIO_RESERVED_PORTS as readonly number[]).includes(v), {
  error: (iss) => `${String(iss.input)} is reserved by the Istio sidecar (${ISTIO_RESERVED_PORTS.join(', ')})`,
});

/** `registry/repo:tag` (or pinned by digest); never `latest`, never untagged. */
const image = z.string().check((ctx) => {
  const v = ctx.value;
  const digest = v.includes('@sha256:');
  const lastSlash = v.lastIndexOf('/');
  const tagAt = v.lastIndexOf(':');
  const tag = tagAt > lastSlash ? v.slice(tagAt + 1) : '';
  if (!digest && tag === '') {
    ctx.issues.push({ code: 'custom', input: v, message: `image must be registry/repo:tag with an explicit tag, got '${v}'` });
  } else if (!digest && tag === 'latest') {
    ctx.issues.push({ code: 'custom', input: v, message: `image tag 'latest' is not allowed (pin a version), got '${v}'` });
  } else if (!/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(v)) {
    ctx.issues.push({ code: 'custom', input: v, message: `image must look like registry/repo:tag, got '${v}'` });
  }
});

const quantity = (what: string) =>
  z.string().regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|m|k|M|G|T)?$/, { message: `${what} must be a Kubernetes quantity such as 10Gi` });

const httpPath = z.string().regex(/^\/[\x21-\x7e]*$/, { message: "must be an absolute HTTP path starting with '/'" });

export const tier = z.enum(TIERS);


/** `static`: a web server of built files (nginx serving a React build…): no auto-instrumentation, the mesh traces it. */
export const RUNTIMES = ['nodejs', 'go', 'python', 'java', 'dotnet', 'static'] as const;

const percent = z.number().int().min(1).max(100);


/**
 * `app.kubernetes.io/name` values of pods the platform itself runs next to
 * the services (data stores, their hook Jobs, the OpenTelemetry collector).
 * A service's pods are selected by its name alone (every track), so it must not share one.
 */
export const NON_SERVICE_POD_NAMES: readonly string[] = [
  ...DATA_STORES.flatMap((k) => [STORE_CATALOGUE[k].endpoint.appName, ...(STORE_CATALOGUE[k].otherPods ?? [])]),
  'otel-collector',
];

/** An Envoy/Istio duration such as `250ms`, `5s` or `1m`. */
const duration = z.string().regex(/^[0-9]+(ms|s|m)$/, { message: 'must be a duration such as 250ms, 5s or 1m' });

/** Where the gateway's TLS certificate comes from: a cert-manager issuer, or a self-signed one rendered per environment. */
const certificateIssuer = z.union([
  z.literal('self-signed'),
  z.strictObject({
    kind: z.enum(['ClusterIssuer', 'Issuer']).default('ClusterIssuer').describe('An Issuer must live in the ingress gateway namespace.'),
    name: dnsName('issuer name'),
  }),
]);
export const DEFAULT_CERTIFICATE_ISSUER = { kind: 'ClusterIssuer', name: 'letsencrypt-prod' } as const;

export const DEFAULT_RETRIES = { attempts: 2, perTryTimeout: '5s', retryOn: 'connect-failure,refused-stream,unavailable' } as const;
/** The platform's SLO (README: p95 latency > 200 ms, error rate > 1 % alert); a service may set its own. */
export const DEFAULT_SLO = { latencyP95Ms: 200, errorRatePercent: 1 } as const;

const autoscaling = z
  .strictObject({
    minReplicas: z.number().int().min(1).describe('Lower bound of the HorizontalPodAutoscaler.'),
    maxReplicas: z.number().int().min(1).describe('Upper bound of the HorizontalPodAutoscaler.'),
    targetCPUUtilization: percent.default(70).describe('Average CPU utilisation target, % of requests.'),
    targetMemoryUtilization: percent.optional().describe('Average memory utilisation target, % of requests; absent = CPU only.'),
  })
  .check((ctx) => {
    if (ctx.value.minReplicas > ctx.value.maxReplicas) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['minReplicas'], message: `autoscaling minReplicas (${ctx.value.minReplicas}) must not exceed maxReplicas (${ctx.value.maxReplicas})` });
    }
  });

/** What the backups of an environment keep when the spec says nothing (`backups.retentionDays`, `backups.postgres.fullEveryHours`). */
export const DEFAULT_BACKUPS = { retentionDays: 7 } as const;

const hostName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, { error: (iss) => `must be a DNS host name such as s3.eu-west-1.amazonaws.com, got '${String(iss.input)}'` });
const cidr = z.string().regex(/^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$/, { error: (iss) => `must be an IPv4 CIDR such as 10.20.0.0/16, got '${String(iss.input)}'` });

const backups = z
  .strictObject({
    objectStore: z
      .strictObject({
        endpoint: hostName.describe('S3 endpoint host (AWS: s3.<region>.amazonaws.com; any S3-compatible store speaking TLS).'),
        port: port.default(443).describe('TLS port of the endpoint.'),
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (iss) => `must be an S3 bucket name (3–63 lower-case letters, digits, '.' and '-'), got '${String(iss.input)}'` })
          .describe('The bucket; every store writes under /<platform>/<environment>/<store>.'),
        region: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be a region such as eu-west-1' }).default('us-east-1').describe('The S3 region requests are signed for.'),
        uriStyle: z.enum(['host', 'path']).default('host').describe('host: <bucket>.<endpoint> (AWS); path: <endpoint>/<bucket> (most self-hosted stores).'),
        credentialsSecret: dnsName('Secret name')
          .default('backup-credentials')
          .describe('Secret in the data namespace with `access-key-id` and `secret-access-key` (an operator creates it, e.g. as a SealedSecret).'),
        cidrs: z
          .array(cidr)
          .min(1)
          .optional()
          .describe('Addresses of the object store, for the backups\' NetworkPolicy egress; @default any public address (a NetworkPolicy cannot name a host; the Istio ServiceEntry narrows it to `endpoint`).'),
      })
      .describe('The S3-compatible bucket every store of this environment backs up to (each under its own prefix).'),
    retentionDays: z.number().int().min(1).max(365).default(DEFAULT_BACKUPS.retentionDays).describe('How far back a restore can go: backups and WAL older than this (beyond the newest full backup before it) are expired.'),
    // Each backed-up store kind's interval, as its catalogue entry states it.
    ...Object.fromEntries(
      DATA_STORES.flatMap((k) => {
        const b = STORE_CATALOGUE[k].backupInterval;
        if (!b) return [];
        return [
          [
            k,
            z
              .strictObject({ [b.key]: z.number().int().min(1).max(b.maxHours).default(b.defaultHours).describe(b.description) })
              .default({ [b.key]: b.defaultHours })
              .describe(`How often ${STORE_CATALOGUE[k].title} is backed up.`),
          ],
        ];
      }),
    ),
  })
  .describe('Backups of the data stores to an object store: PostgreSQL (pgBackRest: WAL archiving + base backups, point-in-time restore) and Redis (RDB snapshots). Absent = no backups.');

const environment = z.strictObject({
  namespace: dnsName('namespace').describe('Namespace of the services of this environment.'),
  dataNamespace: dnsName('namespace').optional().describe('Namespace of the data stores; @default the same as `namespace`.'),
  replicas: z.number().int().min(1).max(100).describe('Replicas per service when autoscaling is off; the floor when it is on.'),
  resourceTier: tier.optional().describe('Forces every service to this tier (e.g. small in dev); @default each service’s own tier.'),
  autoscaling: autoscaling.optional().describe('HorizontalPodAutoscaler bounds; absent = fixed replicas.'),
  zones: z.array(z.string().min(1)).default([]).describe('Availability zones pods are spread over; empty = no zone spread.'),
  cluster: z
    .strictObject({
      name: dnsName('cluster name').default('in-cluster'),
      server: z.url().default('https://kubernetes.default.svc'),
    })
    .default({ name: 'in-cluster', server: 'https://kubernetes.default.svc' })
    .describe('Where Argo CD deploys this environment.'),
  clusters: z
    .array(
      z.strictObject({
        name: dnsName('cluster name').describe('Name of the cluster as registered in Argo CD; part of the generated Application name.'),
        server: z.url().describe('API server URL of the cluster (as in `argocd cluster list`).'),
        region: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a region name such as eu-west-1' }).optional().describe('Region label of the cluster, for the ApplicationSet and the diagram.'),
      }),
    )
    .min(1)
    .optional()
    .describe('Several clusters (regions) that all run this environment: rendered as one Argo CD ApplicationSet with a list generator instead of one Application; replaces `cluster`. @default one cluster, `cluster`'),
  host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a DNS host name' }).optional().describe('Public host of the ingress gateway in this environment.'),
  tracingSampling: z.number().min(0).max(100).optional().describe('Percentage of requests traced (mesh and auto-instrumentation); @default 100 in an environment named `dev`, 10 elsewhere.'),
  certificateIssuer: certificateIssuer
    .default({ ...DEFAULT_CERTIFICATE_ISSUER })
    .describe("cert-manager issuer of the gateway's TLS certificate, or 'self-signed'; @default ClusterIssuer letsencrypt-prod"),
  backups: backups.optional(),
  extraManifests: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { error: (iss) => `must be a folder relative to the spec such as manifests/prod, got '${String(iss.input)}'` })
    .optional()
    .describe("A folder (relative to the spec) of YAML objects rendered into this environment as they are, with the platform's labels and wave added where they have none, checked by the policy gate like every rendered object. For what the spec cannot say; nothing hand-written in dist/ survives a synth."),
  rateLimit: z
    .strictObject({
      requestsPerSecond: z.number().int().min(1).max(1_000_000).describe('Requests per second each ingress gateway pod admits for the environment’s hosts.'),
      burst: z.number().int().min(1).max(1_000_000).optional().describe('The most requests admitted at once (the bucket size, at least requestsPerSecond); @default requestsPerSecond'),
    })
    .check((ctx) => {
      const { requestsPerSecond, burst } = ctx.value;
      if (burst !== undefined && burst < requestsPerSecond) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['burst'], message: `must be at least requestsPerSecond (${requestsPerSecond}): the bucket holds at most burst tokens, so a smaller one lowers the rate to ${burst}/s` });
    })
    .optional()
    .describe("A local rate limit of each of the environment's public hosts at the ingress gateway (per host and gateway pod; excess requests get 429), as an Istio EnvoyFilter. Needs public routes. Absent = none."),
  providedSecrets: z
    .array(dnsName('Secret name'))
    .default([])
    .describe("Secrets the services of this environment read that the cluster already holds (made outside this repository); every other Secret a service names must be a SealedSecret in secrets/<env>/."),
});

/** A service's shutdown when the spec gives none (also what the cross-field check assumes for a missing field). */
export const DEFAULT_SHUTDOWN = { preStopSeconds: 5, gracePeriodSeconds: 30 } as const;

const route = z.strictObject({
  path: httpPath.describe('Path prefix routed from the ingress gateway.'),
  host: z.string().optional().describe('Host, when it differs from the environment’s host.'),
});

const health = z
  .strictObject({
    readiness: httpPath.default('/ready'),
    liveness: httpPath.default('/healthz'),
    startup: httpPath.optional().describe('@default the liveness path'),
  })
  .default({ readiness: '/ready', liveness: '/healthz' });

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name' });

/** A key of a Secret's data. */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: (iss) => `must be a Secret key (letters, digits, '-', '_', '.'), got '${String(iss.input)}'` });

/**
 * A value the service reads from a Secret the cluster holds: an environment variable (`env` + `key`)
 * or files (`mount`, optionally only some `items`). Never a value in the spec.
 */
const serviceSecret = z
  .strictObject({
    secret: dnsName('Secret name').describe('The Secret, in the service namespace: a SealedSecret kept in secrets/<env>/, or named in environments.<env>.providedSecrets.'),
    env: envVarName.optional().describe('Environment variable that receives the value of `key`.'),
    key: secretKey.optional().describe('Key of the Secret whose value `env` receives.'),
    mount: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, { error: (iss) => `must be an absolute directory such as /etc/secrets/stripe, got '${String(iss.input)}'` })
      .optional()
      .describe('Directory the Secret is mounted at, read-only, one file per key.'),
    items: z.array(secretKey).min(1).optional().describe('With mount: only these keys; @default every key of the Secret'),
    optional: z.boolean().default(false).describe('true = the pod starts without it (the variable is unset, the directory empty).'),
  })
  .check((ctx) => {
    const v = ctx.value;
    const push = (path: string, message: string) => ctx.issues.push({ code: 'custom', input: v, path: [path], message });
    if ((v.env === undefined) === (v.mount === undefined)) push(v.env === undefined ? 'env' : 'mount', 'give either env (with key) or mount, one per entry');
    else if (v.env !== undefined && v.key === undefined) push('key', `required with env: the key of Secret '${v.secret}' whose value ${v.env} receives`);
    else if (v.mount !== undefined && v.key !== undefined) push('key', 'key goes with env; with mount, list the keys to mount in items');
    if (v.env !== undefined && v.items !== undefined) push('items', 'items goes with mount; with env, name one key');
  });

const absPath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, { error: (iss) => `must be an absolute directory such as /var/cache/app, got '${String(iss.input)}'` });

/** A volume of the service's pods besides /tmp and its secrets: scratch space or a ConfigMap the cluster holds. */
const serviceVolume = z
  .strictObject({
    name: dnsName('volume name').describe('The volume\'s name in the pod, which containers\' mounts refer to.'),
    path: absPath.optional().describe("Where the service's own container mounts it; @default not mounted there (only by the containers that list it in mounts)"),
    emptyDir: z
      .strictObject({ sizeLimit: quantity('sizeLimit').describe('The most it may hold (e.g. 1Gi); counted as ephemeral storage.'), medium: z.enum(['Memory']).optional().describe('Memory: a tmpfs, counted against the container memory limits.') })
      .optional()
      .describe('Scratch space that lives as long as the pod.'),
    configMap: dnsName('ConfigMap name').optional().describe('A ConfigMap in the service namespace (e.g. from extraManifests), mounted read-only.'),
  })
  .check((ctx) => {
    if ((ctx.value.emptyDir === undefined) === (ctx.value.configMap === undefined)) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['emptyDir'], message: 'give either emptyDir or configMap' });
  });

/**
 * A container the service's pods run besides the service's own: an init container (runs to completion
 * before it, after the mesh proxy) or a sidecar (a native sidecar: started before it, stopped after it).
 * It gets the service's ConfigMap, secrets and security context; its resources come from its tier.
 */
const extraContainer = z.strictObject({
  name: dnsName('container name').describe('The container\'s name in the pod (unique among them).'),
  image: image.optional().describe("@default the service's image"),
  command: z.array(z.string()).min(1).optional().describe("@default the image's entrypoint"),
  args: z.array(z.string()).optional().describe('Arguments to the command (or to the image\'s entrypoint).'),
  env: z.record(envVarName, z.string()).default({}).describe("Variables besides the service's ConfigMap and secrets (which it also gets)."),
  tier: tier.default('small').describe('Its resources (requests and limits) by tier; the environment\'s resourceTier wins.'),
  mounts: z
    .array(
      z.strictObject({
        volume: z.string().min(1).describe('A name from volumes, or tmp.'),
        path: absPath.describe('Where it mounts the volume.'),
        readOnly: z.boolean().default(false).describe('Mount it read-only (a ConfigMap volume always is).'),
      }),
    )
    .default([])
    .describe("Volumes of the pod it mounts (its root filesystem is read-only; /tmp is always there)."),
});

/** The five fields of a Kubernetes CronJob schedule (robfig/cron's standard parser), their ranges and names. */
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], first: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], first: 0 },
] as const;
const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** What is wrong with a cron schedule, in words; undefined when the API server's parser accepts it. */
export function cronProblem(schedule: string): string | undefined {
  if (schedule.startsWith('@')) return CRON_MACROS.includes(schedule) ? undefined : `'${schedule}' is not one of ${CRON_MACROS.join(', ')}`;
  const fields = schedule.split(' ');
  if (fields.length !== 5 || fields.some((f) => f === '')) return `it has ${fields.filter(Boolean).length} fields, not 5 (minute hour day-of-month month day-of-week), separated by one space`;
  for (const [i, field] of fields.entries()) {
    const spec = CRON_FIELDS[i]!;
    const value = (v: string): number | undefined => {
      const named = 'names' in spec ? (spec.names as readonly string[]).indexOf(v.toUpperCase()) : -1;
      if (named >= 0) return named + ('first' in spec ? spec.first : 0);
      return /^\d+$/.test(v) ? Number(v) : undefined;
    };
    for (const part of field.split(',')) {
      const m = /^(\*|\?|([^/-]+)(?:-([^/]+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return `the ${spec.name} field '${field}' is not a value, a range a-b, a list or a step */n`;
      if (m[4] !== undefined && Number(m[4]) < 1) return `the ${spec.name} field '${field}' has a step of 0`;
      if (m[1] === '*' || m[1] === '?') continue;
      const [a, b] = [value(m[2]!), m[3] !== undefined ? value(m[3]) : undefined];
      if (a === undefined || (m[3] !== undefined && b === undefined)) return `the ${spec.name} field '${field}' names something that is not a ${spec.name}`;
      for (const n of [a, ...(b !== undefined ? [b] : [])]) if (n < spec.min || n > spec.max) return `the ${spec.name} field '${field}' is outside ${spec.min}–${spec.max}`;
      if (b !== undefined && b < a) return `the ${spec.name} field '${field}' is a range that ends before it starts`;
    }
  }
  return undefined;
}

/** Five cron fields (minute hour day-of-month month day-of-week), or a macro such as @daily, as the API server parses them. */
const cronSchedule = z
  .string()
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be a cron schedule such as "30 2 * * *" (02:30 every day) or @hourly: ${problem}` });
  })
  .describe('When it runs: five cron fields (minute hour day-of-month month day-of-week, in timeZone) or @hourly, @daily, @weekly, @monthly, @yearly.');

/**
 * A scheduled task of the service: a CronJob `<service>-<name>` running a command in the service's
 * image, with its account (its mesh identity: it reaches what the service may reach), configuration,
 * secrets and security context. One run at a time; a failed run is not retried within that run.
 */
const serviceCronJob = z.strictObject({
  name: dnsName('CronJob name').describe('The task\'s name: the CronJob is `<service>-<name>`, its container `<name>`.'),
  schedule: cronSchedule,
  timeZone: z
    .string()
    .regex(/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)*$/, { message: 'must be an IANA time zone such as Europe/Berlin' })
    .default('Etc/UTC')
    .describe('The IANA time zone the schedule is read in.'),
  command: z.array(z.string()).min(1).describe('What runs (in the service image unless image is given).'),
  args: z.array(z.string()).optional().describe('Arguments to the command.'),
  image: image.optional().describe("Another image for the task; @default the service's image in that environment"),
  tier: tier.default('small').describe('Its resources by tier; the environment\'s resourceTier wins.'),
  activeDeadlineSeconds: z.number().int().min(60).max(86400).default(3600).describe('A run that takes longer is failed.'),
});

/** `prefix/name` or `name`, as Kubernetes admits annotation keys, outside the platform's reserved prefixes. */
const annotationKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    error: (iss) => `must be an annotation key such as example.com/team, got '${String(iss.input)}'`,
  })
  .refine((k) => !RESERVED_ANNOTATION_PREFIXES.some((p) => k.startsWith(p)), {
    error: (iss) => `'${String(iss.input)}' uses a prefix the platform sets itself (${RESERVED_ANNOTATION_PREFIXES.join(', ')}): choose your own, or use patches`,
  });

const topic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, { message: 'must be a Kafka topic name' });

const canary = z
  .strictObject({
    image: image.describe('Image of the canary track (same rules as `image`).'),
    weight: z
      .number()
      .int({ error: (iss) => `must be a whole percentage 1–100, got ${String(iss.input)}` })
      .min(1, { error: (iss) => `must be a whole percentage 1–100, got ${String(iss.input)}` })
      .max(100, { error: (iss) => `must be a whole percentage 1–100, got ${String(iss.input)}` })
      .describe(
        'Percentage of the mesh traffic to this service (gateway and internal) routed to the canary; the stable track gets the rest. 100 promotes: the stable Deployment rolls to the canary image and the canary track goes (then moving the image into `image` and dropping `canary` changes nothing rendered).',
      ),
    replicas: z.number().int().min(1).max(100).default(1).describe('Fixed replicas of the canary Deployment (no autoscaler).'),
  });

const blueGreenFields = {
  active: z.enum(COLOURS).describe('The colour that receives every request (mesh and gateway); switching it is the release, and switching back the rollback.'),
  blue: image.describe('Image of the blue Deployment `<name>-blue` (same rules as `image`).'),
  green: image.describe('Image of the green Deployment `<name>-green` (same rules as `image`).'),
  idle: z
    .enum(['warm', 'zero'])
    .describe("The idle colour: warm keeps it running at the environment's floor of replicas (an instant switch back); zero scales it to 0 (the switch then waits for it to start)."),
};

const blueGreen = z
  .strictObject({ ...blueGreenFields, idle: blueGreenFields.idle.default('warm') })
  .describe(
    'Blue-green releases instead of one Deployment: `<name>-blue` and `<name>-green`, all traffic to `active`, the idle colour reachable for tests at `<name>-preview`. Replaces `image`; not with `canary`, nor for a Kafka consumer (both colours would consume).',
  );

/** A service's fixed replica count (no autoscaler in that environment). */
const serviceReplicas = z.number().int().min(1).max(100);

/** Autoscaling bounds, or `false`: a fixed count in that environment (e.g. a singleton). */
const autoscalingOrOff = z.union([autoscaling, z.literal(false)]);

/**
 * What one environment changes of a service: unset = the service's value. Promotion is an image
 * moving from one environment's override to the next (`npm run promote`).
 */
/** What a VerticalPodAutoscaler does for a service. */
const vpaMode = z.enum(['off', 'recommend', 'auto']);

const serviceOverride = z.strictObject({
  vpa: vpaMode.optional().describe("The service's VerticalPodAutoscaler in this environment (e.g. recommend in prod, auto in dev)."),
  image: image.optional().describe("This environment's image (a promotion in progress); @default the service's image"),
  replicas: serviceReplicas.optional().describe("Fixed replicas in this environment; set without autoscaling here, it turns the environment's autoscaling off for this service."),
  autoscaling: autoscalingOrOff.optional().describe('Autoscaling bounds in this environment, or false for a fixed count.'),
  tier: tier.optional().describe("Resource tier in this environment; wins over the environment's resourceTier."),
  env: z.record(envVarName, z.string()).optional().describe("Variables added to (or replacing) the service's env in this environment."),
  canary: z.union([canary, z.literal(false)]).optional().describe('The canary in this environment, or false for none.'),
  route: z.union([route, z.literal(false)]).optional().describe('The public route in this environment, or false: internal only.'),
  blueGreen: z
    .strictObject({ active: blueGreenFields.active.optional(), blue: blueGreenFields.blue.optional(), green: blueGreenFields.green.optional(), idle: blueGreenFields.idle.optional() })
    .optional()
    .describe("A blue-green service's colours in this environment (each field over the service's blueGreen): e.g. prod still on blue while staging switched to green."),
});

export const service = z.strictObject({
  name: dnsName('service name'),
  runtime: z.enum(RUNTIMES).describe('Language runtime; selects the auto-instrumentation.'),
  image: image.optional().describe('registry/repo:tag the service runs (required unless `blueGreen` names the colours\' images).'),
  port: appPort.describe('HTTP port the container listens on.'),
  dependsOn: z
    .array(z.string())
    .default([])
    .describe("Services and data stores (postgres, mysql, mongodb, redis, kafka) this service calls; `<peer>/<service>` names a service of a peer platform (`peers`)."),
  health,
  tier: tier.default('small'),
  replicas: serviceReplicas.optional().describe("Fixed replicas of this service (e.g. 1 for a singleton); set without `autoscaling`, it turns the environment's autoscaling off for this service. @default the environment's replicas"),
  autoscaling: autoscalingOrOff
    .optional()
    .describe("This service's autoscaling bounds in every environment, or false for a fixed count; @default the environment's autoscaling"),
  environments: z
    .record(z.string(), serviceOverride)
    .default({})
    .describe('Per environment: image, replicas, autoscaling, tier, env, canary or route of this service in that environment only.'),
  env: z.record(envVarName, z.string()).default({}).describe('12-factor configuration, rendered into the service’s ConfigMap. Credentials go in `secrets`.'),
  annotations: z.record(annotationKey, z.string()).default({}).describe("Annotations on the service's Deployment(s) and Service (not the platform's own prefixes: Argo CD, Istio, OpenTelemetry, Prometheus, checksum/)."),
  podAnnotations: z.record(annotationKey, z.string()).default({}).describe('Annotations on the pods (same reserved prefixes).'),
  initContainers: z.array(extraContainer).default([]).describe("Containers run to completion, in order, before the service's (e.g. a schema migration); the mesh proxy runs before them, so they reach what the service may reach."),
  sidecars: z.array(extraContainer).default([]).describe("Containers that run beside the service's for the pod's life (native sidecars: started before it, stopped after it)."),
  cronJobs: z.array(serviceCronJob).default([]).describe("Scheduled tasks in the service's image, as the service (its account, configuration and secrets)."),
  volumes: z.array(serviceVolume).default([]).describe('Volumes besides /tmp and the secrets: emptyDir scratch space or ConfigMaps.'),
  notSecret: z
    .array(envVarName)
    .default([])
    .describe('Keys of env whose names look like credentials (…_KEY, …_TOKEN) but hold none, e.g. CACHE_KEY_PREFIX: exempt from the credential check.'),
  secrets: z.array(serviceSecret).default([]).describe('Environment variables and files from Secrets the cluster holds (secretKeyRef / secret volumes).'),
  route: route.optional().describe('Public route through the ingress gateway; absent = internal only.'),
  metrics: z
    .strictObject({ path: httpPath.default('/metrics'), port: appPort.optional().describe('@default the service port') })
    .default({ path: '/metrics' }),
  slo: z
    .strictObject({
      latencyP95Ms: z.number().int().min(1).default(DEFAULT_SLO.latencyP95Ms).describe('Alert when the p95 request duration exceeds this many milliseconds for 10 minutes.'),
      errorRatePercent: z.number().gt(0).max(100).default(DEFAULT_SLO.errorRatePercent).describe('Alert when more than this percentage of requests fail with 5xx for 5 minutes.'),
    })
    .default({ ...DEFAULT_SLO })
    .describe('Service-level objectives the alerts hold this service (and its canary) to.'),
  produces: z.array(topic).default([]).describe('Kafka topics this service writes.'),
  consumes: z.array(topic).default([]).describe('Kafka topics this service reads.'),
  scaleOn: z
    .enum(['cpu', 'kafka-lag'])
    .default('cpu')
    .describe('What autoscaling follows where the environment autoscales: CPU/memory (HPA) or Kafka consumer lag (KEDA ScaledObject instead of the HPA).'),
  kafkaLagThreshold: z.number().int().min(1).default(10).describe('Target consumer lag per replica when scaleOn is kafka-lag.'),
  vpa: vpaMode
    .default('off')
    .describe("A VerticalPodAutoscaler for the service's Deployment: off; recommend (recommendations only, updateMode Off, beside any HPA); auto (VPA sets the container's requests between its tier's requests and limits, evicting pods to apply them; refused where a CPU/memory HPA scales the service)."),
  timeout: duration.default('15s').describe('Mesh timeout of a request to this service (VirtualService), retries included.'),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).max(10).default(DEFAULT_RETRIES.attempts).describe('Retries after the first attempt; 0 disables retries.'),
      perTryTimeout: duration.default(DEFAULT_RETRIES.perTryTimeout),
      retryOn: z
        .string()
        .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, { message: 'must be a comma-separated list of Envoy retry conditions' })
        .default(DEFAULT_RETRIES.retryOn)
        .describe('Envoy retry conditions; the default retries only failures that are safe for non-idempotent requests.'),
    })
    .default({ ...DEFAULT_RETRIES })
    .describe('Mesh retries of requests to this service.'),
  egress: z
    .array(
      z.strictObject({
        host: z
          .string()
          .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, { error: (iss) => `must be an external DNS name such as api.stripe.com, got '${String(iss.input)}'` }),
        port: port.default(443),
        protocol: z.enum(['TLS', 'HTTPS', 'TCP']).default('TLS').describe('TLS/HTTPS: the mesh routes by SNI; TCP: by port only.'),
      }),
    )
    .default([])
    .describe('External endpoints this service calls (outside the cluster). Each gets an Istio ServiceEntry and a NetworkPolicy egress rule; nothing else outside is reachable.'),
  canary: canary.optional().describe('A canary track: a second Deployment `<name>-canary` running `image`, receiving `weight` % of the requests. Absent = stable only.'),
  blueGreen: blueGreen.optional(),
  shutdown: z
    .strictObject({
      preStopSeconds: z.number().int().min(0).max(60).default(DEFAULT_SHUTDOWN.preStopSeconds).describe('Delay before SIGTERM so endpoints drain.'),
      gracePeriodSeconds: z.number().int().min(1).max(600).default(DEFAULT_SHUTDOWN.gracePeriodSeconds),
    })
    .default({ ...DEFAULT_SHUTDOWN }),
});

const storeVersion = z.string().regex(/^[0-9][0-9A-Za-z.-]*$/, { message: 'must be a version such as 16.4' });

const upgradedFrom = storeVersion.describe(
  "The version whose data this environment's claims were migrated from (a major PostgreSQL upgrade: see docs/runbooks.md). Acknowledges a change of the data format; @default none: such a change is refused",
);

/** A data store a cloud provider runs for one environment (RDS, Cloud SQL…): nothing of it is rendered but its clients' access. */
const managedHost = hostName.refine((h) => !/^[0-9.]+$/.test(h), {
  error: (iss) => `must be the endpoint's DNS name, not an address ('${String(iss.input)}'): Istio refuses addresses as ServiceEntry hosts; put the addresses in cidrs`,
});
const externalStore = z.strictObject({
  host: managedHost.optional().describe('The managed endpoint, e.g. shop.abc123.eu-west-1.rds.amazonaws.com (PostgreSQL, MySQL; for Redis the primary endpoint; Kafka names `brokers`).'),
  brokers: z
    .array(managedHost)
    .min(1)
    .max(30)
    .optional()
    .describe("Kafka: every broker's host name, e.g. b-1.shop.abc123.c2.kafka.eu-west-1.amazonaws.com (a client reaches each broker the bootstrap names, so each gets its egress); the clients' bootstrap list."),
  port: port.optional().describe("Its port; @default the kind's (PostgreSQL 5432, MySQL 3306, Redis 6379, Kafka 9096: MSK's SASL/SCRAM over TLS)."),
  sasl: z
    .enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'])
    .optional()
    .describe('Kafka: the SASL mechanism over TLS (SASL_SSL) the clients log in with, with the username and password of `secretName`; @default SCRAM-SHA-512 (Amazon MSK)'),
  secretName: dnsName('Secret name').describe('The Secret (in the services namespace) with the `username` and `password` its clients connect with; made outside this repository or a SealedSecret.'),
  cidrs: z
    .array(cidr)
    .min(1)
    .describe("Addresses the endpoint resolves to (e.g. the VPC's database subnets): the clients' NetworkPolicy egress (which cannot name a host) and the Istio ServiceEntry's addresses (plain TCP is matched by address and port; without addresses Istio cannot tell the endpoint's traffic apart, IST0134)."),
});

const storeEnvironment = z.strictObject({
  external: externalStore
    .optional()
    .describe('Managed outside the cluster in this environment: no StatefulSet, Jobs or backups are rendered; the clients get the same connection variables pointed at `host`, and egress to exactly it. Without `external`, `replicas` and `storage` are required.'),
  replicas: z.number().int().min(1).max(15).optional().describe('Members of the store (required unless external).'),
  upgradedFrom: upgradedFrom.optional(),
  storage: quantity('storage').optional().describe('Claim size per member (required unless external).'),
  storageClass: z.string().optional().describe('@default the cluster’s default StorageClass'),
  version: storeVersion.optional().describe('This environment’s version (e.g. trying a minor upgrade in dev first); @default the store’s version'),
  tier: tier.optional().describe('This environment’s resource tier; @default the store’s tier'),
  restoreTo: z
    .string()
    .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$/, {
      error: (iss) => `must be a timestamp with its zone such as 2026-11-30 14:03:00+00, got '${String(iss.input)}'`,
    })
    .optional()
    .describe('PostgreSQL only: when the primary starts on an empty claim, restore the backups to this time (point-in-time recovery) instead of to the end of the archived WAL. Has no effect on a primary with data. See docs/runbooks.md.'),
});

const dataStore = z.strictObject({
  version: storeVersion,
  tier: tier.default('medium'),
  environments: z.record(z.string(), storeEnvironment).describe('Per environment: replicas and storage.'),
});

const jsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)+$/, { error: (iss) => `must be a JSON pointer such as /spec/template/metadata/annotations/example.com~1key, got '${String(iss.input)}'` });

/**
 * A change to rendered objects the spec has no field for: applied after the charts and before the
 * policy gate, so a patch cannot silently break Pod Security or the other rules. A patch that matches
 * nothing, or whose operation does not apply, is an error.
 */
const patch = z
  .strictObject({
    environments: z.array(z.string()).min(1).optional().describe('The environments it applies to; @default every environment'),
    target: z
      .strictObject({
        kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, { message: 'must be a Kubernetes kind such as Deployment' }).describe('The kind of the object, e.g. Deployment.'),
        name: z.string().min(1).describe('metadata.name of the object.'),
        namespace: z.string().optional().describe('@default any namespace of the environment'),
        apiVersion: z.string().optional().describe('@default any API version of that kind'),
      })
      .describe('The object(s) patched: every rendered object of the environment with this kind and name (and namespace, apiVersion if given).'),
    merge: z.record(z.string(), z.unknown()).optional().describe('A JSON merge patch (RFC 7386): maps merge, null removes, everything else replaces.'),
    ops: z
      .array(
        z.strictObject({
          op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']).describe('The RFC 6902 operation.'),
          path: jsonPointer.describe('A JSON pointer into the rendered object, e.g. /spec/template/spec/terminationGracePeriodSeconds.'),
          value: z.unknown().optional().describe('The value add, replace and test use.'),
          from: jsonPointer.optional().describe('The source pointer of move and copy.'),
        }),
      )
      .min(1)
      .optional()
      .describe('RFC 6902 JSON patch operations, applied in order.'),
    reason: z.string().min(1).optional().describe('Why the spec cannot say this; shown to reviewers in the patched object\'s annotation.'),
  })
  .check((ctx) => {
    if ((ctx.value.merge === undefined) === (ctx.value.ops === undefined)) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['merge'], message: 'give either merge (a JSON merge patch) or ops (JSON patch operations)' });
  });

/** A group as the cluster's OIDC provider sends it in the `groups` claim (Argo CD reads the same claim). */
const oidcGroup = z
  .string()
  .regex(/^[A-Za-z0-9@._:/=+-]{1,256}$/, { error: (iss) => `must be a group name of letters, digits and @._:/=+- (no spaces or commas: Argo CD's policy is CSV), got '${String(iss.input)}'` })
  .refine((g) => !g.startsWith('system:'), {
    error: (iss) => `'${String(iss.input)}' is a Kubernetes system group (system:authenticated is everyone, system:masters is cluster-admin): name a group of your identity provider`,
  });

const team = z.strictObject({
  description: z.string().min(1).optional().describe('What the team does; shown in the Argo CD project role.'),
  groups: z.array(oidcGroup).min(1).describe("The team's groups as the cluster's OIDC provider sends them; bound in each environment's namespaces and mapped to the environment's Argo CD project role."),
  access: z
    .record(dnsName('environment name'), z.enum(ACCESS_LEVELS))
    .default({})
    .describe(`Access per environment; an environment not listed gives none. ${ACCESS_LEVELS.map((l) => `${l}: ${ACCESS_LEVEL_DOC[l]}`).join('. ')}.`),
});

/** The add-ons' namespaces when the spec does not move them (cluster.*Namespace). */
const DEFAULT_ADDON_NAMESPACES = { meshNamespace: 'istio-system', telemetryNamespace: 'observability', monitoringNamespace: 'monitoring' } as const;

const DEFAULT_JAEGER = { service: 'jaeger', otlpGrpcPort: 4317, podLabels: { 'app.kubernetes.io/name': 'jaeger' } } as const;

/** `<peer>/<service>` of `dependsOn` as its two names; undefined for anything else (a service or store of this spec, or a malformed entry). */
export function peerRef(dep: string): { readonly platform: string; readonly service: string } | undefined {
  const [platform, service, ...rest] = dep.split('/');
  return service !== undefined && platform && service && rest.length === 0 ? { platform, service } : undefined;
}

/** Another platform spec whose services call, or are called by, this one's. */
export const peer = z.strictObject({
  name: dnsName('peer platform name').describe("The peer spec's `name`; `dependsOn` names its services as `<name>/<service>`."),
  spec: z.string().min(1).describe('Its spec file, relative to this one (`../payments/platform.yaml`); read at synth time.'),
});

export const platformSpec = z
  .strictObject({
    $schema: z.string().optional(),
    name: dnsName('platform name').refine((n) => n !== 'cluster' && n !== 'system', {
      error: (iss) => `'${String(iss.input)}' would name the access roles like Kubernetes' own (${String(iss.input)}-admin): choose another platform name`,
    }),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'must be a label-safe version such as 1.0.0' }).default('1.0.0').describe('Release of the platform; `app.kubernetes.io/version` of objects that run no image.'),
    gitops: z
      .strictObject({
        repoURL: z.string().min(1).default('https://github.com/example/platform.git'),
        targetRevision: z.string().min(1).default('main'),
        path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must be a relative path such as dist' }).default('dist').describe('Where the rendered tree lives in the repository.'),
        argocdNamespace: dnsName('namespace').default('argocd').describe('Namespace Argo CD runs in (Applications and AppProjects live there).'),
        addons: z
          .partialRecord(
            z.enum(ADDON_NAMES),
            z.strictObject({
              enabled: z.boolean().default(true).describe('false = the add-on is managed outside this repository.'),
              version: z.string().regex(/^v?[0-9][0-9A-Za-z.+-]*$/, { message: 'must be a chart version such as 1.2.3' }).optional().describe('Helm chart version; @default the pinned version in catalogue/addons.ts.'),
            }),
          )
          .default({})
          .describe('Cluster add-ons rendered as Argo CD Applications of their upstream Helm charts.'),
      })
      .default({ repoURL: 'https://github.com/example/platform.git', targetRevision: 'main', path: 'dist', argocdNamespace: 'argocd', addons: {} })
      .describe('Where Argo CD reads dist/ from.'),
    cluster: z
      .strictObject({
        ingressGateway: z
          .strictObject({ namespace: dnsName('namespace').default('istio-ingress'), name: z.string().default('istio-ingressgateway') })
          .default({ namespace: 'istio-ingress', name: 'istio-ingressgateway' }),
        meshNamespace: dnsName('namespace').default('istio-system'),
        telemetryNamespace: dnsName('namespace').default('observability'),
        monitoringNamespace: dnsName('namespace').default('monitoring'),
        kubernetesPlatform: z
          .enum(['gke', 'k3d', 'k3s', 'microk8s', 'minikube', 'openshift'])
          .optional()
          .describe("Istio's `global.platform` for the CNI agent and istiod where the cluster needs it (GKE's CNI paths and priority-class quota, k3s/MicroK8s paths…); absent = a standard cluster."),
        jaeger: z
          .strictObject({
            service: dnsName('service').default(DEFAULT_JAEGER.service),
            otlpGrpcPort: port.default(DEFAULT_JAEGER.otlpGrpcPort),
            podLabels: z.record(z.string(), z.string()).default({ ...DEFAULT_JAEGER.podLabels }),
          })
          .default({ ...DEFAULT_JAEGER, podLabels: { ...DEFAULT_JAEGER.podLabels } })
          .describe('The Jaeger collector (in telemetryNamespace) the OpenTelemetry collectors export traces to over OTLP gRPC.'),
        keda: z
          .strictObject({ namespace: dnsName('namespace').default('keda'), serviceAccount: dnsName('service account').default('keda-operator') })
          .default({ namespace: 'keda', serviceAccount: 'keda-operator' })
          .describe('The KEDA operator, which reads consumer lag from Kafka (it must run with an Istio sidecar).'),
      })
      .default({
        ingressGateway: { namespace: 'istio-ingress', name: 'istio-ingressgateway' },
        meshNamespace: 'istio-system',
        telemetryNamespace: 'observability',
        monitoringNamespace: 'monitoring',
        jaeger: { ...DEFAULT_JAEGER, podLabels: { ...DEFAULT_JAEGER.podLabels } },
        keda: { namespace: 'keda', serviceAccount: 'keda-operator' },
      })
      .describe('Where the cluster add-ons live (network policies and mesh policies point at them).'),
    environments: z.record(dnsName('environment name'), environment).check((ctx) => {
      if (Object.keys(ctx.value).length === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'at least one environment is required' });
    }),
    services: z.array(service),
    dataStores: z
      .strictObject(Object.fromEntries(DATA_STORES.map((k) => [k, dataStore.optional()])) as { [K in DataStoreName]: z.ZodOptional<typeof dataStore> })
      .default({}),
    teams: z
      .record(dnsName('team name'), team)
      .default({})
      .describe('Who may see and change each environment, by the groups of your identity provider: namespaced RoleBindings to the platform\'s aggregated ClusterRoles and Argo CD project roles. Nobody has access the spec does not give; cluster-admin is never granted here.'),
    patches: z.array(patch).default([]).describe('Changes to rendered objects the spec has no field for, checked by the policy gate after they apply.'),
    peers: z
      .array(peer)
      .default([])
      .describe(
        'Other platform specs of the same clusters whose services call this one\'s or are called by it (`dependsOn: [<peer>/<service>]`). Their specs are read at synth time: each side renders its half of every call across them (egress on the caller\'s side, ingress and mesh authorization on the callee\'s), for the same environment on the same clusters.',
      ),
  })
  // `when` makes the cross-field rules run even when single fields failed, so one
  // run reports every problem at once.
  .superRefine((spec, ctx) => crossCheck(spec, (path, message) => ctx.addIssue({ code: 'custom', path, message })), { when: () => true });

export type PlatformSpec = z.infer<typeof platformSpec>;
export type PlatformSpecInput = z.input<typeof platformSpec>;
export type ServiceSpec = z.infer<typeof service>;
export type EnvironmentSpec = z.infer<typeof environment>;
export type DataStoreSpec = z.infer<typeof dataStore>;

/** The public route of a raw service in one environment (its override, `false` = none), for the cross-field rules. */
function effectiveRoute(s: Record<string, any>, envName: string): Record<string, any> | undefined {
  const o = s.environments && typeof s.environments === 'object' ? s.environments[envName] : undefined;
  const r = o && typeof o === 'object' && 'route' in o ? o.route : s.route;
  return r && typeof r === 'object' ? r : undefined;
}

/**
 * Rules that span several fields: names unique, references resolvable. It also
 * runs on input that failed elsewhere, so it only trusts what it checks itself.
 */
export function crossCheck(raw: PlatformSpec, push: (path: (string | number)[], message: string) => void): void {
  const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});
  const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
  const spec = {
    services: arr(raw.services).map((s): Record<string, any> => ({ ...obj(s), dependsOn: arr(obj(s).dependsOn), produces: arr(obj(s).produces), consumes: arr(obj(s).consumes) })),
    dataStores: obj(raw.dataStores),
    environments: obj(raw.environments),
  };
  const names = new Map<string, number>();
  // `<service>-<cronJob>` across services: api + nightly-job and api-nightly + job are both api-nightly-job.
  const cronOwners = new Map<string, string>();
  spec.services.forEach((s, i) => {
    const first = names.get(s.name);
    if (first !== undefined) push(['services', i, 'name'], `duplicate service name '${s.name}' (also services[${first}])`);
    else names.set(s.name, i);
    if ((DATA_STORES as readonly string[]).includes(s.name)) push(['services', i, 'name'], `'${s.name}' is reserved for the data store`);
    // The API server refuses a preStop sleep longer than the grace period, and the app needs time after it.
    const sd = obj(s.shutdown);
    const preStop = typeof sd.preStopSeconds === 'number' ? sd.preStopSeconds : DEFAULT_SHUTDOWN.preStopSeconds;
    const grace = typeof sd.gracePeriodSeconds === 'number' ? sd.gracePeriodSeconds : DEFAULT_SHUTDOWN.gracePeriodSeconds;
    if (preStop >= grace) push(['services', i, 'shutdown', 'preStopSeconds'], `preStopSeconds (${preStop}) must be less than gracePeriodSeconds (${grace}): the pod is killed at the end of its grace period`);
  });
  const storeKinds = DATA_STORES.filter((k) => spec.dataStores[k]);
  const stores: ReadonlySet<string> = new Set(storeKinds);
  // All services of an environment share one namespace, hence one set of egress listeners.
  const tcpHostsByPort = new Map<number, string>();
  const peerNames = arr(raw.peers).map((p) => obj(p).name).filter((n): n is string => typeof n === 'string');
  arr(raw.peers).forEach((p, i) => {
    const n = obj(p).name;
    if (n === raw.name) push(['peers', i, 'name'], `'${n}' is this platform's own name`);
    else if (peerNames.indexOf(n) !== i) push(['peers', i, 'name'], `duplicate peer '${n}'`);
  });
  spec.services.forEach((s, i) => {
    s.dependsOn.forEach((dep: unknown, j: number) => {
      if (typeof dep !== 'string') return;
      if (dep.includes('/')) {
        const ref = peerRef(dep);
        if (!ref) push(['services', i, 'dependsOn', j], `'${dep}' is neither a service nor <peer>/<service>`);
        else if (!peerNames.includes(ref.platform)) push(['services', i, 'dependsOn', j], `'${ref.platform}' is not a peer: list its spec in peers (name: ${ref.platform}, spec: <its platform.yaml>)${suggestion(ref.platform, peerNames)}`);
      } else if (dep === s.name) push(['services', i, 'dependsOn', j], `'${s.name}' cannot depend on itself`);
      else if ((DEPENDABLE_STORES as readonly string[]).includes(dep)) {
        if (!stores.has(dep)) push(['services', i, 'dependsOn', j], `'${dep}' is not declared in dataStores`);
      } else if ((DATA_STORES as readonly string[]).includes(dep)) {
        const users = STORE_CATALOGUE[dep as DataStoreName].clientStores ?? [];
        push(['services', i, 'dependsOn', j], `services do not connect to ${STORE_CATALOGUE[dep as DataStoreName].title}: only ${users.join(', ')} talk${users.length === 1 ? 's' : ''} to it (a service names ${users.join(' or ')} instead)`);
      } else if (!names.has(dep)) push(['services', i, 'dependsOn', j], `'${dep}' names no service or data store${suggestion(dep, [...names.keys(), ...storeKinds.filter((k) => STORE_CATALOGUE[k].dependable)])}`);
    });
    arr(s.egress).forEach((e: Record<string, any>, j: number) => {
      const host = typeof e?.host === 'string' ? e.host : undefined;
      const protocol = e?.protocol ?? 'TLS';
      const egressPort = e?.port ?? 443;
      if (!host) return;
      // Plain TCP is routed by port alone: a wildcard would admit any address, two hosts would share one listener.
      if (protocol === 'TCP' && host.startsWith('*.')) push(['services', i, 'egress', j, 'host'], `a wildcard host needs protocol TLS or HTTPS (routed by SNI/Host); TCP would admit any address on port ${egressPort}`);
      if (protocol === 'TCP') {
        const other = tcpHostsByPort.get(egressPort);
        if (other && other !== host) push(['services', i, 'egress', j, 'port'], `TCP port ${egressPort} is already used by '${other}': plain TCP hosts are told apart by port only`);
        else tcpHostsByPort.set(egressPort, host);
      }
    });
    if (s.scaleOn === 'kafka-lag' && s.consumes.length === 0) push(['services', i, 'scaleOn'], `kafka-lag scaling needs topics in consumes`);
    if (typeof s.name === 'string' && (NON_SERVICE_POD_NAMES as readonly string[]).includes(s.name)) {
      push(['services', i, 'name'], `'${s.name}' is the app.kubernetes.io/name of platform pods; a service's pods are selected by that name alone (every track), so it must be the service's own: rename the service`);
    }
    const canaryAt: (string | number)[] | undefined =
      s.canary !== undefined ? ['services', i, 'canary'] : Object.entries(obj(s.environments)).filter(([, o]) => obj(o).canary).map(([e]) => ['services', i, 'environments', e, 'canary'])[0];
    if (canaryAt && typeof s.name === 'string') {
      const canaryName = `${s.name}${CANARY_SUFFIX}`;
      const clash = names.get(canaryName);
      if (clash !== undefined) push(canaryAt, `the canary Deployment '${canaryName}' would clash with services[${clash}] of that name`);
    }
    // Blue-green: the colours carry the images; one release strategy at a time; no Kafka consumers.
    const overrides = Object.entries(obj(s.environments)).map(([e, o]) => [e, obj(o)] as const);
    if (s.blueGreen === undefined) {
      if (s.image === undefined) push(['services', i, 'image'], 'required (or blueGreen, with the images of its two colours)');
      for (const [e, o] of overrides) if (o.blueGreen !== undefined) push(['services', i, 'environments', e, 'blueGreen'], `services[${s.name}] has no blueGreen to override: declare services[].blueGreen first`);
    } else {
      const at = ['services', i, 'blueGreen'];
      if (s.image !== undefined) push(['services', i, 'image'], 'a blue-green service takes its images from blueGreen.blue and blueGreen.green: remove image');
      if (canaryAt) push(canaryAt, 'a blue-green service has no canary: release by switching blueGreen.active');
      if (s.consumes.length > 0) push(at, `a Kafka consumer cannot be blue-green: the idle colour would consume ${s.consumes.join(', ')} too (release it with a canary)`);
      for (const [e, o] of overrides) if (o.image !== undefined) push(['services', i, 'environments', e, 'image'], `a blue-green service's image is its colours': set environments.${e}.blueGreen.${s.blueGreen.active === 'blue' ? 'green' : 'blue'} (the idle colour), then switch active`);
      if (typeof s.name === 'string') {
        for (const [suffix, what] of [['-blue', 'Deployment'], ['-green', 'Deployment'], ['-preview', 'preview Service'], ['-idle', 'idle colour’s disruption budget']] as const) {
          const clash = names.get(`${s.name}${suffix}`);
          if (clash !== undefined) push(at, `its ${what} '${s.name}${suffix}' would clash with services[${clash}] of that name`);
        }
      }
    }
    // Per-environment overrides name environments; replicas and autoscaling are not both set on one level.
    const envList = Object.keys(spec.environments);
    const scalingLevel = (level: Record<string, any>, at: (string | number)[]) => {
      const a = level.autoscaling;
      if (a && typeof a === 'object' && typeof level.replicas === 'number') {
        push([...at, 'replicas'], `set either replicas (a fixed count) or autoscaling here, not both: autoscaling starts at its minReplicas${typeof a.minReplicas === 'number' ? ` (${a.minReplicas})` : ''}`);
      }
    };
    scalingLevel(s, ['services', i]);
    for (const [envName, o] of Object.entries(obj(s.environments))) {
      if (!spec.environments[envName]) push(['services', i, 'environments', envName], `'${envName}' is not an environment${suggestion(envName, envList)}`);
      scalingLevel(obj(o), ['services', i, 'environments', envName]);
    }
    // The platform's own variables win over the user's, silently: refuse the collision instead.
    if (typeof s.name === 'string') {
      const deps = s.dependsOn.filter((d: unknown): d is string => typeof d === 'string');
      const taken = platformEnvNames({
        platform: 'p',
        environment: 'e',
        service: { name: s.name, port: 1, produces: s.produces, consumes: s.consumes },
        calls: [
          ...deps.filter((d: string) => names.has(d)).map((d: string) => ({ name: d, port: 1 })),
          ...deps.flatMap((d: string) => {
            const ref = peerRef(d);
            return ref ? [{ platform: ref.platform, name: ref.service, port: 1, namespace: 'n' }] : [];
          }),
        ],
        stores: deps.filter((d: string): d is DataStoreName => (DEPENDABLE_STORES as readonly string[]).includes(d) && stores.has(d)),
        namespace: 'n',
        dataNamespace: 'n',
        telemetry: { service: 't', namespace: 'n', otlpHttpPort: 1 },
      });
      // A called service's address variable: a peer's (`payments/worker`: PAYMENTS_WORKER_URL) may spell a local one's (`payments-worker`).
      const urlVars = new Map<string, string>();
      deps.forEach((d: string, j: number) => {
        const ref = peerRef(d);
        if (!(names.has(d) || ref)) return;
        const v = ref ? serviceUrlVar(ref.service, ref.platform) : serviceUrlVar(d);
        const other = urlVars.get(v);
        if (other !== undefined && other !== d) push(['services', i, 'dependsOn', j], `'${d}' and '${other}' would both set ${v}: the service could reach only one of them by it (rename one of the services)`);
        else urlVars.set(v, d);
      });
      const envMaps: [(string | number)[], unknown][] = [
        [['services', i, 'env'], s.env],
        ...Object.entries(obj(s.environments)).map(([e, o]): [(string | number)[], unknown] => [['services', i, 'environments', e, 'env'], obj(o).env]),
      ];
      const notSecret = new Set(arr(s.notSecret));
      const fromSecrets = new Map<string, number>();
      arr(s.secrets).forEach((sec: unknown, k: number) => {
        const name = obj(sec).env;
        if (typeof name !== 'string') return;
        if (taken.has(name)) push(['services', i, 'secrets', k, 'env'], `${name} is set by the platform for this service: rename the variable`);
        else if (fromSecrets.has(name)) push(['services', i, 'secrets', k, 'env'], `${name} already comes from secrets[${fromSecrets.get(name)}]`);
        fromSecrets.set(name, k);
      });
      for (const [at, map] of envMaps) {
        for (const [key, value] of Object.entries(obj(map))) {
          if (taken.has(key)) push([...at, key], `${key} is set by the platform for this service (its value would silently replace yours): rename the variable`);
          else if (fromSecrets.has(key)) push([...at, key], `${key} also comes from secrets[${fromSecrets.get(key)}] (the Secret's value would silently replace this one): keep one`);
          else if (!notSecret.has(key) && typeof value === 'string') {
            const why = credentialLiteral(key, value);
            if (why) push([...at, key], `${why}: a credential does not belong in the spec (it is rendered into a ConfigMap, readable by anyone who can read the repository). Put it in a Secret and read it with secrets: [{ env: ${key}, secret: <name>, key: <key> }]; if it is not secret, add ${key} to notSecret`);
          }
        }
      }
      const extras = [...arr(s.sidecars).map((c: unknown, k: number) => ['sidecars', k, obj(c)] as const), ...arr(s.initContainers).map((c: unknown, k: number) => ['initContainers', k, obj(c)] as const)];
      const containerNames = new Set<string>([s.name]);
      const volumeNames = new Set<string>(['tmp']);
      arr(s.volumes).forEach((v: unknown, k: number) => {
        const n = obj(v).name;
        if (typeof n !== 'string') return;
        if (volumeNames.has(n) || /^secret-\d+$/.test(n)) push(['services', i, 'volumes', k, 'name'], `volume name '${n}' is taken (tmp and secret-<n> are the platform's)`);
        volumeNames.add(n);
      });
      for (const [list, k, c] of extras) {
        if (typeof c.name === 'string') {
          if (containerNames.has(c.name)) push(['services', i, list, k, 'name'], `container name '${c.name}' is taken in this pod`);
          containerNames.add(c.name);
        }
        arr(c.mounts).forEach((m: unknown, j: number) => {
          const v = obj(m).volume;
          if (typeof v === 'string' && !volumeNames.has(v)) push(['services', i, list, k, 'mounts', j, 'volume'], `'${v}' is not a volume of this service${suggestion(v, [...volumeNames])} (volumes: ${[...volumeNames].join(', ')})`);
        });
        for (const [key, value] of Object.entries(obj(c.env))) {
          const at = ['services', i, list, k, 'env', key];
          if (taken.has(key)) push(at, `${key} is set by the platform for this service: rename the variable`);
          else if (!notSecret.has(key) && typeof value === 'string') {
            const why = credentialLiteral(key, value);
            if (why) push(at, `${why}: a credential does not belong in the spec; read it from a Secret with the service's secrets (every container of the pod gets them), or add ${key} to notSecret`);
          }
        }
      }
      const cronNames = new Set<string>();
      arr(s.cronJobs).forEach((c: unknown, k: number) => {
        const n = obj(c).name;
        if (typeof n !== 'string') return;
        const full = `${s.name}-${n}`;
        // The Job controller appends 11 characters to a CronJob's name, and a Job name is a 63-character label.
        if (full.length > 52) push(['services', i, 'cronJobs', k, 'name'], `the CronJob '${full}' would be ${full.length} characters; at most 52 (its Jobs append 11)`);
        if (cronNames.has(n)) push(['services', i, 'cronJobs', k, 'name'], `duplicate CronJob name '${n}'`);
        if (`-${n}` === CANARY_SUFFIX) push(['services', i, 'cronJobs', k, 'name'], `'${n}' is taken by the service's canary track (${full})`);
        if (s.blueGreen !== undefined && ['blue', 'green', 'preview', 'idle'].includes(n)) push(['services', i, 'cronJobs', k, 'name'], `'${n}' is taken by the service's blue-green objects (${full})`);
        const owner = cronOwners.get(full);
        if (owner !== undefined && owner !== s.name) push(['services', i, 'cronJobs', k, 'name'], `the CronJob '${full}' would clash with the CronJob of services[${owner}] of that name`);
        cronOwners.set(full, s.name);
        const clash = names.get(full);
        if (clash !== undefined) push(['services', i, 'cronJobs', k, 'name'], `the CronJob '${full}' would clash with services[${clash}] of that name`);
        cronNames.add(n);
      });
      // Directories of the service's own container: /tmp, secret mounts, volume paths, each once.
      const mounts = new Map<string, string>([['/tmp', 'the writable /tmp every service gets']]);
      const mountAt = (m: unknown, at: (string | number)[], what: string) => {
        if (typeof m !== 'string') return;
        const other = mounts.get(m);
        if (other !== undefined) push(at, `${m} is already mounted (${other})`);
        else mounts.set(m, what);
      };
      arr(s.secrets).forEach((sec: unknown, k: number) => mountAt(obj(sec).mount, ['services', i, 'secrets', k, 'mount'], `secrets[${k}]`));
      arr(s.volumes).forEach((v: unknown, k: number) => mountAt(obj(v).path, ['services', i, 'volumes', k, 'path'], `volumes[${k}]`));
    }
    if ((s.produces.length > 0 || s.consumes.length > 0) && !s.dependsOn.includes('kafka')) {
      push(['services', i, 'dependsOn'], `produces/consumes Kafka topics, so dependsOn must include 'kafka'`);
    }
  });
  // Topic names are free: a topic nobody produces (fed from outside) or nobody consumes is allowed. One a typo away
  // from a topic the other side names is not: that is a consumer waiting on a topic nobody writes.
  const produced = new Set(spec.services.flatMap((s) => s.produces));
  const consumed = new Set(spec.services.flatMap((s) => s.consumes));
  spec.services.forEach((s, i) => {
    for (const [field, mine, theirs, other] of [['consumes', s.consumes, produced, 'produces'], ['produces', s.produces, consumed, 'consumes']] as const) {
      (mine as readonly string[]).forEach((t: string, j: number) => {
        if (theirs.has(t)) return;
        const near = didYouMean(t, [...theirs]);
        if (near) push(['services', i, field, j], `no service ${other} '${t}'; did you mean '${near}' (${other === 'produces' ? 'produced' : 'consumed'} by ${spec.services.filter((x) => (x[other] as readonly string[]).includes(near)).map((x) => x.name).join(', ')})?`);
      });
    }
  });
  // Whether `store` runs in the cluster in `env` (declared there and not external).
  const inCluster = (store: DataStoreName, env: string) => {
    const e = obj(obj(obj(spec.dataStores[store]).environments)[env]);
    return Object.keys(e).length > 0 && e.external === undefined;
  };
  // A store only other stores use (ZooKeeper: Kafka) runs where one of them runs in the cluster.
  const unneededIn = (store: DataStoreName, env: string): DataStoreName[] | undefined => {
    const users = (STORE_CATALOGUE[store].clientStores ?? []) as DataStoreName[];
    if (STORE_CATALOGUE[store].dependable || users.length === 0) return undefined;
    const present = users.filter((u) => stores.has(u));
    return present.length > 0 && present.every((u) => !inCluster(u, env)) ? present : undefined;
  };
  for (const store of storeKinds) {
    const kind = STORE_CATALOGUE[store];
    for (const needed of STORE_REQUIRES[store]) {
      if (!stores.has(needed) && Object.keys(spec.environments).some((env) => inCluster(store, env))) push(['dataStores', store], `${store} needs dataStores.${needed} (${kind.title} cannot run without ${STORE_CATALOGUE[needed].title})`);
    }
    if (!kind.versionProblem) continue;
    const entry = obj(spec.dataStores[store]);
    const versions: [(string | number)[], unknown][] = [
      [['dataStores', store, 'version'], entry.version],
      ...Object.entries(obj(entry.environments)).map(([env, e]): [(string | number)[], unknown] => [['dataStores', store, 'environments', env, 'version'], obj(e).version]),
    ];
    for (const [path, version] of versions) {
      const problem = typeof version === 'string' ? kind.versionProblem(version) : undefined;
      if (problem) push(path, problem);
    }
  }
  const envNames = Object.keys(spec.environments);
  for (const store of storeKinds) {
    const perEnv = obj(obj(spec.dataStores[store]).environments);
    for (const env of envNames) {
      const users = unneededIn(store, env);
      if (users && perEnv[env]) {
        const title = STORE_CATALOGUE[store].title;
        push(['dataStores', store, 'environments', env], `${users.map((u) => STORE_CATALOGUE[u].title).join(', ')} is external in ${env}: ${title} runs only for an in-cluster ${users.map((u) => STORE_CATALOGUE[u].title).join(', ')}; remove ${env} here`);
      }
      if (!perEnv[env] && !users) push(['dataStores', store, 'environments'], `missing environment '${env}'`);
    }
    for (const env of Object.keys(perEnv)) {
      if (!spec.environments[env]) push(['dataStores', store, 'environments', env], `'${env}' is not an environment`);
      const e = obj(perEnv[env]);
      const at = ['dataStores', store, 'environments', env];
      if (e.external !== undefined) {
        const kind = STORE_CATALOGUE[store];
        if (!kind.managed) push([...at, 'external'], `${kind.title} cannot be external yet: ${kind.unmanagedWhy ?? 'no managed form'}; managed kinds: ${DATA_STORES.filter((k) => STORE_CATALOGUE[k].managed).join(', ')}`);
        // The interval is filled in with its default: only one the spec changed says someone expects these backups.
        const interval = kind.backupInterval;
        const set = interval ? obj(obj(obj(spec.environments[env]).backups)[store])[interval.key] : undefined;
        if (interval && set !== undefined && set !== interval.defaultHours) push(['environments', env, 'backups', store], `${kind.title} is external in ${env}: the provider backs it up, nothing here would`);
        for (const f of ['replicas', 'storage', 'storageClass', 'tier', 'version', 'upgradedFrom', 'restoreTo']) {
          if (e[f] !== undefined) push([...at, f], `not with external: the provider runs ${kind.title} in ${env} (its size, version and backups are set there)`);
        }
        const ext = obj(e.external);
        const managed = kind.managed;
        if (managed) {
          // One host, or (Kafka) every broker: whichever the kind's clients connect to.
          const [want, other] = managed.endpoints === 'brokers' ? (['brokers', 'host'] as const) : (['host', 'brokers'] as const);
          const why = want === 'brokers' ? `a ${kind.title} client connects to every broker the bootstrap names, and each needs its egress` : `${kind.title} has one endpoint`;
          if (ext[other] !== undefined) push([...at, 'external', other], `not for ${kind.title}: give ${want} (${why})`);
          if (ext[want] === undefined && e.external !== null && typeof e.external === 'object') push([...at, 'external', want], `required for ${kind.title} (${why})`);
          const brokers = arr(ext.brokers);
          brokers.forEach((b, i) => {
            if (brokers.indexOf(b) !== i) push([...at, 'external', 'brokers', i], `'${String(b)}' is listed twice`);
          });
          if (ext.sasl !== undefined && !managed.saslMechanisms) push([...at, 'external', 'sasl'], `not for ${kind.title}: only a managed Kafka logs in with SASL (${kind.title}'s clients use the Secret's username and password)`);
          // One plain-TCP host per port in a namespace: the mesh tells them apart by port only (TLS ones by SNI).
          const extPort = ext.port ?? managed.defaultPort;
          const clash = managed.protocol === 'TCP' && spec.services.flatMap((sv) => arr(sv.egress)).find((x: any) => (x?.protocol ?? 'TLS') === 'TCP' && (x?.port ?? 443) === extPort && x?.host !== ext.host);
          if (clash) push([...at, 'external', 'port'], `TCP port ${extPort} is also egress to '${clash.host}': plain TCP hosts are told apart by port only`);
        }
      } else {
        for (const f of ['replicas', 'storage']) if (e[f] === undefined) push([...at, f], 'required (unless the store is external in this environment)');
      }
      if (obj(perEnv[env]).restoreTo === undefined) continue;
      // Only a store with a WAL archive (PostgreSQL) replays to a point in time; it needs the environment's backups.
      if (STORE_CATALOGUE[store].backup !== 'point-in-time') {
        const which = DATA_STORES.filter((k) => STORE_CATALOGUE[k].backup === 'point-in-time').join(', ');
        push(['dataStores', store, 'environments', env, 'restoreTo'], `only ${which} restores to a point in time (${store}: see docs/runbooks.md)`);
      }
      else if (spec.environments[env] && !obj(spec.environments[env]).backups) push(['dataStores', store, 'environments', env, 'restoreTo'], `needs environments.${env}.backups (the archive to restore from)`);
    }
  }
  arr((raw as any).patches).forEach((p: unknown, i: number) => {
    arr(obj(p).environments).forEach((e: unknown, j: number) => {
      if (typeof e === 'string' && !spec.environments[e]) push(['patches', i, 'environments', j], `'${e}' is not an environment${suggestion(e, envNames)}`);
    });
  });
  // Teams: environments that exist, and each group in one team (its access is then read in one place).
  const groupOwner = new Map<string, string>();
  for (const [teamName, t] of Object.entries(obj((raw as any).teams))) {
    for (const env of Object.keys(obj(obj(t).access))) {
      if (!spec.environments[env]) push(['teams', teamName, 'access', env], `'${env}' is not an environment${suggestion(env, envNames)}`);
    }
    arr(obj(t).groups).forEach((g: unknown, i: number) => {
      if (typeof g !== 'string') return;
      const owner = groupOwner.get(g);
      if (owner !== undefined) push(['teams', teamName, 'groups', i], owner === teamName ? `group '${g}' is listed twice` : `group '${g}' is already team '${owner}'s: give each group to one team, so its access is stated once`);
      else groupOwner.set(g, teamName);
    });
  }
  // Namespaces the cluster or its add-ons own: an environment there would bind its teams over their Secrets and controllers.
  const reserved = new Map<string, string>([
    ...(['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const).map((n): [string, string] => [n, 'Kubernetes']),
    [obj(obj(raw).gitops).argocdNamespace ?? 'argocd', 'Argo CD (gitops.argocdNamespace)'],
    ...Object.entries({ ...DEFAULT_ADDON_NAMESPACES, ...Object.fromEntries(Object.entries(obj(obj(raw).cluster)).filter(([k, v]) => k.endsWith('Namespace') && typeof v === 'string')) }).map(([k, v]): [string, string] => [String(v), `the add-ons (cluster.${k})`]),
    [obj(obj(obj(raw).cluster).ingressGateway).namespace ?? 'istio-ingress', 'the ingress gateway (cluster.ingressGateway.namespace)'],
    [obj(obj(obj(raw).cluster).keda).namespace ?? 'keda', 'KEDA (cluster.keda.namespace)'],
    ['cert-manager', 'cert-manager'],
  ]);
  for (const [envName, e] of Object.entries(spec.environments)) {
    for (const field of ['namespace', 'dataNamespace'] as const) {
      const ns = obj(e)[field];
      if (typeof ns === 'string' && reserved.has(ns)) push(['environments', envName, field], `'${ns}' belongs to ${reserved.get(ns)}: give the environment its own namespace`);
    }
  }
  const namespaces = new Map<string, string>();
  const hostOwners = new Map<string, string>();
  const overlaps = new Map<string, { at: (string | number)[]; text: (where: string) => string; where: string[] }>();
  for (const [envName, e] of Object.entries(spec.environments)) {
    const env = obj(e);
    // Argo CD names: <platform>-<env> for the environment's Application and AppProject.
    if (envName === 'addons' || envName === 'root' || envName === 'access') push(['environments', envName], `'${envName}' is reserved (Argo CD project/app <platform>-${envName})`);
    if (envName === 'argocd') push(['environments', envName], `'argocd' is reserved (dist/argocd/ holds the Argo CD objects)`);
    if (typeof env.namespace !== 'string') continue;
    for (const ns of new Set([env.namespace, env.dataNamespace ?? env.namespace])) {
      const other = namespaces.get(ns);
      if (other) push(['environments', envName, 'namespace'], `namespace '${ns}' is already used by environment '${other}'`);
      else namespaces.set(ns, envName);
    }
    const clusterNames = new Set<string>();
    arr(env.clusters).forEach((c: unknown, i: number) => {
      const n = obj(c).name;
      if (typeof n !== 'string') return;
      if (clusterNames.has(n)) push(['environments', envName, 'clusters', i, 'name'], `duplicate cluster name '${n}'`);
      clusterNames.add(n);
    });
    const hpa = obj(env.autoscaling);
    if (typeof hpa.minReplicas === 'number' && typeof env.replicas === 'number' && hpa.minReplicas < env.replicas) {
      push(['environments', envName, 'autoscaling', 'minReplicas'], `must be at least replicas (${env.replicas}), got ${hpa.minReplicas}`);
    }
    const routes = spec.services.map((s, i) => ({ s, i, route: effectiveRoute(s, envName) }));
    if (env.rateLimit !== undefined && !routes.some((r) => r.route?.path)) push(['environments', envName, 'rateLimit'], `${envName} has no public routes: nothing to rate-limit at the gateway`);
    // One environment per public host on a cluster: two would bind it on the shared gateway (and stack their rate limits).
    const servers: string[] = arr(env.clusters).length ? arr(env.clusters).map((c: unknown) => String(obj(c).server)) : [String(obj(env.cluster).server ?? 'https://kubernetes.default.svc')];
    for (const r of routes) {
      if (typeof r.route?.path !== 'string') continue;
      const host = String(typeof r.route.host === 'string' ? r.route.host : (env.host ?? '')).toLowerCase();
      for (const server of servers) {
        const other = hostOwners.get(`${server} ${host}`);
        if (other && other !== envName) push(obj(obj(r.s.environments)[envName]).route ? ['services', r.i, 'environments', envName, 'route', 'host'] : ['services', r.i, 'route', 'host'], `host ${host} is also ${other}'s on cluster ${server}: both would bind it on the shared ingress gateway; give each environment its own host`);
        else hostOwners.set(`${server} ${host}`, envName);
      }
    }
    if (routes.some((r) => r.route?.path && !r.route.host) && !env.host) {
      push(['environments', envName, 'host'], 'required: services declare public routes without their own host');
    }
    // One host, one owner per path: two VirtualServices on a gateway host merge in no defined order, so a
    // path that is a prefix of another (by segments) may swallow its requests.
    const seen: { host: string; segments: string[]; name: string; at: (string | number)[] }[] = [];
    for (const { s, i, route: r } of routes) {
      if (typeof r?.path !== 'string') continue;
      // DNS names are case-insensitive.
      const host = (typeof r.host === 'string' ? r.host : typeof env.host === 'string' ? env.host : '').toLowerCase();
      const segments = r.path.split('/').filter(Boolean);
      const at = obj(obj(s.environments)[envName]).route ? ['services', i, 'environments', envName, 'route', 'path'] : ['services', i, 'route', 'path'];
      for (const other of seen) {
        if (other.host !== host) continue;
        const [short, long] = other.segments.length <= segments.length ? [other.segments, segments] : [segments, other.segments];
        if (!short.every((seg, k) => seg === long[k])) continue;
        // One problem per pair, naming every environment (and host) where they meet.
        const key = `${JSON.stringify(at)}|${other.name}|${r.path}|${other.segments.join('/')}`;
        const where = `${host || 'the environment host'} in ${envName}`;
        const found = overlaps.get(key);
        if (found) found.where.push(where);
        else {
          const text = (w: string) =>
            short.length === long.length
              ? `route ${r.path} is also ${other.name}'s (${w}): give each service its own path`
              : `route ${r.path} and ${other.name}'s route /${other.segments.join('/')} overlap (${w}): /${short.join('/')} also matches /${long.join('/')}, and the gateway's order between them is undefined; use paths where neither is a prefix of the other`;
          overlaps.set(key, { at, text, where: [where] });
        }
      }
      seen.push({ host, segments, name: String(s.name), at });
    }
  }
  for (const o of overlaps.values()) push(o.at, o.text(o.where.join(', ')));
}
