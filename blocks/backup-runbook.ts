/**
 * The runbook section on what backups keep: this frame, and between its two
 * parts each store kind's own line (its runbook's `backups`), so the values
 * it quotes come from the kind that sets them (render/runbooks.ts assembles it).
 */
export const BACKUPS_SECTION = {
  heading: 'Backups: what is kept, and what is not',
  intro: 'With `environments.<env>.backups` in the spec:',
  closing: `- **The encryption passphrase is not recoverable**: keep a copy of the
  \`backup-credentials\` Secret's \`encryption-passphrase\` outside the cluster
  (the backups cannot be read without it, also by whoever holds the bucket).`,
} as const;
