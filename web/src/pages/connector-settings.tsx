import type { ConnectorKindView } from '../api/connectors.ts';
import { Badge } from '../components/badge.tsx';

/** A setting as the form edits it: strings as typed, other values (numbers, lists) as JSON. */
export const settingText = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * The typed texts back to a config object: an empty field is left out (the kind's default applies);
 * a setting whose default or stored value is not a string is read as JSON. Throws on bad JSON.
 */
export function configOf(
  kind: ConnectorKindView,
  texts: Record<string, string>,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of kind.settings) {
    const text = (texts[s.name] ?? '').trim();
    if (!text) continue;
    const json =
      (s.default !== undefined && typeof s.default !== 'string') ||
      (stored[s.name] !== undefined && typeof stored[s.name] !== 'string');
    if (!json) out[s.name] = text;
    else
      try {
        out[s.name] = JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${s.name}: not valid JSON`);
      }
  }
  return out;
}

/** One input per setting of the kind, and one write-only input per credential. */
export function ConnectorFields({
  kind,
  texts,
  secrets,
  secretsSet,
  onText,
  onSecret,
}: {
  kind: ConnectorKindView;
  texts: Record<string, string>;
  secrets: Record<string, string>;
  secretsSet: string[];
  onText: (name: string, value: string) => void;
  onSecret: (name: string, value: string) => void;
}) {
  return (
    <>
      <fieldset className="stack">
        <legend>Settings</legend>
        {kind.settings.length === 0 && <p className="muted small">This kind has no settings.</p>}
        {kind.settings.map((s) => (
          <label key={s.name}>
            {s.name}
            {s.required ? ' (required)' : ''} — {s.description}
            <input
              value={texts[s.name] ?? ''}
              required={s.required}
              placeholder={s.default === undefined ? '' : `default ${settingText(s.default)}`}
              onChange={(e) => onText(s.name, e.target.value)}
            />
          </label>
        ))}
      </fieldset>
      <fieldset className="stack">
        <legend>Credentials (write-only: never shown again; leave empty to keep a stored one)</legend>
        {kind.secrets.length === 0 && <p className="muted small">This kind needs no credential.</p>}
        {kind.secrets.map((s) => {
          const set = secretsSet.includes(s.name);
          return (
            <label key={s.name}>
              <span>
                {s.name} {set && <Badge kind="plain" value="set" />} — {s.description}
              </span>
              <input
                type="password"
                autoComplete="new-password"
                value={secrets[s.name] ?? ''}
                required={s.required && !set}
                onChange={(e) => onSecret(s.name, e.target.value)}
              />
            </label>
          );
        })}
      </fieldset>
    </>
  );
}
