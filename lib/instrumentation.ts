import type { EnvironmentModel, ServiceModel } from '../platform/model';

/** Name of the OpenTelemetry `Instrumentation` resource in each services namespace. */
export const INSTRUMENTATION_NAME = 'otel';

/**
 * Pod annotations that ask the OpenTelemetry Operator to inject the runtime's
 * auto-instrumentation. Go is left out on purpose: its auto-instrumentation is
 * an eBPF sidecar that must run privileged as root, which Pod Security
 * "restricted" forbids; Go services export with the OTel SDK configured by the
 * OTEL_* variables in their ConfigMap.
 */
export function instrumentationAnnotations(env: Pick<EnvironmentModel, 'namespace'>, service: Pick<ServiceModel, 'runtime'>): Record<string, string> {
  const ref = `${env.namespace}/${INSTRUMENTATION_NAME}`;
  switch (service.runtime) {
    case 'nodejs':
      return { 'instrumentation.opentelemetry.io/inject-nodejs': ref };
    case 'python':
      return { 'instrumentation.opentelemetry.io/inject-python': ref };
    case 'java':
      return { 'instrumentation.opentelemetry.io/inject-java': ref };
    case 'dotnet':
      return { 'instrumentation.opentelemetry.io/inject-dotnet': ref };
    case 'go':
      return {};
  }
}
