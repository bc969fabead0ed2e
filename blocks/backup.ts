import type { k8s } from 'cdk8s-plus-28';
import { NON_EXTERNAL_CIDRS, tcp } from './network';
import type { StoreBackupModel } from '../platform/model';

/**
 * Backups of the data layer to an S3-compatible object store: what every
 * backed-up store shares (the bucket's credentials, the egress to it). Each
 * store's own backup programs are in its folder: PostgreSQL's pgBackRest in
 * stores/postgres/pgbackrest.ts, Redis's snapshots in stores/redis/snapshots.ts.
 */

/** Keys of the environment's `backups.objectStore.credentialsSecret` (in the data namespace). */
export const BACKUP_SECRET_KEYS = {
  accessKeyId: 'access-key-id',
  secretAccessKey: 'secret-access-key',
  /** Client-side encryption: backups are unreadable without it, also to whoever holds the bucket. Keep a copy outside the cluster. */
  encryptionPassphrase: 'encryption-passphrase',
} as const;

/**
 * Egress to the object store: its `cidrs`, or any public address (a
 * NetworkPolicy cannot name a host; the Istio ServiceEntry of the data
 * namespace, charts/mesh-egress.ts, narrows it to the endpoint).
 */
/** The names a client of the bucket connects to: `<bucket>.<endpoint>` (host-style) and the endpoint itself. */
export function bucketHosts(s: StoreBackupModel['objectStore']): string[] {
  return s.uriStyle === 'host' ? [`${s.bucket}.${s.endpoint}`, s.endpoint] : [s.endpoint];
}

export function objectStoreEgress(b: Pick<StoreBackupModel, 'objectStore'>): k8s.NetworkPolicyEgressRule {
  const to = b.objectStore.cidrs
    ? b.objectStore.cidrs.map((cidr) => ({ ipBlock: { cidr } }))
    : [{ ipBlock: { cidr: '0.0.0.0/0', except: [...NON_EXTERNAL_CIDRS] } }];
  return { to, ports: tcp(b.objectStore.port) };
}
