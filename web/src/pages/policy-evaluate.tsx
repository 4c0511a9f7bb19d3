import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type RefObject } from 'react';
import { ACTION_TYPES, TARGET_TYPES } from '../../../src/contracts/response.ts';
import {
  CLASSIFICATIONS,
  INCIDENT_TYPES,
  OPERATION_MODES,
  SEVERITIES,
} from '../../../src/contracts/vocabulary.ts';
import { api } from '../api/client.ts';
import type { PolicyDecision } from '../api/types.ts';
import { LineErrors, lineErrorsOf } from '../components/line-errors.tsx';
import { ErrorState } from '../components/states.tsx';
import { Choice } from './policy-choice.tsx';

interface Evaluation {
  decision: PolicyDecision;
  policy_version: number;
  counts: { last_hour: number; last_day: number; executing: number };
  kill_switch_active: boolean;
}

const FIELDS = {
  action_type: 'isolate_host',
  target_type: 'host',
  target: '',
  incident_id: '',
  severity: 'medium',
  incident_type: 'other',
  classification: '',
  confidence: '',
  origin: 'manual',
  mode: '',
};

/**
 * Dry run (POST /policies/evaluate): what the active policy, or the edited unsaved text, decides for
 * one action. Nothing is stored; a broken edited text answers its problems by line.
 */
export function PolicyEvaluate({
  edited,
  area,
}: {
  edited: string | null;
  area: RefObject<HTMLTextAreaElement | null>;
}) {
  const [f, setF] = useState(FIELDS);
  const [useEdited, setUseEdited] = useState(true);
  const set = (k: keyof typeof FIELDS) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const run = useMutation({
    mutationFn: () =>
      api.post<Evaluation>('/api/v1/policies/evaluate', {
        action_type: f.action_type,
        target: { type: f.target_type, value: f.target.trim() },
        ...(f.incident_id.trim()
          ? { incident_id: f.incident_id.trim() }
          : {
              incident: {
                severity: f.severity,
                incident_type: f.incident_type,
                classification: f.classification || null,
                confidence: f.confidence === '' ? null : Number(f.confidence),
              },
            }),
        origin: f.origin,
        ...(f.mode ? { mode: f.mode } : {}),
        ...(edited !== null && useEdited ? { source: edited } : {}),
      }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  const located = lineErrorsOf(run.error);
  const d = run.data;
  return (
    <form className="stack section" onSubmit={submit} aria-labelledby="eval-h">
      <h2 id="eval-h">Dry run</h2>
      {edited !== null && (
        <label className="check">
          <input type="checkbox" checked={useEdited} onChange={(e) => setUseEdited(e.target.checked)} />
          Judge with the edited text (unsaved) instead of the active version
        </label>
      )}
      <div className="row">
        <Choice label="Action" value={f.action_type} options={ACTION_TYPES} onChange={set('action_type')} />
        <Choice
          label="Target type"
          value={f.target_type}
          options={TARGET_TYPES}
          onChange={set('target_type')}
        />
        <label>
          Target
          <input required value={f.target} onChange={set('target')} placeholder="dc-01.corp.local" />
        </label>
        <Choice
          label="Origin"
          value={f.origin}
          options={['manual', 'recommended']}
          onChange={set('origin')}
        />
        <Choice
          label="Mode"
          value={f.mode}
          options={OPERATION_MODES}
          blank="as configured"
          onChange={set('mode')}
        />
      </div>
      <div className="row">
        <label>
          Incident id (its fields are read)
          <input value={f.incident_id} onChange={set('incident_id')} placeholder="optional" />
        </label>
        <Choice label="Severity" value={f.severity} options={SEVERITIES} onChange={set('severity')} />
        <Choice
          label="Incident type"
          value={f.incident_type}
          options={INCIDENT_TYPES}
          onChange={set('incident_type')}
        />
        <Choice
          label="Verdict"
          value={f.classification}
          options={CLASSIFICATIONS}
          blank="none"
          onChange={set('classification')}
        />
        <label>
          Confidence (0–1)
          <input
            type="number"
            min={0}
            max={1}
            step={0.01}
            value={f.confidence}
            onChange={set('confidence')}
          />
        </label>
      </div>
      <button type="submit" disabled={run.isPending || !f.target.trim()}>
        Evaluate
      </button>
      {run.isError && <ErrorState error={run.error} feature="Policy dry runs" />}
      {located.length > 0 && <LineErrors errors={located} area={area} />}
      {d && (
        <div className="state" role="status" data-testid="policy-decision">
          <p>
            <strong className={`outcome-${d.decision.outcome}`}>
              {d.decision.outcome.replaceAll('_', ' ')}
            </strong>
            {d.decision.outcome === 'requires_approval' ? ` (${d.decision.level} level)` : ''} by rule{' '}
            <code>{d.decision.rule}</code> of{' '}
            {d.policy_version === 0 ? 'the edited text' : `version ${d.policy_version}`}
          </p>
          <p>{d.decision.message}</p>
          <p className="muted small">
            Counts the rate limits read now: {d.counts.last_hour} in the last hour, {d.counts.last_day} in the
            last day, {d.counts.executing} executing.
            {d.kill_switch_active ? ' The kill switch is active: nothing would run now.' : ''}
          </p>
        </div>
      )}
    </form>
  );
}
