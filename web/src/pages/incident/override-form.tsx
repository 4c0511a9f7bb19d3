import { useState, type FormEvent } from 'react';
import { INCIDENT_TYPES, SEVERITIES } from '../../../../src/contracts/vocabulary.ts';
import { useIncidentWrite } from '../../api/casework.ts';
import type { Incident } from '../../api/types.ts';
import { Badge } from '../../components/badge.tsx';
import { WriteError } from './write-error.tsx';

/**
 * Severity and type as triage gave them or as an analyst corrected them (PATCH /incidents/:id with a
 * reason); after the first correction the original stays shown beside the current value.
 */
export function OverrideForm({ incident }: { incident: Incident }) {
  const write = useIncidentWrite(incident);
  const [severity, setSeverity] = useState<string>(incident.severity);
  const [type, setType] = useState(incident.incident_type);
  const [reason, setReason] = useState('');
  const types = INCIDENT_TYPES.includes(incident.incident_type as never)
    ? INCIDENT_TYPES
    : [incident.incident_type, ...INCIDENT_TYPES];
  const changed = severity !== incident.severity || type !== incident.incident_type;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    write.mutate(
      {
        kind: 'override',
        ...(severity !== incident.severity ? { severity } : {}),
        ...(type !== incident.incident_type ? { incident_type: type } : {}),
        reason: reason.trim(),
      },
      { onSuccess: () => setReason('') },
    );
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Override severity and type">
      {(incident.original_severity || incident.original_incident_type) && (
        <p className="small" data-testid="override-originals">
          {incident.original_severity ? (
            <>
              Severity set by an analyst; triage gave{' '}
              <Badge kind="severity" value={incident.original_severity} />.{' '}
            </>
          ) : null}
          {incident.original_incident_type ? (
            <>
              Type set by an analyst; triage gave <code>{incident.original_incident_type}</code>.
            </>
          ) : null}
        </p>
      )}
      <div className="row">
        <label>
          Severity
          <select aria-label="Severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select aria-label="Type" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Reason for the change
          <input required value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" disabled={!changed || !reason.trim() || write.isPending}>
          Override
        </button>
      </div>
      {write.isError && <WriteError error={write.error} />}
    </form>
  );
}
