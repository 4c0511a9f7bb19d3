import type { Migration } from '../migrations.ts';

// Threat intel (issue 11): the intel vocabulary is malicious / suspicious / clean / unknown
// ("benign" stays the incident classification only), and each enrichment keeps when its source
// first and last saw the indicator. The inline CHECK of 0001 is named enrichments_verdict_check
// on every PostgreSQL; both ADD COLUMNs are metadata-only (no default).
export const migration: Migration = {
  id: '0010_intel',
  sql: `
ALTER TABLE enrichments DROP CONSTRAINT enrichments_verdict_check;
UPDATE enrichments SET verdict = 'clean' WHERE verdict = 'benign';
ALTER TABLE enrichments
  ADD CONSTRAINT enrichments_verdict_check CHECK (verdict IN ('malicious','suspicious','clean','unknown')),
  ADD COLUMN first_seen timestamptz,
  ADD COLUMN last_seen timestamptz;
`,
};
