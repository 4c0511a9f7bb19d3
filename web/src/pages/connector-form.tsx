import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.ts';
import { usePutConnector, type ConnectorKindView } from '../api/connectors.ts';
import type { ConnectorView } from '../api/types.ts';
import { ErrorState } from '../components/states.tsx';
import { ConnectorFields, configOf, settingText } from './connector-settings.tsx';

/** The problems a refused PUT names (`details.problems[]`), shown beside the form. */
const problemsOf = (err: unknown): { field: string; message: string }[] =>
  err instanceof ApiError
    ? ((err.details as { problems?: { field: string; message: string }[] } | undefined)?.problems ?? [])
    : [];

/** Create (no `existing`) or edit a connector: PUT /connectors/:name. */
export function ConnectorForm({
  kinds,
  existing,
  onDone,
}: {
  kinds: ConnectorKindView[];
  existing?: ConnectorView;
  onDone: () => void;
}) {
  const put = usePutConnector();
  const [name, setName] = useState(existing?.name ?? '');
  const [kindName, setKindName] = useState(existing?.kind ?? kinds[0]?.kind ?? '');
  const kind = kinds.find((k) => k.kind === kindName);
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [dryRun, setDryRun] = useState(existing?.dry_run ?? false);
  const [types, setTypes] = useState<string[]>(existing?.action_types ?? kind?.action_types ?? []);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(existing?.config ?? {}).map(([k, v]) => [k, settingText(v)])),
  );
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [local, setLocal] = useState<string | null>(null);
  const pickKind = (k: string) => {
    setKindName(k);
    setTypes(kinds.find((x) => x.kind === k)?.action_types ?? []);
    setTexts({});
  };
  const toggleType = (t: string) =>
    setTypes(types.includes(t) ? types.filter((x) => x !== t) : [...types, t]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!kind) return;
    setLocal(null);
    let config: Record<string, unknown>;
    try {
      config = configOf(kind, texts, existing?.config ?? {});
    } catch (err) {
      setLocal((err as Error).message);
      return;
    }
    const given = Object.entries(secrets).filter(([, v]) => v !== '');
    put.mutate(
      {
        name: name.trim(),
        body: {
          kind: kind.kind,
          enabled,
          dry_run: dryRun,
          action_types: types,
          config,
          ...(given.length ? { secrets: Object.fromEntries(given) } : {}),
        },
      },
      { onSuccess: onDone },
    );
  };
  const problems = problemsOf(put.error);
  const title = existing ? `Edit connector ${existing.name}` : 'New connector';
  return (
    <form className="stack section" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      <div className="row">
        <label>
          Name
          <input
            required
            value={name}
            disabled={!!existing}
            pattern="[a-z0-9][a-z0-9_\-]*"
            maxLength={64}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Kind
          <select
            aria-label="Kind"
            value={kindName}
            disabled={!!existing}
            onChange={(e) => pickKind(e.target.value)}
          >
            {kinds.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.title} ({k.kind})
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
          Dry run (build and record requests, call nothing)
        </label>
      </div>
      {kind && (
        <>
          <fieldset className="row">
            <legend>Action types it runs</legend>
            {kind.action_types.map((t) => (
              <label key={t} className="check">
                <input type="checkbox" checked={types.includes(t)} onChange={() => toggleType(t)} />
                {t}
              </label>
            ))}
          </fieldset>
          <ConnectorFields
            kind={kind}
            texts={texts}
            secrets={secrets}
            secretsSet={existing?.secrets_set ?? []}
            onText={(k, v) => setTexts({ ...texts, [k]: v })}
            onSecret={(k, v) => setSecrets({ ...secrets, [k]: v })}
          />
        </>
      )}
      {local && (
        <p className="state error" role="alert">
          {local}
        </p>
      )}
      {put.isError && <ErrorState error={put.error} feature="Connector management" />}
      {problems.length > 0 && (
        <ul className="errors" aria-label="Problems">
          {problems.map((p) => (
            <li key={p.field}>
              <code>{p.field}</code>: {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={put.isPending || types.length === 0}>
          {existing ? 'Save connector' : 'Create connector'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
