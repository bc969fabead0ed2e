import { k8s } from 'cdk8s-plus-28';
import { ApiObject, type App } from 'cdk8s';
import type { Construct } from 'constructs';
import { ACCESS_LEVEL_DOC, ACCESS_LEVELS, ACCESS_PARTS, type AccessLevel, type AccessPart } from '../catalogue/access';
import { aggregationLabel, levelRoleName, partRoleName, partRules, type RenderedKind } from '../blocks/access-rules';
import { meta, type Identity } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { PlatformModel } from '../platform/model';
import { PlatformChart } from './platform-chart';
import { GuardrailsChart, renderedMeshSettings } from './guardrails';
import { rendered } from '../blocks/render-pass';
import { WORKLOAD_KINDS } from '../catalogue/kinds';
import { inventory, type RenderedInventory, type VersionedKind } from './inventory';

/** The folder of the cluster-wide access objects, synced once per cluster by `<platform>-access`. */
export const ACCESS_DIR = 'access';

export interface AccessProps {
  /** The whole resolved platform (its name prefixes every role; its teams decide whether anything renders). */
  readonly model: PlatformModel;
  /** Namespaced kinds the environments render (from their charts), which the roles grant access to. */
  readonly kinds: readonly RenderedKind[];
}

/**
 * The platform's access levels as aggregated ClusterRoles, rendered once for
 * every cluster (`access/cluster-roles.yaml`): `<platform>-view`, `-audit`,
 * `-deploy`, `-edit` and `-admin` carry only an aggregation rule; the
 * controller fills them from the parts (`<platform>-access-read`, …) labelled
 * to aggregate into them (catalogue/access.ts says which part goes where).
 * Teams are bound to a level in each environment's namespaces by
 * TeamAccessChart; nothing here is bound cluster-wide.
 */
export class AccessChart extends PlatformChart {
  /** The ClusterRole of each level, by level. */
  readonly levels: ReadonlyMap<AccessLevel, k8s.KubeClusterRole>;
  /** The ClusterRole of each part, by part. */
  readonly parts: ReadonlyMap<AccessPart, k8s.KubeClusterRole>;

  constructor(scope: Construct, id: string, props: AccessProps) {
    const { model, kinds } = props;
    super(scope, id, { file: `${ACCESS_DIR}/cluster-roles.yaml` });
    const identity = (name: string): Identity => ({ name: model.name, instance: name, component: 'access', partOf: model.name, version: model.version });
    const levels = new Map<AccessLevel, k8s.KubeClusterRole>();
    const parts = new Map<AccessPart, k8s.KubeClusterRole>();
    this.levels = levels;
    this.parts = parts;
    for (const level of ACCESS_LEVELS) {
      const name = levelRoleName(model.name, level);
      levels.set(
        level,
        new k8s.KubeClusterRole(this, `level-${level}`, {
          metadata: meta({ name, id: identity(name), wave: WAVE.foundation, annotations: { 'platform.example.com/description': ACCESS_LEVEL_DOC[level] } }),
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregationLabel(model.name, level)]: 'true' } }] },
        }),
      );
    }
    for (const part of Object.keys(ACCESS_PARTS) as AccessPart[]) {
      const name = partRoleName(model.name, part);
      parts.set(
        part,
        new k8s.KubeClusterRole(this, `part-${part}`, {
          metadata: meta({
            name,
            id: identity(name),
            wave: WAVE.foundation,
            labels: Object.fromEntries(ACCESS_PARTS[part].map((l) => [aggregationLabel(model.name, l), 'true'])),
          }),
          rules: partRules(part, kinds),
        }),
      );
    }
  }
}

/** The kinds `dist/access/` renders, all cluster-wide: what `<platform>-access`'s project admits. */
export const ACCESS_KINDS = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
] as const;

/**
 * Adds the AccessChart and the GuardrailsChart (the admission guardrails on
 * what teams write) when the platform has teams, granting the namespaced
 * kinds every environment chart in `app` renders (call it after them, as
 * `PlatformApp.render()` does). `meshSettings` gives the mesh settings the
 * environments' pod templates carry when they are not in `app` (a render one
 * environment at a time); by default they are read from `app` when the
 * guardrails render. Returns the AccessChart, or undefined without teams.
 */
export function addAccessChart(app: App, model: PlatformModel, inv: RenderedInventory = inventory(app, model), meshSettings?: () => readonly string[]): AccessChart | undefined {
  if (model.teams.length === 0) return undefined;
  const kinds = new Map<string, VersionedKind>();
  const namespaces = new Set<string>();
  for (const env of inv.values()) {
    for (const k of env.namespacedKinds) kinds.set(`${k.group}/${k.kind}`, k);
    for (const n of env.namespaces) namespaces.add(n);
  }
  // By default from the environments' workloads in `app`, as the render pass renders them (blocks/render-pass.ts).
  const own = new Set(model.environments.flatMap((e) => e.namespaces));
  const settings =
    meshSettings ??
    (() =>
      renderedMeshSettings(
        app.node
          .findAll()
          .filter((n): n is ApiObject => ApiObject.isApiObject(n) && WORKLOAD_KINDS.has(n.kind) && n.metadata.namespace !== undefined && own.has(n.metadata.namespace))
          .map(rendered),
        own,
      ));
  new GuardrailsChart(app, 'guardrails', { model, kinds: [...kinds.values()], namespaces: [...namespaces], meshSettings: settings });
  return new AccessChart(app, 'access', { model, kinds: [...kinds.values()] });
}
