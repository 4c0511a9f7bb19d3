import { useState, type FormEvent } from 'react';
import { useIncidentWrite } from '../../api/casework.ts';
import type { Incident } from '../../api/types.ts';
import { WriteError } from './write-error.tsx';

/**
 * Tags an analyst can name (src/core/incidents/casework.rules.ts TAG_PATTERN). A vendor's own tags
 * ("tactic:Impact") are outside it: the API cannot remove them, so they get no remove button.
 */
const EDITABLE = /^[a-z0-9][a-z0-9:_.-]{0,63}$/;

/** The incident's tags: remove one by its button, add several comma-separated (PUT /incidents/:id/tags). */
export function TagsEditor({ incident }: { incident: Incident }) {
  const write = useIncidentWrite(incident);
  const [text, setText] = useState('');
  const add = (e: FormEvent) => {
    e.preventDefault();
    const tags = text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    if (tags.length === 0) return;
    write.mutate({ kind: 'tags', add: tags }, { onSuccess: () => setText('') });
  };
  return (
    <div className="stack">
      {incident.tags.length === 0 ? (
        <span className="muted">No tags.</span>
      ) : (
        <ul className="tags" aria-label="Tags">
          {incident.tags.map((t) => (
            <li key={t} className="chip">
              {t}
              {EDITABLE.test(t) && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove tag ${t}`}
                  disabled={write.isPending}
                  onClick={() => write.mutate({ kind: 'tags', remove: [t] })}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="row" onSubmit={add} aria-label="Add tags">
        <label>
          New tags (comma-separated)
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="vip, phish:wave-2" />
        </label>
        <button type="submit" disabled={write.isPending || !text.trim()}>
          Add tags
        </button>
      </form>
      {write.isError && <WriteError error={write.error} />}
    </div>
  );
}
