// What leaves the process: secrets and PII are replaced by stable placeholders, indicators the model
// needs (IPs, hashes, domains) are not, and placeholders map back to the real values.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACTION, highEntropy, luhn, RedactionSession } from '../../../src/core/llm/redaction.ts';

const session = (over = {}) => new RedactionSession({ ...DEFAULT_REDACTION, ...over }, 'k'.repeat(16));

describe('RedactionSession', () => {
  it('replaces each kind of secret and keeps the surrounding text', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const key =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----';
    const text = [
      'aws key AKIAIOSFODNN7EXAMPLE used',
      `Authorization: Bearer ${jwt}`,
      'curl https://admin:S3cr3tPass@db.internal.example/x',
      'config password=hunter2; api_key: "abcd1234efgh"',
      '{"client_secret":"zyx987-not-short","token_type":"bearer"}',
      key,
      'github ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 and slack xoxb-1234567890-abcdefghij',
      'random blob Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O',
    ].join('\n');
    const s = session();
    const out = s.redact(text);
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      jwt,
      'S3cr3tPass',
      'hunter2',
      'abcd1234efgh',
      'zyx987-not-short',
      'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn',
      'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      'xoxb-1234567890-abcdefghij',
      'Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('aws key [REDACTED:secret:');
    expect(out).toContain('https://admin:[REDACTED:secret:');
    expect(out).toContain('"token_type":"bearer"');
    expect(s.counts.secret).toBeGreaterThanOrEqual(9);
    expect(s.restore(out)).toBe(text);
  });

  it('leaves indicators alone: IPs, domains, URLs without credentials, file hashes, timestamps', () => {
    const text =
      'ip 185.220.101.47 domain evil.example url https://evil.example/payload.exe md5 44d88612fea8a8f36de82e1278abb02f ' +
      'sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f at 2026-12-05T00:15:11Z epoch 1733357711000 port 8443';
    expect(session().redact(text)).toBe(text);
  });

  it('PII: Luhn-valid card numbers, SSNs, phones; emails hashed stably across sessions or numbered', () => {
    const text =
      'card 4111 1111 1111 1111 not 4111 1111 1111 1112, ssn 123-45-6789, call +1 415-555-0100 or +447911123456, mail Jane.Doe@corp.example';
    const a = session().redact(text);
    expect(a).not.toMatch(/4111 1111 1111 1111|123-45-6789|415-555-0100|447911123456|Jane\.Doe/);
    expect(a).toContain('4111 1111 1111 1112');
    const hashed = /\[REDACTED:email:([0-9a-f]{10})\]/.exec(a)?.[1];
    expect(hashed).toBeDefined();
    expect(session().redact('jane.doe@CORP.example')).toContain(`[REDACTED:email:${hashed}]`);
    expect(
      new RedactionSession({ ...DEFAULT_REDACTION }, 'another-key-0000').redact('jane.doe@corp.example'),
    ).not.toContain(hashed!);
    expect(session({ emails: 'redact' }).redact('a@b.example and c@d.example')).toBe(
      '[REDACTED:email:1] and [REDACTED:email:2]',
    );
    expect(session({ emails: 'keep', phones: false }).redact('a@b.example +447911123456')).toBe(
      'a@b.example +447911123456',
    );
  });

  it('the same value gets the same placeholder; restoreValue maps tool arguments back', () => {
    const s = session();
    const out = s.redactValue({ a: 'password=abc123xyz', b: ['password=abc123xyz'], user: 'x@y.example' });
    expect(out.a).toBe(out.b[0]);
    expect(s.restoreValue({ value: out.user })).toEqual({ value: 'x@y.example' });
    expect(s.restore('[REDACTED:secret:999]')).toBe('[REDACTED:secret:999]');
  });

  it('keeps JSON valid: a quoted value is replaced inside its quotes, escapes included', () => {
    const s = session();
    const json = JSON.stringify({ client_secret: 'ab"c\\d-secret', note: 'password: "hunter2"' });
    const out = s.redact(json);
    expect(out).not.toMatch(/hunter2|ab\\"c/);
    expect(JSON.parse(out)).toEqual({
      client_secret: '[REDACTED:secret:1]',
      note: 'password: "[REDACTED:secret:2]"',
    });
  });

  it('switches: secrets off keeps keys', () => {
    expect(session({ secrets: false }).redact('AKIAIOSFODNN7EXAMPLE')).toBe('AKIAIOSFODNN7EXAMPLE');
  });
});

describe('checks', () => {
  it('luhn and entropy', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('0000000000000000')).toBe(false);
    expect(highEntropy('275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f')).toBe(false);
    expect(highEntropy('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaAAAA1')).toBe(false);
    expect(highEntropy('Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O')).toBe(true);
  });
});
