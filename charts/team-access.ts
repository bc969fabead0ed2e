import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { levelRoleName } from '../blocks/access-rules';
import { meta } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface TeamAccessProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`); its `access` lists the teams. */
  readonly env: EnvironmentModel;
}

/**
 * One RoleBinding per team and namespace of the environment
 * (`<env>/base/access.yaml`): the team's groups, bound to the platform
 * ClusterRole of its level in this environment. A binding is named after its
 * level (`<team>-<level>`), so a change of level is a new binding and the old
 * one is pruned — `roleRef` cannot be changed in place.
 */
export class TeamAccessChart extends PlatformChart {
  /** The bindings, by `<namespace>/<name>`. */
  readonly bindings: ReadonlyMap<string, k8s.KubeRoleBinding>;

  constructor(scope: Construct, id: string, props: TeamAccessProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/base/access.yaml` });
    const bindings = new Map<string, k8s.KubeRoleBinding>();
    this.bindings = bindings;
    for (const namespace of env.namespaces) {
      for (const a of env.access) {
        const name = `${a.team}-${a.level}`;
        bindings.set(
          `${namespace}/${name}`,
          new k8s.KubeRoleBinding(this, `${namespace}-${a.team}`, {
            metadata: meta({
              name,
              namespace,
              id: { name: env.platform, instance: name, component: 'access', partOf: env.platform, version: env.version },
              wave: WAVE.foundation,
              ...(a.description ? { annotations: { 'platform.example.com/description': a.description } } : {}),
            }),
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: levelRoleName(env.platform, a.level) },
            subjects: a.groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
          }),
        );
      }
    }
  }
}
