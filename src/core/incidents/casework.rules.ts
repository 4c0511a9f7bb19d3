import { AppError } from '../../contracts/index.ts';
import type { CaseworkOutcome, CaseworkChange } from '../../ports/index.ts';

/** Case-work input rules shared by the service and its routes (docs/CASEWORK.md). */
export const MAX_TAGS = 50;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9:_.-]{0,63}$/;
export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_BULK_IDS = 500;
export const MAX_BULK_MATCHES = 5_000;
export const RELATED_LIMIT = 20;
export const MAX_VIEWS_PER_OWNER = 100;

/** Lowercased and trimmed; a tag outside the pattern is a VALIDATION_ERROR naming its position (never its text). */
export function normaliseTags(tags: readonly string[], field: string): string[] {
  return [
    ...new Set(
      tags.map((raw, i) => {
        const t = raw.trim().toLowerCase();
        if (!TAG_PATTERN.test(t)) {
          throw new AppError('VALIDATION_ERROR', `${field}[${i}] is not a valid tag`, {
            field: `${field}[${i}]`,
            rule: '1-64 characters: a-z 0-9 first, then a-z 0-9 : _ . -',
          });
        }
        return t;
      }),
    ),
  ];
}

const MENTION = /(?:^|[^A-Za-z0-9_@.])@([A-Za-z0-9][A-Za-z0-9_.-]{0,63})/g;

/** The `@names` a comment body mentions (at most 50), trailing dots dropped; the store keeps existing users only. */
export function mentionCandidates(body: string): string[] {
  const names = new Set<string>();
  for (const m of body.matchAll(MENTION)) {
    const name = m[1]!.replace(/[.-]+$/, '');
    if (name) names.add(name.toLowerCase());
    if (names.size >= 50) break;
  }
  return [...names];
}

/** A store outcome as the incident, or the error the API answers. */
export function applied(id: string, out: CaseworkOutcome): CaseworkChange {
  if ('incident' in out) return out;
  switch (out.refused) {
    case 'not_found':
      throw new AppError('NOT_FOUND', `incident ${id} not found`);
    case 'version':
      throw new AppError('CONFLICT', `incident ${id} changed: it is at version ${out.current}`, {
        version: out.current,
      });
    case 'unknown_user':
      throw new AppError('VALIDATION_ERROR', 'assignee is not an existing, enabled user', {
        field: 'assignee',
      });
    case 'too_many_tags':
      throw new AppError(
        'VALIDATION_ERROR',
        `an incident carries at most ${MAX_TAGS} tags (${out.count} asked)`,
        {
          field: 'tags',
          max: MAX_TAGS,
        },
      );
  }
}

/** RFC 4180 CSV cell; a cell a spreadsheet would read as a formula (= + - @, tab, CR) gets a leading `'`. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = Array.isArray(value) ? value.join(';') : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
