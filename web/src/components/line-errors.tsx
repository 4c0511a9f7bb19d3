import type { RefObject } from 'react';
import { ApiError } from '../api/client.ts';

/** A validation problem located in a document (the server's `details.errors[]`). */
export interface LineError {
  line: number;
  column: number;
  field: string;
  message: string;
}

/** Offset of 1-based `line`, `column` in `text`. */
export function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', at);
    if (next < 0) break;
    at = next + 1;
  }
  return at + Math.max(0, column - 1);
}

/** The located problems of a refused document (`400` with `details.errors[]`), else none. */
export const lineErrorsOf = (err: unknown): LineError[] => {
  const list =
    err instanceof ApiError ? (err.details as { errors?: unknown } | undefined)?.errors : undefined;
  return Array.isArray(list) ? (list as LineError[]) : [];
};

/** Each problem as a link that puts the cursor at its line in the editor. */
export function LineErrors({
  errors,
  area,
  id,
}: {
  errors: LineError[];
  area: RefObject<HTMLTextAreaElement | null>;
  id?: string;
}) {
  const jump = (e: LineError) => {
    const el = area.current;
    if (!el) return;
    const at = offsetOf(el.value, e.line || 1, e.column || 1);
    el.focus();
    el.setSelectionRange(at, at);
  };
  return (
    <ul className="errors" {...(id ? { id } : {})}>
      {errors.map((e, n) => (
        <li key={n}>
          <button type="button" className="link" onClick={() => jump(e)}>
            line {e.line}, column {e.column}
          </button>{' '}
          <code>{e.field}</code>: {e.message}
        </li>
      ))}
    </ul>
  );
}
