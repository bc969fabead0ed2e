import type { Construct } from 'constructs';
import { SealedSecret, type SealedSecretSpec } from '../imports/sealed-secrets-bitnami.com';
import { meta } from '../blocks/meta';
import { WAVE } from '../blocks/waves';
import type { EnvironmentModel } from '../platform/model';
import { PlatformChart } from './platform-chart';

export interface SealedSecretsProps {
  /** The environment it renders (one of `resolvePlatform(...).environments`); its `sealedSecrets` are rendered. */
  readonly env: EnvironmentModel;
}

/**
 * The SealedSecrets kept beside the spec in `secrets/<env>/`, as kubeseal wrote them (name, namespace and
 * ciphertext unchanged: a strict-scope SealedSecret only unseals under the name and namespace it was
 * sealed for), with the platform's labels and the foundation wave, so the Secrets exist before any pod
 * that reads them. The sealed-secrets controller unseals each into a Secret of the same name.
 */
export class SealedSecretsChart extends PlatformChart {
  /** The rendered SealedSecrets, by `namespace/name`. */
  readonly sealedSecrets: ReadonlyMap<string, SealedSecret>;

  constructor(scope: Construct, id: string, props: SealedSecretsProps) {
    const { env } = props;
    super(scope, id, { file: `${env.name}/base/sealed-secrets.yaml` });
    const rendered = new Map<string, SealedSecret>();
    for (const { object: o } of env.sealedSecrets) {
      const m = o.metadata as { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      const base = meta({
        name: m.name,
        namespace: m.namespace,
        id: { name: m.name, instance: m.name, component: 'secret', partOf: env.platform, version: env.version },
        wave: WAVE.foundation,
      });
      rendered.set(
        `${m.namespace}/${m.name}`,
        new SealedSecret(this, `${m.namespace}-${m.name}`, {
          metadata: { ...base, labels: { ...m.labels, ...base.labels }, annotations: { ...m.annotations, ...base.annotations } },
          spec: o.spec as SealedSecretSpec,
        }),
      );
    }
    this.sealedSecrets = rendered;
  }
}
