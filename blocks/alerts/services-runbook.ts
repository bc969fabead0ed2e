import type { Runbook } from './types';

/** What to do when a service alert fires (docs/runbooks.md is assembled from these). */
export const SERVICE_RUNBOOK: Runbook = {
  alerts: {
    ServiceLatencyP95High: `p95 of request duration above the service's \`slo.latencyP95Ms\` (default 200 ms) for 10 minutes. Open the service's
dashboard: is the rise in all percentiles (saturation: check CPU/memory
saturation and replicas) or only in the tail (a slow dependency: follow a slow
trace in Jaeger)? Scale out or roll back the last release.
`,
    ServiceErrorRateHigh: `More than the service's \`slo.errorRatePercent\` (default 1 %) of requests answered 5xx for 5 minutes. Check the access logs of
the service's sidecar (\`kubectl logs <pod> -c istio-proxy\`): \`UO\`/\`UF\` flags are
circuit breaking or connection failures, \`URX\` exhausted retries; otherwise
read the application's logs and its last rollout.
`,
    ServicePodsNotReady: `Replicas unavailable for 15 minutes. \`kubectl describe pod\`: failing readiness
probe, CrashLoopBackOff, image pull errors, or Pending for quota/capacity
(\`kubectl describe resourcequota platform-quota\`).
`,
    ServiceAutoscalerAtMax: `The HPA (or KEDA's \`keda-hpa-<service>\`) has been at maxReplicas for 15
minutes. Confirm demand is real (request rate, consumer lag), then raise
\`autoscaling.maxReplicas\` in platform.yaml or remove the bottleneck.
`,
    ServiceCronJobFailing: `The latest run of a service's scheduled task (\`services[].cronJobs\`, CronJob
\`<service>-<name>\`) has not succeeded within its \`activeDeadlineSeconds\`: it
failed (no retries within a run), hung, or has never succeeded. Read the failed
Job's logs (\`kubectl -n <ns> logs job/<cronjob>-<id> -c <name>\`; the last 3 failed
Jobs are kept); the next scheduled run is the retry, or start one now with
\`kubectl -n <ns> create job --from=cronjob/<cronjob> <cronjob>-manual\`.
`,
  },
};
