import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  passwordPolicyProblem,
  verifyPassword,
  type ScryptParams,
} from '../../../src/core/identity/index.ts';

/** Cheap parameters keep the unit test fast; the default cost is checked by its hash string. */
const FAST: ScryptParams = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple', FAST);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
  });

  it('salts per hash and carries version and parameters', async () => {
    const a = await hashPassword('same password here', FAST);
    const b = await hashPassword('same password here', FAST);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt1\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('uses a memory-hard default (N = 2^15, r = 8)', async () => {
    const hash = await hashPassword('default cost password');
    expect(hash.startsWith('scrypt1$32768$8$1$')).toBe(true);
    expect(await verifyPassword('default cost password', hash)).toBe(true);
  });

  it('refuses malformed or tampered hashes without throwing', async () => {
    const hash = await hashPassword('tamper with me please', FAST);
    for (const bad of [
      '',
      'plain',
      hash.replace('scrypt1', 'scrypt0'),
      hash.replace('$1024$', '$99999999$'),
      hash.slice(0, -2),
    ]) {
      expect(await verifyPassword('tamper with me please', bad)).toBe(false);
    }
  });

  it('length policy: 12 to 256 characters', () => {
    expect(passwordPolicyProblem('short')).toMatch(/at least 12/);
    expect(passwordPolicyProblem('x'.repeat(12))).toBeNull();
    expect(passwordPolicyProblem('x'.repeat(256))).toBeNull();
    expect(passwordPolicyProblem('x'.repeat(257))).toMatch(/at most 256/);
  });
});
