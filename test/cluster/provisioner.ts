import type { ControlPlane } from './control-plane';
import { IMITATION_PROVISIONER } from './prerequisites';

/**
 * THE ONE IMITATION of a volume provisioner (a CSI external-provisioner with
 * WaitForFirstConsumer, as EBS or PD run): for each claim of a test
 * StorageClass that the scheduler has given a node
 * (`volume.kubernetes.io/selected-node`), it creates a PersistentVolume of the
 * claim's size, access modes and class, pre-bound to the claim and pinned to
 * that node's zone — so a re-scheduled store pod must return to its volume's
 * zone, as on a real cluster. The PV controller binds and the scheduler
 * proceeds, both real. Not covered: attach/mount, resize, snapshots.
 */
export class ImitationProvisioner {
  private stopped = false;
  private loop?: Promise<void>;
  readonly created: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly cp: ControlPlane) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.pass();
        } catch (e) {
          this.errors.push(String(e));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async pass(): Promise<void> {
    const claims = (await this.cp.getJson(['get', 'pvc', '-A'])).items as any[];
    const pending = claims.filter((c) => c.status?.phase === 'Pending' && !c.spec.volumeName && c.metadata.annotations?.['volume.kubernetes.io/selected-node']);
    if (pending.length === 0) return;
    const classes = (await this.cp.getJson(['get', 'storageclass'])).items as any[];
    const ours = new Set(classes.filter((s) => s.provisioner === IMITATION_PROVISIONER).map((s) => s.metadata.name));
    const nodes = (await this.cp.getJson(['get', 'nodes'])).items as any[];
    const zoneOf = new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels?.['topology.kubernetes.io/zone']]));
    for (const c of pending) {
      if (!ours.has(c.spec.storageClassName)) continue;
      const name = `pv-${c.metadata.uid}`;
      const zone = zoneOf.get(c.metadata.annotations['volume.kubernetes.io/selected-node']);
      const pv = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': IMITATION_PROVISIONER } },
        spec: {
          capacity: { storage: c.spec.resources.requests.storage },
          accessModes: c.spec.accessModes,
          storageClassName: c.spec.storageClassName,
          persistentVolumeReclaimPolicy: 'Delete',
          volumeMode: c.spec.volumeMode ?? 'Filesystem',
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid },
          csi: { driver: IMITATION_PROVISIONER.split('/')[0], volumeHandle: name },
          ...(zone ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] }] } } } : {}),
        },
      };
      const r = await this.cp.kubectl(['create', '-f', '-'], JSON.stringify(pv));
      if (r.code === 0) this.created.push(`${c.metadata.namespace}/${c.metadata.name} → ${name} (${zone ?? 'no zone'})`);
      else if (!/AlreadyExists/.test(r.stderr)) this.errors.push(r.stderr.trim());
    }
  }
}
