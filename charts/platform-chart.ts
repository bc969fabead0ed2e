import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

export interface PlatformChartProps {
  /**
   * Output file, relative to the output directory (e.g. `prod/services/cart-service.yaml`).
   * It must depend on the spec only, never on construct ids.
   */
  readonly file: string;
}

const PLATFORM_CHART = Symbol.for('platform-gen.PlatformChart');

/**
 * A cdk8s Chart that knows which file of `dist/` it renders to. Extend it (or
 * add constructs to one) to put your own objects next to the platform's: the
 * file's first folder is the environment whose kustomization, Argo CD
 * Application and AppProject include it.
 */
export class PlatformChart extends Chart {
  /**
   * True for a PlatformChart (from any copy of this package), false for any
   * other chart. cdk8s's `Chart` answers `instanceof` for every chart, so
   * `x instanceof PlatformChart` alone would be true for a plain Chart too.
   */
  static isPlatformChart(x: unknown): x is PlatformChart {
    return x !== null && typeof x === 'object' && PLATFORM_CHART in x;
  }

  /**
   * `x instanceof SomeChart`: a PlatformChart (by its marker, so any copy of this package) whose
   * prototype chain contains SomeChart — so `serviceChart instanceof EnvironmentChart` stays false.
   */
  static override [Symbol.hasInstance](x: unknown): x is PlatformChart {
    return PlatformChart.isPlatformChart(x) && (this === PlatformChart || Function.prototype[Symbol.hasInstance].call(this, x));
  }

  /** Output file, relative to the output directory. */
  readonly file: string;

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    // Every object sets its own name and namespace explicitly; the chart adds neither.
    super(scope, id, { disableResourceNameHashes: true });
    if (!/^[a-z0-9][a-z0-9/_.-]*\.yaml$/.test(props.file) || props.file.includes('..')) {
      throw new Error(`invalid output file '${props.file}'`);
    }
    this.file = props.file;
    Object.defineProperty(this, PLATFORM_CHART, { value: true });
  }
}
