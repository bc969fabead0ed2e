import type { EnvironmentModel } from '../../platform/model';
import type { AlertGroup } from '../../blocks/alerts/types';

/** A secondary further behind the primary than this (seconds) pages the on-call. */
export const MONGODB_REPLICATION_LAG_SECONDS = 30;

/** mongodb_exporter's `mongodb_up` (1 while it can ping its member) in namespace `ns`, for the alerts and the overview. */
export const mongodbUp = (ns: string) => `mongodb_up{namespace="${ns}"}`;

/**
 * The member's own state as its exporter reports it (`--compatible-mode`):
 * `mongodb_mongod_replset_my_state` (1 PRIMARY, 2 SECONDARY, 0 STARTUP,
 * 3 RECOVERING, 5 STARTUP2, 6 UNKNOWN, 7 ARBITER, 8 DOWN, 9 ROLLBACK, 10 REMOVED).
 */
export const mongodbState = (ns: string) => `mongodb_mongod_replset_my_state{namespace="${ns}"}`;

/** MongoDB: a member down, no primary, a member neither primary nor secondary, and (with secondaries) replication lag. */
export function mongodbAlerts(env: EnvironmentModel): AlertGroup | undefined {
  const mongo = env.stores.find((s) => s.kind === 'mongodb');
  if (!mongo) return undefined;
  const ns = mongo.namespace;
  return {
    name: `${env.platform}-${env.name}-mongodb`,
    alerts: [
      {
        alert: 'MongoDBDown',
        expr: `${mongodbUp(ns)} == 0`,
        for: '2m',
        severity: 'critical',
        summary: 'MongoDB member {{ $labels.pod }} is down',
        description: `mongodb_exporter cannot reach the mongod of pod {{ $labels.pod }} (${ns}).`,
      },
      {
        alert: 'MongoDBNoPrimary',
        // `or vector(0)`: it must fire when no member reports at all.
        expr: `(count(${mongodbState(ns)} == 1) or vector(0)) < 1`,
        for: '2m',
        severity: 'critical',
        summary: 'The MongoDB replica set has no primary',
        description: `No member of the replica set in ${ns} reports itself PRIMARY: writes fail until one is elected (a majority of the ${mongo.replicas} member${mongo.replicas === 1 ? '' : 's'} must see each other).`,
      },
      {
        alert: 'MongoDBMemberUnhealthy',
        expr: `(${mongodbState(ns)} != 1) != 2`,
        for: '10m',
        severity: 'warning',
        summary: 'MongoDB member {{ $labels.pod }} is neither primary nor secondary',
        description: `Member {{ $labels.pod }} in ${ns} has been in replica set state {{ $value }} (not PRIMARY 1 or SECONDARY 2) for 10 minutes: out of the mongodb Service, and not counted for the majority while it lasts.`,
      },
      ...(mongo.replicas > 1
        ? [
            {
              alert: 'MongoDBReplicationLagHigh',
              expr: `max by (pod) (mongodb_mongod_replset_member_replication_lag{namespace="${ns}", self="1"}) > ${MONGODB_REPLICATION_LAG_SECONDS}`,
              for: '5m',
              severity: 'critical' as const,
              summary: 'MongoDB secondary {{ $labels.pod }} lags behind the primary',
              description: `Secondary {{ $labels.pod }} in ${ns} is {{ $value | humanizeDuration }} behind the primary (threshold ${MONGODB_REPLICATION_LAG_SECONDS}s): reads from secondaries are stale, and majority writes wait for it.`,
            },
          ]
        : []),
    ],
  };
}
