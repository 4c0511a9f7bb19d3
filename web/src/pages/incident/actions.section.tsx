import { useQuery } from '@tanstack/react-query';
import { fetchActions } from '../../api/actions.ts';
import { ActionRow } from '../../components/action-row.tsx';
import { QueryView } from '../../components/states.tsx';
import { ProposeAction } from './propose-action.tsx';
import { Section } from './section.tsx';

export function ActionsSection({ incidentId }: { incidentId: string }) {
  const actions = useQuery({ queryKey: ['actions', incidentId], queryFn: () => fetchActions(incidentId) });
  return (
    <Section id="actions" title="Response actions">
      <QueryView
        query={actions}
        feature="Response actions"
        empty="No response action proposed."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <ul className="actions">
            {d.map((a) => (
              <ActionRow key={a.id} action={a} />
            ))}
          </ul>
        )}
      </QueryView>
      {actions.isSuccess && <ProposeAction incidentId={incidentId} />}
    </Section>
  );
}
