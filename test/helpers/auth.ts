/**
 * The credential every test that is not about access control sends. testConfig() makes it the
 * admin key (as TW_ADMIN_API_KEY would), so the suites exercise the real access check.
 */
export const TEST_ADMIN_KEY = 'tw_testadmin_0123456789abcdefghijklmnopqrstuv';

/** Headers with the test admin key, merged over `headers`. */
export function asAdmin(headers: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers };
}
