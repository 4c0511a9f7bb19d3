import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../src/api/security-headers.ts';

// That every answer carries them is tested in errors.test.ts (it has a runtime to ask).
describe('security headers', () => {
  it('are the ones @fastify/helmet sets by default (without CSP): the table has not drifted', async () => {
    const reference = Fastify();
    await reference.register(helmet, { contentSecurityPolicy: false, global: true });
    reference.get('/x', async () => ({ ok: true }));
    const res = await reference.inject('/x');
    await reference.close();
    const fromHelmet = Object.fromEntries(
      Object.entries(res.headers).filter(
        ([k]) => !['content-type', 'content-length', 'date', 'connection'].includes(k),
      ),
    );
    expect(SECURITY_HEADERS).toEqual(fromHelmet);
  });
});
