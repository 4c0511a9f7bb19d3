import { isVersionConflict } from '../../api/casework.ts';
import { ErrorState } from '../../components/states.tsx';

/** A refused case-work write; a version conflict says what happened instead of the raw 409. */
export function WriteError({ error }: { error: unknown }) {
  if (isVersionConflict(error))
    return (
      <p className="state error" role="alert">
        Someone changed this incident since you opened it; nothing was written. The page now shows the current
        state: check it and try again.
      </p>
    );
  return <ErrorState error={error} feature="Case work" />;
}
