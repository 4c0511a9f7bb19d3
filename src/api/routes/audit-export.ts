import { Readable } from 'node:stream';
import type { AuditEntryView } from '../../contracts/index.ts';
import type { AuditFilter, AuditQueryStore } from '../../ports/audit-query.port.ts';

export const CSV_COLUMNS = [
  'id',
  'seq',
  'created_at',
  'actor',
  'action',
  'incident_id',
  'details',
  'hash',
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a cell a spreadsheet
 * would read as a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe
 * (OWASP "CSV injection"), since actors, actions and details may carry attacker-chosen text.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(e: AuditEntryView): string {
  return `${[e.id, e.seq, e.created_at, e.actor, e.action, e.incident_id, JSON.stringify(e.details), e.hash]
    .map(csvCell)
    .join(',')}\r\n`;
}

/** The export as a stream of text, batch by batch: the table is never held in memory. */
export function exportStream(
  store: AuditQueryStore,
  filter: AuditFilter,
  format: 'jsonl' | 'csv',
  batch = 500,
): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
    for await (const rows of store.scan(filter, batch))
      yield rows.map((r) => (format === 'csv' ? csvLine(r) : `${JSON.stringify(r)}\n`)).join('');
  }
  return Readable.from(lines(), { objectMode: false });
}
