/** Kept for the imports that name it; the harness holds the one copy (test/helpers/harness.ts). */
export { signedHeaders } from './harness.ts';
