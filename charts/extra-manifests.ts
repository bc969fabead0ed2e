import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ANNOTATION, labels } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { EnvironmentModel, ExtraManifestFile } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface ExtraManifestsProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`). */
  readonly env: EnvironmentModel;
  /** One file of the environment's `extraManifests` folder. */
  readonly source: ExtraManifestFile;
}

/** Where a file of the extraManifests folder goes: `<env>/extra/<path in the folder>`, lower-case, `.yaml`. */
export function extraManifestsFile(env: Pick<EnvironmentModel, 'name'>, source: Pick<ExtraManifestFile, 'name'>): string {
  return `${env.name}/extra/${source.name.toLowerCase().replace(/[^a-z0-9/_.-]/g, '-').replace(/\.ya?ml$/, '')}.yaml`;
}

/**
 * One file of an environment's `extraManifests` folder, rendered as written, plus what every rendered
 * object carries where the file says nothing: the platform's labels (`app.kubernetes.io/name` and
 * `instance` = the object's name, component `extra`) and a sync wave (the services' wave). The policy
 * gate checks these objects like every other.
 */
export class ExtraManifestsChart extends PlatformChart {
  /** The rendered objects, in file order. */
  readonly objects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: ExtraManifestsProps) {
    const { env, source } = props;
    super(scope, id, { file: extraManifestsFile(env, source) });
    this.objects = source.objects.map((o, i) => {
      const { apiVersion, kind, metadata, ...rest } = structuredClone(o) as { apiVersion: string; kind: string; metadata: Record<string, any>; [k: string]: unknown };
      const defaults = labels({ name: metadata.name, instance: metadata.name, component: 'extra', partOf: env.platform, version: env.version });
      return new ApiObject(this, `${i}-${kind}-${metadata.name}`, {
        apiVersion,
        kind,
        metadata: {
          ...metadata,
          labels: { ...defaults, ...metadata.labels },
          annotations: { [ANNOTATION.syncWave]: String(WAVE.services), ...metadata.annotations, [ANNOTATION.fromFile]: source.file },
        },
        ...rest,
      });
    });
  }
}
