/** The bench's credentials (no imports: load workers use it too). */

/**
 * The admin key of every process under test (TW_ADMIN_API_KEY) and the headers that send it. Loads that
 * measure the API's authenticated path use a key created through the API instead (see simple-endpoint).
 */
export const BENCH_ADMIN_KEY = 'tw_benchadmin_0123456789abcdefghijklmnopqrstuv';
export const adminHeaders = (): Record<string, string> => ({ authorization: `Bearer ${BENCH_ADMIN_KEY}` });
