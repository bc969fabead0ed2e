import type { EnvironmentModel, PlatformModel } from '../../platform/model';
import { zookeeperQuorum } from '../../stores/zookeeper/alerts';
import { workloadsOf } from '../../blocks/signals/service';
import { MONGODB_REPLICATION_LAG_SECONDS } from '../../stores/mongodb/alerts';

/**
 * `promtool test rules` cases for every alert the platform renders, as
 * monitoring mixins test theirs: for each alert, input series where it must
 * fire — with its exact labels and annotations, after its `for` and not
 * before — and series where it must not. Written against the rendered rules of
 * each environment (namespaces, replica counts and thresholds from the model);
 * test/monitoring/promtool-check.ts runs them and fails when a rendered alert
 * has no case here.
 */

export interface AlertCase {
  readonly interval: string;
  readonly input_series: { series: string; values: string }[];
  readonly alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[];
}

type Builder = (env: EnvironmentModel, platform: PlatformModel) => AlertCase[];

const labels = (env: EnvironmentModel, severity: string, extra: Record<string, string>) => ({ severity, environment: env.name, platform: env.platform, ...extra });
const runbook = (platform: PlatformModel, alert: string) => `${platform.gitops.repoURL.replace(/\.git$/, '')}/blob/${platform.gitops.targetRevision}/docs/runbooks.md#${alert.toLowerCase()}`;
const series = (name: string, l: Record<string, string>) => `${name}{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
const store = (env: EnvironmentModel, kind: string) => env.stores.find((s) => s.kind === kind)!;
/**
 * A case: fires at `fireAt` (not at `pendingAt`) on values just past the
 * threshold, and the healthy twin — just short of it — never does. `noise`
 * (series the alert must not select: another namespace, another reporter or
 * job, a status that is not an error) runs beside both, so a dropped matcher
 * fires an alert no case expects.
 */
function fireAndNot(
  alertname: string,
  fire: { series: AlertCase['input_series']; pendingAt: string; fireAt: string; exp: AlertCase['alert_rule_test'][number]['exp_alerts'] },
  healthy: AlertCase['input_series'],
  noise: AlertCase['input_series'] = [],
): AlertCase[] {
  return [
    {
      interval: '1m',
      input_series: [...fire.series, ...noise],
      alert_rule_test: [
        { eval_time: fire.pendingAt, alertname, exp_alerts: [] },
        { eval_time: fire.fireAt, alertname, exp_alerts: fire.exp },
      ],
    },
    { interval: '1m', input_series: [...healthy, ...noise], alert_rule_test: [{ eval_time: fire.fireAt, alertname, exp_alerts: [] }] },
  ];
}

/** Another namespace: an alert scoped to the environment must not see it. */
const OTHER_NS = 'someone-else';

/** A store's exporter reporting its server down (`<metric> == 0` for 2 m), with every label kept. */
function exporterSeesDown(
  env: EnvironmentModel,
  p: PlatformModel,
  alertname: string,
  t: { metric: string; store: string; pod: string; job: string },
  summary: string,
  description: (ns: string) => string,
): AlertCase[] {
  const ns = store(env, t.store).namespace;
  const s = (v: string, n = ns) => [{ series: series(t.metric, { namespace: n, pod: t.pod, job: t.job }), values: v }];
  return fireAndNot(
    alertname,
    { series: s('1 0x10'), pendingAt: '2m', fireAt: '4m', exp: [{ exp_labels: labels(env, 'critical', { namespace: ns, pod: t.pod, job: t.job }), exp_annotations: { summary, description: description(ns), runbook_url: runbook(p, alertname) } }] },
    s('1x10'),
    s('0x10', OTHER_NS),
  );
}

/**
 * A store kind's availability alert: its in-cluster exporter sees the server down (`exporterSeesDown`),
 * or, where a provider runs it (`external`), the managed exporter in the services namespace cannot query
 * the endpoint.
 */
function storeDown(
  env: EnvironmentModel,
  p: PlatformModel,
  alertname: string,
  t: { metric: string; store: string; pod: string; job: string; summary: string; description: (ns: string) => string },
  managed: { pod: string; job: string; title: string; exporter: string; /** The kind's own wording. @default "cannot be queried" with its credentials */ text?: (x: { host: string; port: number; secretName: string }) => { summary: string; description: string } },
): AlertCase[] {
  if (env.stores.some((s) => s.kind === t.store)) return exporterSeesDown(env, p, alertname, t, t.summary, t.description);
  const x = env.externalStores.find((s) => s.kind === t.store)!;
  const l = (n = env.namespace) => ({ namespace: n, pod: managed.pod, job: managed.job });
  const s = (v: string, n?: string) => [{ series: series(t.metric, l(n)), values: v }];
  const text = managed.text?.(x) ?? {
    summary: `The managed ${managed.title} cannot be queried`,
    description: `${managed.exporter} in ${env.namespace} cannot query the managed ${managed.title} at ${x.host}:${x.port} with its clients' credentials (Secret ${x.secretName}): the endpoint, the network path (NetworkPolicy, ServiceEntry) or the credentials.`,
  };
  return fireAndNot(
    alertname,
    { series: s('1 0x10'), pendingAt: '2m', fireAt: '4m', exp: [{ exp_labels: labels(env, 'critical', l()), exp_annotations: { summary: text.summary, description: text.description, runbook_url: runbook(p, alertname) } }] },
    s('1x10'),
    s('0x10', OTHER_NS),
  );
}

