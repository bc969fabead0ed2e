/** Suffix of a service's canary Deployment (and of its `app.kubernetes.io/instance`). */
export const CANARY_SUFFIX = '-canary';
