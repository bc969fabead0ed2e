// A cdk8s app that renders the platform and adds a chart of its own: same gate, layout and atomic write as `npm run synth`.
import { k8s } from 'cdk8s-plus-28';
import { meta, PlatformApp, PlatformChart } from 'platform-gen';

const [spec = 'platform.yaml', outdir = 'dist'] = process.argv.slice(2);
const app = new PlatformApp({ spec, outdir });

// Handles to what the platform rendered: annotate one service's Deployment in prod.
const prod = app.platform.environments.get('prod')!;
prod.services.get('cart-service')!.deployment.metadata.addAnnotation('example.com/owner', 'team-cart');

// A chart of your own: its file's first folder is its environment (kustomization, Argo CD project).
const namespace = app.model.environments.find((e) => e.name === 'prod')!.namespace;
const notes = new PlatformChart(app, 'on-call-notes', { file: 'prod/extra/on-call-notes.yaml' });
new k8s.KubeConfigMap(notes, 'notes', {
  metadata: meta({ name: 'on-call-notes', namespace, wave: 0, id: { name: 'on-call-notes', instance: 'on-call-notes', component: 'docs', partOf: app.model.name, version: '1' } }),
  data: { escalation: 'page #shop-oncall, then the platform team' },
});

app.synth(); // validates every chart (the rule pack included), then swaps outdir atomically
