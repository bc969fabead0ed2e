import { k8s } from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../blocks/kube-object';
import { workloadContainer, workloadPodSpec } from '../../blocks/workload';
import { TIER_RESOURCES } from '../../catalogue/resources';
import { checkPolicies } from '../../policy/gate';

const metadata = { name: 'w', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'w', 'app.kubernetes.io/instance': 'w', 'app.kubernetes.io/component': 'c', 'app.kubernetes.io/part-of': 'p', 'app.kubernetes.io/version': '1', 'app.kubernetes.io/managed-by': 'm' } };
const probe = { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } };
const app = { name: 'app', image: 'registry.test/app:1.0.0', resources: TIER_RESOURCES.small, readinessProbe: probe, livenessProbe: probe };
const deployment = (spec: unknown): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'w', 'app.kubernetes.io/instance': 'w' } }, template: { metadata: { labels: metadata.labels }, spec } } });
const rules = (o: KubeObject) => checkPolicies([{ file: 'dev/x.yaml', objects: [o] }]).map((v) => v.rule);

describe('the workload block: one place for a platform pod', () => {
  test('a pod built from nothing but containers, an account and volumes passes every pod rule of the pack', () => {
    const spec = workloadPodSpec({ serviceAccount: 'w', containers: [app], initContainers: [{ name: 'init', image: 'registry.test/init:1.0.0', resources: TIER_RESOURCES.small }] });
    expect(rules(deployment(spec))).toEqual([]);
    expect(spec).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false, securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 } });
    expect(workloadContainer(app)).toMatchObject({ imagePullPolicy: 'IfNotPresent', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } });
    expect(Object.keys(workloadContainer(app).resources!.limits!).sort()).toEqual(['cpu', 'memory']);
  });

  test('the bad twin: the same containers assembled by hand fail the Pod Security, read-only root, resources and token rules', () => {
    const { resources: _r, ...bare } = app;
    expect(rules(deployment({ serviceAccountName: 'w', containers: [bare] }))).toEqual(expect.arrayContaining(['PSS-NONROOT', 'PSS-SECCOMP', 'PSS-CAPABILITIES', 'PSS-ESCALATION', 'READONLY-ROOT', 'RESOURCES', 'SA-TOKEN']));
  });

  test('Jobs and long-running pods differ only in what they pass: restart policy, grace period, placement', () => {
    const job = workloadPodSpec({ serviceAccount: 'j', restartPolicy: 'Never', uid: 999, containers: [app] });
    expect(job).toMatchObject({ restartPolicy: 'Never', securityContext: { runAsUser: 999, fsGroup: 999 } });
    expect(job).not.toHaveProperty('terminationGracePeriodSeconds');
    const svc = workloadPodSpec({ serviceAccount: 's', terminationGracePeriodSeconds: 45, placement: { topologySpreadConstraints: [] }, containers: [app] });
    expect(svc).toMatchObject({ terminationGracePeriodSeconds: 45, topologySpreadConstraints: [] });
    expect(svc).not.toHaveProperty('restartPolicy');
  });
});