/** Prometheus' humanizeDuration for whole seconds ≥ 1 min: `1d 2h 10m 0s`, `3h 10m 0s`. */
function humanizeDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${d > 0 ? `${d}d ` : ''}${h}h ${m}m ${seconds % 60}s`;
}

/**
 * A backup CronJob's last success (kube-state-metrics) older than `limitHours`:
 * a last success at 0 s fires 10 min past the limit (not 2 min past: `for` 5m);
 * a CronJob succeeding all along never does; another namespace's or another
 * CronJob's stale series are not this alert's.
 */
function backupStale(env: EnvironmentModel, p: PlatformModel, name: string, cronjob: string, limitHours: number, what: string, causes: string): AlertCase[] {
  const storeKind = name.startsWith('Postgres') ? 'postgres' : 'redis';
  const ns = store(env, storeKind).namespace;
  const l = (n = ns, c = cronjob) => ({ namespace: n, cronjob: c, job: 'kube-state-metrics' });
  const minutes = limitHours * 60 + 20;
  const at = (m: number) => `${Math.floor(m / 60)}h${m % 60}m`;
  const stale = (n = ns, c = cronjob) => [{ series: series('kube_cronjob_status_last_successful_time', l(n, c)), values: `0x${minutes}` }];
  const alertname = `${name}Stale`;
  return fireAndNot(
    alertname,
    {
      series: stale(),
      pendingAt: at(limitHours * 60 + 2),
      fireAt: at(limitHours * 60 + 10),
      exp: [{ exp_labels: labels(env, 'critical', { namespace: ns, cronjob }), exp_annotations: { summary: `${what}: not known for too long`, description: `The CronJob ${cronjob} in ${ns} last succeeded ${humanizeDuration(limitHours * 3600 + 600)} ago (limit ${limitHours} h): ${causes}.`, runbook_url: runbook(p, alertname) } }],
    },
    // Succeeding every minute: the last success is always now.
    [{ series: series('kube_cronjob_status_last_successful_time', l()), values: `0+60x${minutes}` }],
    [...stale(OTHER_NS), ...stale(ns, 'some-other-cronjob')],
  );
}

/** No success of the backup CronJob at all fires after `hours`; a success (even long ago) never does. */
function backupNeverSucceeded(env: EnvironmentModel, p: PlatformModel, name: string, cronjob: string, hours: number, what: string, means: string): AlertCase[] {
  const ns = store(env, name.startsWith('Postgres') ? 'postgres' : 'redis').namespace;
  const present = (n = ns) => [{ series: series('kube_cronjob_status_last_successful_time', { namespace: n, cronjob, job: 'kube-state-metrics' }), values: `0x${hours * 60 + 20}` }];
  const alertname = `${name}NeverSucceeded`;
  return fireAndNot(
    alertname,
    { series: [], pendingAt: `${hours - 1}h`, fireAt: `${hours}h5m`, exp: [{ exp_labels: labels(env, 'warning', { namespace: ns, cronjob }), exp_annotations: { summary: `${what}: never shown`, description: `No run of the CronJob ${cronjob} in ${ns} has succeeded: ${means}.`, runbook_url: runbook(p, alertname) } }] },
    present(),
    // Another namespace's CronJob succeeding says nothing about this one.
    present(OTHER_NS),
  );
}

export const ALERT_CASES: Readonly<Record<string, Builder>> = {
  ServiceLatencyP95High: (env, p) => {
    const svc = env.services[0]!;
    // Its first workload: the Deployment (a blue-green service's is `<name>-<colour>`).
    const w = workloadsOf(svc)[0]!;
    const slo = svc.slo.latencyP95Ms;
    const les = [slo * 0.9, slo, slo * 1.1, '+Inf'].map(String);
    // Cumulative buckets per minute (of 60 requests): 54 under 0.9 × SLO, then the rest in (SLO, 1.1 × SLO] (p95 = 1.05 × SLO)
    // or in (0.9 × SLO, SLO] (p95 = 0.95 × SLO).
    const buckets = (counts: number[], l: Record<string, string> = {}) =>
      les.map((le, k) => ({
        series: series('istio_request_duration_milliseconds_bucket', { reporter: 'destination', destination_workload_namespace: env.namespace, destination_workload: w, ...l, le }),
        values: `0+${counts[k]}x30`,
      }));
    const slow = [54, 54, 60, 60];
    const desc = (v: string) => `The 95th percentile of request duration of ${w} in ${env.namespace} is ${v} ms (SLO: ${slo} ms).`;
    return fireAndNot(
      'ServiceLatencyP95High',
      {
        series: buckets(slow),
        pendingAt: '9m',
        fireAt: '16m',
        exp: [{ exp_labels: labels(env, 'warning', { destination_workload: w }), exp_annotations: { summary: `${w} p95 latency is above ${slo} ms`, description: desc(String(Number((slo * 1.05).toPrecision(12)))), runbook_url: runbook(p, 'ServiceLatencyP95High') } }],
      },
      buckets([54, 60, 60, 60]),
      // As slow, but another namespace's workload, or the caller's report of it.
      [...buckets(slow, { destination_workload_namespace: OTHER_NS }), ...buckets(slow, { reporter: 'source' })],
    );
  },
  ServiceErrorRateHigh: (env, p) => {
    const svc = env.services[0]!;
    // Its first workload: the Deployment (a blue-green service's is `<name>-<colour>`).
    const w = workloadsOf(svc)[0]!;
    const limit = svc.slo.errorRatePercent;
    const req = (code: string, perMin: number, l: Record<string, string> = {}) => ({
      series: series('istio_requests_total', { reporter: 'destination', destination_workload_namespace: env.namespace, destination_workload: w, response_code: code, ...l }),
      values: `0+${perMin}x30`,
    });
    // Per 1000 requests a minute: 1.5 × the limit in 5xx (fires) or 0.9 × (does not).
    const failing = (x: number) => Math.round(10 * limit * x);
    return fireAndNot(
      'ServiceErrorRateHigh',
      {
        series: [req('200', 1000 - failing(1.5)), req('503', failing(1.5))],
        pendingAt: '4m',
        fireAt: '12m',
        exp: [{ exp_labels: labels(env, 'critical', { destination_workload: w }), exp_annotations: { summary: `${w} answers more than ${limit}% of requests with 5xx`, description: `${Number((limit * 1.5).toPrecision(12))}% of the requests to ${w} in ${env.namespace} failed with a 5xx status over the last 5 minutes.`, runbook_url: runbook(p, 'ServiceErrorRateHigh') } }],
      },
      // Client errors are not failures: 30 % 404s beside the 5xx just under the limit.
      [req('200', 700 - failing(0.9)), req('404', 300), req('503', failing(0.9))],
      // Another namespace's and the caller-reported 5xx are not this alert's.
      [req('503', 500, { destination_workload_namespace: OTHER_NS }), req('200', 500, { destination_workload_namespace: OTHER_NS }), req('503', 500, { reporter: 'source' })],
    );
  },
  ServicePodsNotReady: (env, p) => {
    const svc = env.services[0]!;
    // Its first workload: the Deployment (a blue-green service's is `<name>-<colour>`).
    const w = workloadsOf(svc)[0]!;
    const s = (v: string, l: Record<string, string> = {}) => [{ series: series('kube_deployment_status_replicas_unavailable', { namespace: env.namespace, deployment: w, job: 'kube-state-metrics', ...l }), values: v }];
    return fireAndNot(
      'ServicePodsNotReady',
      { series: s('1x30'), pendingAt: '14m', fireAt: '20m', exp: [{ exp_labels: labels(env, 'warning', { deployment: w }), exp_annotations: { summary: `${w} has pods that are not ready`, description: `1 replica(s) of ${w} in ${env.namespace} have been unavailable for 15 minutes.`, runbook_url: runbook(p, 'ServicePodsNotReady') } }] },
      s('0x30'),
      // Another namespace's Deployment, and one in this namespace that is not a service.
      [...s('2x30', { namespace: OTHER_NS }), ...s('2x30', { deployment: 'not-a-service' })],
    );
  },
  ServiceAutoscalerAtMax: (env, p) => {
    const svc = env.services.find((s) => s.scaler === 'hpa')!;
    const hpa = (current: number, ns = env.namespace) => [
      { series: series('kube_horizontalpodautoscaler_status_current_replicas', { namespace: ns, horizontalpodautoscaler: svc.name, job: 'kube-state-metrics' }), values: `${current}x30` },
      { series: series('kube_horizontalpodautoscaler_spec_max_replicas', { namespace: ns, horizontalpodautoscaler: svc.name, job: 'kube-state-metrics' }), values: `${svc.maxReplicas}x30` },
    ];
    return fireAndNot(
      'ServiceAutoscalerAtMax',
      {
        series: hpa(svc.maxReplicas),
        pendingAt: '14m',
        fireAt: '20m',
        exp: [{ exp_labels: labels(env, 'warning', { namespace: env.namespace, horizontalpodautoscaler: svc.name, job: 'kube-state-metrics' }), exp_annotations: { summary: `${svc.name} has been at its maximum replicas for 15 minutes`, description: `The autoscaler ${svc.name} in ${env.namespace} cannot add replicas; raise maxReplicas or find the bottleneck.`, runbook_url: runbook(p, 'ServiceAutoscalerAtMax') } }],
      },
      hpa(svc.maxReplicas - 1),
      hpa(svc.maxReplicas, OTHER_NS),
    );
  },
  ServiceCronJobFailing: (env, p) => {
    const c = env.services.flatMap((x) => x.cronJobs)[0]!;
    const ns = env.namespace;
    const l = (n = ns) => ({ namespace: n, cronjob: c.name });
    const mins = c.activeDeadlineSeconds / 60;
    // Samples past the deadline and the `for` (a series that ends goes stale).
    const samples = mins + 20;
    // Scheduled at t=0; the last success is the day before (the run failed or hangs) or, healthy, a minute after the schedule.
    const s = (lastSuccess: string | undefined, n = ns) => [
      { series: series('kube_cronjob_status_last_schedule_time', l(n)), values: `0x${samples}` },
      ...(lastSuccess !== undefined ? [{ series: series('kube_cronjob_status_last_successful_time', l(n)), values: `${lastSuccess}x${samples}` }] : []),
    ];
    const fireAt = mins + 7;
    const exp = [{ exp_labels: labels(env, 'warning', l()), exp_annotations: { summary: `${c.name}: its latest run has not succeeded`, description: `The run of the CronJob ${c.name} in ${ns} scheduled ${fireAt >= 60 ? humanizeDuration(fireAt * 60) : `${fireAt}m 0s`} ago has not succeeded within its deadline (${c.activeDeadlineSeconds} s): it failed, hung, or never succeeded.`, runbook_url: runbook(p, 'ServiceCronJobFailing') } }];
    return [
      ...fireAndNot('ServiceCronJobFailing', { series: s('-86400'), pendingAt: `${mins + 3}m`, fireAt: `${fireAt}m`, exp }, s('60'), s('-86400', OTHER_NS)),
      // Never succeeded at all fires too; a run still within its deadline does not.
      { interval: '1m', input_series: s(undefined), alert_rule_test: [{ eval_time: `${mins - 1}m`, alertname: 'ServiceCronJobFailing', exp_alerts: [] }, { eval_time: `${fireAt}m`, alertname: 'ServiceCronJobFailing', exp_alerts: exp }] },
    ];
  },
  PostgresDown: (env, p) =>
    storeDown(
      env,
      p,
      'PostgresDown',
      { metric: 'pg_up', store: 'postgres', pod: 'postgres-primary-0', job: 'postgres-metrics', summary: 'PostgreSQL instance postgres-primary-0 is down', description: (ns) => `postgres_exporter cannot reach the PostgreSQL server in pod postgres-primary-0 (${ns}).` },
      { pod: 'postgres-exporter-7d9f-x2k4q', job: 'postgres-exporter-metrics', title: 'PostgreSQL', exporter: 'postgres_exporter' },
    ),
  MySQLDown: (env, p) =>
    storeDown(
      env,
      p,
      'MySQLDown',
      { metric: 'mysql_up', store: 'mysql', pod: 'mysql-primary-0', job: 'mysql-metrics', summary: 'MySQL instance mysql-primary-0 is down', description: (ns) => `mysqld_exporter cannot query the MySQL server in pod mysql-primary-0 (${ns}).` },
      { pod: 'mysqld-exporter-5c8b-q7m2n', job: 'mysqld-exporter-metrics', title: 'MySQL', exporter: 'mysqld_exporter' },
    ),
  MySQLConnectionsNearLimit: (env, p) => {
    const ns = store(env, 'mysql').namespace;
    const l = (n = ns) => ({ namespace: n, pod: 'mysql-primary-0', job: 'mysql-metrics' });
    const s = (connected: number, n = ns) => [
      { series: series('mysql_global_status_threads_connected', l(n)), values: `${connected}x20` },
      { series: series('mysql_global_variables_max_connections', l(n)), values: '300x20' },
    ];
    return fireAndNot(
      'MySQLConnectionsNearLimit',
      // 256 of 300 is past 85 %; 255 is exactly 85 %, not past it.
      { series: s(256), pendingAt: '9m', fireAt: '11m', exp: [{ exp_labels: labels(env, 'warning', { pod: 'mysql-primary-0' }), exp_annotations: { summary: 'MySQL mysql-primary-0 is near max_connections', description: `85.33% of max_connections (300) of mysql-primary-0 in ${ns} are in use; past it, clients are refused. The connection budget should prevent this: look for connections outside the services' pools.`, runbook_url: runbook(p, 'MySQLConnectionsNearLimit') } }] },
      s(255),
      s(299, OTHER_NS),
    );
  },
  MySQLReplicationStopped: (env, p) => {
    const ns = store(env, 'mysql').namespace;
    const l = (n = ns) => ({ namespace: n, pod: 'mysql-read-1', job: 'mysql-metrics' });
    const s = (io: string, sql: string, n = ns) => [
      { series: series('mysql_slave_status_slave_io_running', l(n)), values: io },
      { series: series('mysql_slave_status_slave_sql_running', l(n)), values: sql },
    ];
    const exp = [{ exp_labels: labels(env, 'critical', { pod: 'mysql-read-1' }), exp_annotations: { summary: 'MySQL replica mysql-read-1 does not replicate', description: `A replication thread of mysql-read-1 in ${ns} has stopped for 5 minutes: it serves no reads (it left mysql-read) and falls further behind. Its log and SHOW REPLICA STATUS say why.`, runbook_url: runbook(p, 'MySQLReplicationStopped') } }];
    return [
      // The I/O thread stopped (a purged binary log), then the SQL thread (a failed statement): each fires alone.
      ...fireAndNot('MySQLReplicationStopped', { series: s('1 0x10', '1x10'), pendingAt: '4m', fireAt: '7m', exp }, s('1x10', '1x10'), s('0x10', '0x10', OTHER_NS)),
      { interval: '1m', input_series: s('1x10', '1 0x10'), alert_rule_test: [{ eval_time: '4m', alertname: 'MySQLReplicationStopped', exp_alerts: [] }, { eval_time: '7m', alertname: 'MySQLReplicationStopped', exp_alerts: exp }] },
    ];
  },
  MySQLReplicationLagHigh: (env, p) => {
    const ns = store(env, 'mysql').namespace;
    const s = (v: string, n = ns) => [{ series: series('mysql_slave_status_seconds_behind_master', { namespace: n, pod: 'mysql-read-0', job: 'mysql-metrics' }), values: v }];
    return fireAndNot(
      'MySQLReplicationLagHigh',
      { series: s('31x20'), pendingAt: '4m', fireAt: '10m', exp: [{ exp_labels: labels(env, 'critical', { pod: 'mysql-read-0' }), exp_annotations: { summary: 'MySQL replica mysql-read-0 lags behind the primary', description: `Replica mysql-read-0 in ${ns} is 31s behind the primary (threshold 30s); reads from mysql-read may be stale.`, runbook_url: runbook(p, 'MySQLReplicationLagHigh') } }] },
      s('30x20'),
      s('600x20', OTHER_NS),
    );
  },
  PostgresReplicationLagHigh: (env, p) => {
    const ns = store(env, 'postgres').namespace;
    const s = (v: string, n = ns) => [{ series: series('pg_replication_lag_seconds', { namespace: n, pod: 'postgres-read-0', job: 'postgres-metrics' }), values: v }];
    return fireAndNot(
      'PostgresReplicationLagHigh',
      // Just past the 30 s threshold, and just short of it.
      { series: s('31x20'), pendingAt: '4m', fireAt: '10m', exp: [{ exp_labels: labels(env, 'critical', { pod: 'postgres-read-0' }), exp_annotations: { summary: 'PostgreSQL replica postgres-read-0 lags behind the primary', description: `Replica postgres-read-0 in ${ns} is 31s behind the primary (threshold 30s); reads from postgres-read may be stale.`, runbook_url: runbook(p, 'PostgresReplicationLagHigh') } }] },
      s('29x20'),
      s('600x20', OTHER_NS),
    );
  },
  PostgresWalArchivingFailing: (env, p) => {
    const ns = store(env, 'postgres').namespace;
    const l = (n = ns) => ({ namespace: n, pod: 'postgres-primary-0', job: 'postgres-metrics' });
    const s = (failed: string, archived: string, n = ns) => [
      { series: series('pg_stat_archiver_failed_count', l(n)), values: failed },
      { series: series('pg_stat_archiver_archived_count', l(n)), values: archived },
    ];
    return fireAndNot(
      'PostgresWalArchivingFailing',
      // Every attempt fails (failures grow, nothing archived)…
      { series: s('0+1x30', '100x30'), pendingAt: '4m', fireAt: '10m', exp: [{ exp_labels: labels(env, 'critical', l()), exp_annotations: { summary: 'PostgreSQL cannot archive WAL (postgres-primary-0)', description: `Every WAL archiving attempt of postgres-primary-0 in ${ns} failed for 15 minutes: a point-in-time restore cannot reach past the last archived segment, and pg_wal grows until the volume is full. See the backup container's log.`, runbook_url: runbook(p, 'PostgresWalArchivingFailing') } }] },
      // …not some attempts failing while segments still get through.
      s('0+1x30', '100+1x30'),
      s('0+1x30', '100x30', OTHER_NS),
    );
  },
  PostgresBackupStale: (env, p) => backupStale(env, p, 'PostgresBackup', 'postgres-backup-check', 3, 'PostgreSQL backups are current', 'the newest full backup is late, the stanza is unhealthy, or the bucket cannot be read'),
  PostgresBackupNeverSucceeded: (env, p) => backupNeverSucceeded(env, p, 'PostgresBackup', 'postgres-backup-check', 3, 'PostgreSQL backups are current', 'backups may never have worked in this environment'),
  PostgresRestoreTestStale: (env, p) =>
    backupStale(env, p, 'PostgresRestoreTest', 'postgres-restore-test', 26, 'PostgreSQL backups restore', 'the newest backup or the archived WAL could not be restored, replayed or checked; until a restore test passes, the backups are not known to be usable'),
  PostgresRestoreTestNeverSucceeded: (env, p) => backupNeverSucceeded(env, p, 'PostgresRestoreTest', 'postgres-restore-test', 30, 'PostgreSQL backups restore', 'no backup of this environment has ever been shown to restore'),
  RedisDown: (env, p) =>
    storeDown(
      env,
      p,
      'RedisDown',
      { metric: 'redis_up', store: 'redis', pod: 'redis-1', job: 'redis-metrics', summary: 'Redis instance redis-1 is down', description: (ns) => `redis_exporter cannot reach Redis in pod redis-1 (${ns}).` },
      {
        pod: 'redis-exporter-6b7c-p4r8s',
        job: 'redis-exporter-metrics',
        title: 'Redis',
        exporter: 'redis_exporter',
        text: (x) => ({
          summary: 'The managed Redis cannot be reached',
          description: `redis_exporter in ${env.namespace} cannot reach the managed Redis at ${x.host}:${x.port} over TLS with its clients' password (Secret ${x.secretName}): the endpoint, the network path (NetworkPolicy, ServiceEntry), the certificate or the password.`,
        }),
      },
    ),
  RedisBackupStale: (env, p) => {
    const hours = 2 * store(env, 'redis').backup!.everyHours + 1;
    return backupStale(env, p, 'RedisBackup', 'redis-backup', hours, 'Redis snapshots are current', "the snapshot (Sentinel, the master) or the upload (bucket, credentials) fails; see the last Job's logs");
  },
  RedisBackupNeverSucceeded: (env, p) => backupNeverSucceeded(env, p, 'RedisBackup', 'redis-backup', store(env, 'redis').backup!.everyHours + 1, 'Redis snapshots are current', 'backups may never have worked in this environment'),
  RedisMemoryHigh: (env, p) => {
    const ns = store(env, 'redis').namespace;
    const l = { namespace: ns, pod: 'redis-0', job: 'redis-metrics' };
    const s = (used: number) => [
      { series: series('redis_memory_used_bytes', l), values: `${used}x20` },
      { series: series('redis_memory_max_bytes', l), values: '1000x20' },
      // A Redis without maxmemory (0) is left out, however much it uses.
      { series: series('redis_memory_used_bytes', { ...l, pod: 'redis-2' }), values: '5000x20' },
      { series: series('redis_memory_max_bytes', { ...l, pod: 'redis-2' }), values: '0x20' },
    ];
    return fireAndNot(
      'RedisMemoryHigh',
      { series: s(910), pendingAt: '9m', fireAt: '15m', exp: [{ exp_labels: labels(env, 'warning', l), exp_annotations: { summary: 'Redis redis-0 uses more than 90% of maxmemory', description: `Redis in pod redis-0 (${ns}) uses 91% of maxmemory; keys will be evicted or writes rejected.`, runbook_url: runbook(p, 'RedisMemoryHigh') } }] },
      s(890),
      [
        { series: series('redis_memory_used_bytes', { ...l, namespace: OTHER_NS }), values: '990x20' },
        { series: series('redis_memory_max_bytes', { ...l, namespace: OTHER_NS }), values: '1000x20' },
      ],
    );
  },
  KafkaBrokersDown: (env, p) => {
    // In the cluster: the brokers' StatefulSet; managed (MSK…): the brokers the spec lists, the exporter beside the clients' Secret.
    const kafka = env.stores.find((x) => x.kind === 'kafka');
    const managed = env.externalStores.find((x) => x.kind === 'kafka');
    const ns = kafka ? kafka.namespace : env.namespace;
    const brokers = kafka ? kafka.replicas : managed!.hosts.length;
    const s = (n: number) => [{ series: series('kafka_brokers', { namespace: ns, job: 'kafka-exporter-metrics', pod: 'kafka-exporter-0' }), values: `${n}x20` }];
    const description = (seen: number) =>
      managed
        ? `kafka_exporter (kafka-exporter-metrics in ${ns}) sees ${seen} of the ${brokers} brokers of the managed Kafka (the spec's brokers; 0 when it cannot reach them or log in with Secret ${managed.secretName}: the endpoint, the network path or the credentials).`
        : `kafka_exporter (kafka-exporter-metrics) sees ${seen} of ${brokers} brokers in ${ns}.`;
    const exp = (seen: number) => [{ exp_labels: labels(env, 'critical', {}), exp_annotations: { summary: 'Kafka has fewer brokers than configured', description: description(seen), runbook_url: runbook(p, 'KafkaBrokersDown') } }];
    // Another namespace's exporter seeing no broker is not this cluster.
    const other = [{ series: series('kafka_brokers', { namespace: OTHER_NS, job: 'kafka-exporter-metrics', pod: 'kafka-exporter-0' }), values: '0x20' }];
    const cases = fireAndNot('KafkaBrokersDown', { series: s(brokers - 1), pendingAt: '4m', fireAt: '10m', exp: exp(brokers - 1) }, s(brokers), other);
    // No exporter series at all (exporter down with the brokers) must fire too.
    cases.push({ interval: '1m', input_series: [], alert_rule_test: [{ eval_time: '10m', alertname: 'KafkaBrokersDown', exp_alerts: exp(0) }] });
    return cases;
  },
  KafkaConsumerLagHigh: (env, p) => {
    // kafka_exporter beside the brokers, or (managed Kafka) in the services namespace.
    const kafka = { namespace: env.stores.find((x) => x.kind === 'kafka')?.namespace ?? env.namespace };
    const svc = env.services.find((s) => s.consumes.length > 0)!;
    const threshold = svc.kafkaLagThreshold * svc.maxReplicas;
    const topic = svc.consumes[0]!;
    // Two partitions, summed per topic.
    const s = (perPartition: number, l: Record<string, string> = {}) =>
      ['0', '1'].map((partition) => ({ series: series('kafka_consumergroup_lag', { namespace: kafka.namespace, job: 'kafka-exporter-metrics', consumergroup: svc.name, topic, partition, ...l }), values: `${perPartition}x30` }));
    const half = Math.floor(threshold / 2);
    return fireAndNot(
      'KafkaConsumerLagHigh',
      {
        // Summed over the partitions: threshold + 2 (fires) and threshold (does not: the rule is `>`).
        series: s(half + 1),
        pendingAt: '14m',
        fireAt: '20m',
        exp: [{ exp_labels: labels(env, 'warning', { consumergroup: svc.name, topic }), exp_annotations: { summary: `Consumer group ${svc.name} is falling behind on ${topic}`, description: `Lag of ${svc.name} on ${topic} is ${2 * (half + 1)} messages, above ${threshold} (${svc.kafkaLagThreshold} per replica × ${svc.maxReplicas} replicas) for 15 minutes.`, runbook_url: runbook(p, 'KafkaConsumerLagHigh') } }],
      },
      s(half),
      // Another consumer group, and this group in another namespace.
      [...s(threshold * 10, { consumergroup: 'someone-elses-group' }), ...s(threshold * 10, { namespace: OTHER_NS })],
    );
  },
  MongoDBDown: (env, p) =>
    exporterSeesDown(env, p, 'MongoDBDown', { metric: 'mongodb_up', store: 'mongodb', pod: 'mongodb-0', job: 'mongodb-metrics' }, 'MongoDB member mongodb-0 is down', (ns) => `mongodb_exporter cannot reach the mongod of pod mongodb-0 (${ns}).`),
  MongoDBNoPrimary: (env, p) => {
    const m = store(env, 'mongodb');
    const l = (pod: string, n = m.namespace) => ({ namespace: n, pod, job: 'mongodb-metrics', set: 'rs0' });
    // Every member a secondary (state 2), or, healthy, mongodb-0 the primary (1); a primary in another namespace must not mask it.
    const s = (first: string) => [{ series: series('mongodb_mongod_replset_my_state', l('mongodb-0')), values: `${first}x10` }, ...(m.replicas > 1 ? [{ series: series('mongodb_mongod_replset_my_state', l('mongodb-1')), values: '2x10' }] : [])];
    const other = [{ series: series('mongodb_mongod_replset_my_state', l('mongodb-0', OTHER_NS)), values: '1x10' }];
    const exp = [{ exp_labels: labels(env, 'critical', {}), exp_annotations: { summary: 'The MongoDB replica set has no primary', description: `No member of the replica set in ${m.namespace} reports itself PRIMARY: writes fail until one is elected (a majority of the ${m.replicas} member${m.replicas === 1 ? '' : 's'} must see each other).`, runbook_url: runbook(p, 'MongoDBNoPrimary') } }];
    return [
      ...fireAndNot('MongoDBNoPrimary', { series: s('2'), pendingAt: '1m', fireAt: '3m', exp }, s('1'), other),
      // No member reports at all (every exporter gone): it fires too.
      { interval: '1m', input_series: other, alert_rule_test: [{ eval_time: '1m', alertname: 'MongoDBNoPrimary', exp_alerts: [] }, { eval_time: '3m', alertname: 'MongoDBNoPrimary', exp_alerts: exp }] },
    ];
  },
  MongoDBMemberUnhealthy: (env, p) => {
    const ns = store(env, 'mongodb').namespace;
    const l = (n = ns) => ({ namespace: n, pod: 'mongodb-1', job: 'mongodb-metrics', set: 'rs0' });
    const s = (v: string, n = ns) => [{ series: series('mongodb_mongod_replset_my_state', l(n)), values: v }];
    return [
      // RECOVERING (3) for more than 10 minutes; healthy: a secondary.
      ...fireAndNot(
        'MongoDBMemberUnhealthy',
        { series: s('3x20'), pendingAt: '9m', fireAt: '11m', exp: [{ exp_labels: labels(env, 'warning', l()), exp_annotations: { summary: 'MongoDB member mongodb-1 is neither primary nor secondary', description: `Member mongodb-1 in ${ns} has been in replica set state 3 (not PRIMARY 1 or SECONDARY 2) for 10 minutes: out of the mongodb Service, and not counted for the majority while it lasts.`, runbook_url: runbook(p, 'MongoDBMemberUnhealthy') } }] },
        s('2x20'),
        s('5x20', OTHER_NS),
      ),
      // The primary is healthy too.
      { interval: '1m', input_series: s('1x20'), alert_rule_test: [{ eval_time: '11m', alertname: 'MongoDBMemberUnhealthy', exp_alerts: [] }] },
    ];
  },
  MongoDBReplicationLagHigh: (env, p) => {
    const ns = store(env, 'mongodb').namespace;
    const host = (i: number) => `mongodb-${i}.mongodb-headless.${ns}.svc.cluster.local:27017`;
    const s = (v: string, n = ns) => [
      { series: series('mongodb_mongod_replset_member_replication_lag', { namespace: n, pod: 'mongodb-1', job: 'mongodb-metrics', set: 'rs0', name: host(1), state: 'SECONDARY', self: '1' }), values: v },
    ];
    // mongodb-0's exporter reports mongodb-2's lag too (self="0"): only each member's own counts, labelled with its pod.
    const otherReporter = [{ series: series('mongodb_mongod_replset_member_replication_lag', { namespace: ns, pod: 'mongodb-0', job: 'mongodb-metrics', set: 'rs0', name: host(2), state: 'SECONDARY', self: '0' }), values: '600x20' }];
    const t = MONGODB_REPLICATION_LAG_SECONDS;
    return fireAndNot(
      'MongoDBReplicationLagHigh',
      { series: s(`${t + 1}x20`), pendingAt: '4m', fireAt: '10m', exp: [{ exp_labels: labels(env, 'critical', { pod: 'mongodb-1' }), exp_annotations: { summary: 'MongoDB secondary mongodb-1 lags behind the primary', description: `Secondary mongodb-1 in ${ns} is ${t + 1}s behind the primary (threshold ${t}s): reads from secondaries are stale, and majority writes wait for it.`, runbook_url: runbook(p, 'MongoDBReplicationLagHigh') } }] },
      s(`${t - 1}x20`),
      [...s('600x20', OTHER_NS), ...otherReporter],
    );
  },
  ZooKeeperQuorumLost: (env, p) => {
    const zk = store(env, 'zookeeper');
    const quorum = zookeeperQuorum(zk.replicas);
    const l = { namespace: zk.namespace, job: 'zookeeper-metrics' };
    const exp = (inSync: number) => [{ exp_labels: labels(env, 'critical', {}), exp_annotations: { summary: 'ZooKeeper has lost its quorum', description: `Only ${inSync} of ${zk.replicas} ZooKeeper members in ${zk.namespace} are in sync with a leader (0: no leader); ${quorum} are needed. Kafka cannot elect controllers or change metadata.`, runbook_url: runbook(p, 'ZooKeeperQuorumLost') } }];
    if (zk.replicas === 1) {
      const s = (v: string) => [{ series: series('uptime', { ...l, pod: 'zookeeper-0' }), values: v }];
      const standalone = [{ exp_labels: labels(env, 'critical', {}), exp_annotations: { summary: 'ZooKeeper has lost its quorum', description: `The ZooKeeper server in ${zk.namespace} is not serving. Kafka cannot elect controllers or change metadata.`, runbook_url: runbook(p, 'ZooKeeperQuorumLost') } }];
      // The last sample is at 0m: the series is gone from 5m (lookback), pending from then, firing from 7m.
      const other = [{ series: series('uptime', { ...l, namespace: OTHER_NS, pod: 'zookeeper-0' }), values: '1000+60x10' }];
      return fireAndNot('ZooKeeperQuorumLost', { series: s('1000 _x10'), pendingAt: '6m', fireAt: '8m', exp: standalone }, s('1000+60x10'), other);
    }
    // The leader reports its followers in sync: quorum − 2 is one short.
    const s = (followers: number) => [{ series: series('synced_followers', { ...l, pod: 'zookeeper-1' }), values: `${followers}x10` }];
    // A healthy ensemble in another namespace must not mask this one's lost quorum.
    const other = [{ series: series('synced_followers', { ...l, namespace: OTHER_NS, pod: 'zookeeper-1' }), values: `${zk.replicas - 1}x10` }];
    return fireAndNot('ZooKeeperQuorumLost', { series: s(quorum - 2), pendingAt: '1m', fireAt: '5m', exp: exp(quorum - 1) }, s(quorum - 1), other);
  },
};
