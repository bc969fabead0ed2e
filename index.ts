/**
 * platform-gen as a cdk8s construct library. `PlatformApp` renders a whole
 * platform spec; the charts, the rule pack and the building blocks are
 * exported so a cdk8s app can compose them with charts of its own.
 */

// The app, its rendering and the atomic writer.
export { PlatformApp, type PlatformAppProps, type RenderResult } from './render/platform-app';
export { renderPlatform } from './render/pipeline';
export { writeTreeAtomically } from './render/writer';

// The spec and the model.
export { loadSpec, parseSpec, parseSpecText, SpecError } from './platform/loader';
export { loadPlatform } from './platform/load';
export { resolvePlatform } from './platform/model';
export type { PlatformModel, EnvironmentModel, ServiceModel, StoreModel } from './platform/model';
export type { PlatformSpec, PlatformSpecInput, ServiceSpec, EnvironmentSpec } from './platform/schema';

// Charts.
export { PlatformChart, type PlatformChartProps } from './charts/platform-chart';
export { addPlatformCharts, type PlatformCharts, type EnvironmentCharts } from './charts';
export { addArgoCdCharts } from './charts/argocd';
export { EnvironmentChart, type EnvironmentProps } from './charts/environment';
export { ServiceChart, type ServiceProps } from './charts/service';
export { PostgresChart, type PostgresProps } from './stores/postgres/chart';
export { MongoDbChart, type MongoDbProps } from './stores/mongodb/chart';
export { RedisChart, type RedisProps } from './stores/redis/chart';
export { ZooKeeperChart, type ZooKeeperProps } from './stores/zookeeper/chart';
export { KafkaChart, type KafkaProps } from './stores/kafka/chart';
export { MeshChart, type MeshProps } from './charts/mesh';
export { MeshSecurityChart, type MeshSecurityProps } from './charts/mesh-security';
export { MeshEgressChart, type MeshEgressProps } from './charts/mesh-egress';
export { TelemetryChart, type TelemetryProps } from './charts/telemetry';
export { MonitoringChart, type MonitoringProps } from './charts/monitoring';
export { DashboardsChart, type DashboardsProps } from './charts/dashboards';
export { KedaChart, type KedaProps } from './charts/keda';

// The rule pack.
export { PolicyValidation } from './policy/validation';
export { checkPolicies, PolicyError, RULE_PACK, type RulePack, type Violation } from './policy/gate';
export { RULES, SUPPRESS_ANNOTATION, type Rule } from './policy/rules';
export { CROSS_RULES, type CrossRule, type CrossFinding } from './policy/cross-rules';

// Building blocks for charts of your own.
export { LABEL, meta, labels, selector, type Identity, type MetaOptions } from './blocks/meta';
export { podSecurityContext, containerSecurityContext, tmpVolume } from './blocks/security';
export { workloadPodSpec, workloadContainer, meshPodAnnotations, type WorkloadPodProps, type WorkloadContainer, type MeshPodOptions } from './blocks/workload';
export { namespaceFootprint, workloadFootprint } from './blocks/footprint';
export { quotaHard, type Footprint } from './blocks/quota';
export { StatefulStore, type StatefulStoreProps, type StatefulStoreMember } from './blocks/stateful-store';
export type { KubeObject, RenderedChart } from './blocks/kube-object';
