import { App } from 'cdk8s';
import { addArgoCdCharts } from '../charts/argocd';
import { inventory } from '../charts/inventory';
import { addAccessChart } from '../charts/access';
import { applyPatches } from './patches';
import { addPlatformCharts, type PlatformCharts } from '../charts';
import { loadPlatform } from '../platform/load';
import type { PlatformModel } from '../platform/model';
import { RULE_PACK, type RulePack } from '../policy/gate';
import { PolicyValidation } from '../policy/validation';
import type { RenderedChart } from '../blocks/kube-object';
import { addKustomizations } from './kustomization';
import { serializeCharts, synthCharts } from './synth';
import { writeTreeAtomically } from './writer';
import { dataFormatProblems } from './upgrade-check';
import { SpecError } from '../platform/loader';

export interface PlatformAppProps {
  /** The resolved platform (from `resolvePlatform`). @default the model of `spec` */
  readonly model?: PlatformModel;
  /** Path of the platform spec to load, validate and resolve when no `model` is given. @default platform.yaml */
  readonly spec?: string;
  /** Where `synth()` writes. @default $CDK8S_OUTDIR, else dist */
  readonly outdir?: string;
  /** The rules every object of every chart in the app must pass. @default RULE_PACK (policy/) */
  readonly rulePack?: RulePack;
}

export interface RenderResult {
  readonly charts: readonly RenderedChart[];
  /** Output path (relative to the output directory) → file content. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * A cdk8s App holding the whole platform, for users who compose it with
 * charts of their own. It adds every platform chart on construction, runs
 * the rule pack as construct validation over every chart in the app (yours
 * too), and renders the same file layout `npm run synth` writes: one file per
 * PlatformChart, a kustomization per environment, the Argo CD charts derived
 * from everything in the app (a kind your chart adds shows up in its
 * environment's AppProject), all written atomically.
 *
 * ```ts
 * const app = new PlatformApp({ spec: 'platform.yaml' });
 * const prod = app.platform.environments.get('prod')!;
 * new MyChart(app, 'reports', { file: 'prod/extra/reports.yaml', namespace: prod.environment.namespaces[0] });
 * app.synth();
 * ```
 */
export class PlatformApp extends App {
  /** The resolved platform the charts were rendered from. */
  readonly model: PlatformModel;
  /** Handles to every platform chart, per environment (`platform.environments.get('prod')!.services.get('cart')!.deployment`). */
  readonly platform: PlatformCharts;
  /** The rule pack, registered as this app's validation. */
  readonly policy: PolicyValidation;
  private argoCdAdded = false;
  private readonly source: string;

  constructor(props: PlatformAppProps = {}) {
    super({ outdir: props.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist' });
    this.source = props.spec ?? (props.model ? 'platform model' : 'platform.yaml');
    this.model = props.model ?? loadPlatform(props.spec ?? 'platform.yaml');
    this.policy = PolicyValidation.of(this, props.rulePack ?? RULE_PACK);
    this.platform = addPlatformCharts(this, this.model);
  }

  /**
   * Validates every chart (construct validations and the rule pack) and
   * renders file contents; reads and writes nothing. Throws PolicyError
   * listing every violation, or Error for other validation failures. The
   * Argo CD charts are added on the first call: add your charts before it.
   */
  render(): RenderResult {
    if (!this.argoCdAdded) {
      // The spec's patches change the environments' objects before the gate sees them (and before the
      // Argo CD charts, which are derived from what the environments render).
      applyPatches(this, this.model);
      // The access roles grant what the environments render; the Argo CD charts then include them. One walk of
      // the tree serves both (the access chart is no environment's, so it changes no environment's inventory).
      const rendered = inventory(this, this.model);
      addAccessChart(this, this.model, rendered);
      addArgoCdCharts(this, this.model, rendered);
      this.argoCdAdded = true;
    }
    const charts = synthCharts(this);
    // Each environment directory also gets a kustomization.yaml listing its files.
    return { charts, files: addKustomizations(this.model, serializeCharts(charts)) };
  }

  /**
   * Renders, then refuses a store version the claims deployed from `outdir` cannot start on (PostgreSQL
   * 16 → 17 without `upgradedFrom`, as `npm run synth` does), or returns what to write. Throws SpecError.
   */
  renderChecked(): RenderResult {
    const rendered = this.render();
    const problems = dataFormatProblems(this.model, this.outdir, rendered.charts);
    if (problems.length) throw new SpecError(this.source, problems);
    return rendered;
  }

  /** `renderChecked()`, then replaces `outdir` with exactly the rendered files, or leaves it untouched when anything fails. */
  override synth(): void {
    writeTreeAtomically(this.outdir, this.renderChecked().files);
  }
}
