/** Suffix of a service's canary Deployment (and of its `app.kubernetes.io/instance`). */
export const CANARY_SUFFIX = '-canary';
/** The two colours of a blue-green service: its Deployments `<service>-<colour>` and the DestinationRule subsets. */
export const COLOURS = ['blue', 'green'] as const;

/**
 * Pod-template annotation prefixes Istio's injector and proxy read: whether the pod joins the mesh, which of its
 * traffic the proxy intercepts, the proxy's image, templates and configuration.
 */
export const MESH_ANNOTATION_PREFIXES = ['sidecar.istio.io/', 'proxy.istio.io/', 'traffic.sidecar.istio.io/', 'inject.istio.io/'] as const;
/**
 * Every label or annotation key Istio owns (`istio.io/…`, `<anything>.istio.io/…`), as a regular expression both
 * TypeScript and CEL read: the admission guardrails keep a team from setting one the platform does not render.
 */
export const MESH_KEY_PATTERN = '^([a-z0-9-]+[.])*istio[.]io/';
/** Names of the containers Istio's injector adds: a pod template carrying one is taken for injected (CNI skips its redirect). */
export const MESH_CONTAINER_NAMES = ['istio-proxy', 'istio-init', 'istio-validation'] as const;
/** The proxy's user and group id: traffic of a process running as either bypasses the redirect to the proxy. */
export const MESH_PROXY_ID = 1337;

/**
 * Annotation prefixes the platform itself sets on services' objects and pods (Argo CD waves and hooks,
 * Istio's injector and proxy, the OpenTelemetry operator, Prometheus scraping, config checksums, patch
 * provenance): a user's `annotations`/`podAnnotations` may not use them (theirs would be overwritten,
 * or would overwrite ours). Everything else passes through.
 */
export const RESERVED_ANNOTATION_PREFIXES = [
  'argocd.argoproj.io/',
  ...MESH_ANNOTATION_PREFIXES,
  'instrumentation.opentelemetry.io/',
  'prometheus.io/',
  'checksum/',
  'platform-gen/',
  'kubectl.kubernetes.io/',
  // Security profiles are the platform's (Pod Security restricted): never loosened per service.
  'container.apparmor.security.beta.kubernetes.io/',
  'seccomp.security.alpha.kubernetes.io/',
] as const;
