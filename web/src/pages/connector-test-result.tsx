import type { UseMutationResult } from '@tanstack/react-query';
import { ErrorState } from '../components/states.tsx';

type Test = UseMutationResult<{ ok: boolean; message: string }, Error, string>;

/** The last Test button's outcome: the connector's harmless check against its vendor, in words. */
export function TestResult({ test }: { test: Test }) {
  if (test.isPending)
    return (
      <p className="state" role="status">
        Testing {test.variables}…
      </p>
    );
  if (test.isError) return <ErrorState error={test.error} feature="Connector tests" />;
  if (!test.data) return null;
  return (
    <p className={`state ${test.data.ok ? '' : 'error'}`} role="status" data-testid="connector-test-result">
      <strong className={test.data.ok ? 'outcome-allowed' : 'outcome-denied'}>
        Test of {test.variables} {test.data.ok ? 'passed' : 'failed'}:
      </strong>{' '}
      {test.data.message}
    </p>
  );
}
