import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, keyIdOf, parseEncryptionKey } from '../../../src/core/webhooks/secret-box.ts';

const key = randomBytes(32);
const box = new SecretBox(key);
const SECRET = 'a-webhook-secret-0123456789abcdef';

/** Flips one bit in part `i` (1 iv, 2 tag, 3 ciphertext) of a sealed envelope. */
function flip(sealed: string, i: number): string {
  const parts = sealed.split('.');
  const b = Buffer.from(parts[i]!, 'base64url');
  b[0] = b[0]! ^ 1;
  parts[i] = b.toString('base64url');
  return parts.join('.');
}

describe('SecretBox (AES-256-GCM for webhook secrets)', () => {
  it('round-trips, with a fresh IV per value and the key id beside it', () => {
    const a = box.seal(SECRET, 'acme');
    const b = box.seal(SECRET, 'acme');
    expect(a.sealed).not.toBe(b.sealed);
    expect(a.sealed).not.toContain(SECRET);
    expect(a.sealed.split('.')[0]).toBe('v1');
    expect(Buffer.from(a.sealed.split('.')[1]!, 'base64url')).toHaveLength(12);
    expect(a.keyId).toBe(keyIdOf(key));
    expect(box.open(a, 'acme')).toBe(SECRET);
    expect(box.open(b, 'acme')).toBe(SECRET);
  });

  it('refuses a tampered IV, tag or ciphertext, and a value moved to another source', () => {
    const s = box.seal(SECRET, 'acme');
    for (const i of [1, 2, 3]) {
      expect(() => box.open({ ...s, sealed: flip(s.sealed, i) }, 'acme'), `part ${i}`).toThrow(
        /failed authentication|malformed/,
      );
    }
    expect(() => box.open(s, 'other-source')).toThrow(/failed authentication/);
    expect(() => box.open({ ...s, sealed: s.sealed.replace('v1.', 'v2.') }, 'acme')).toThrow(/malformed/);
    expect(() => box.open({ ...s, sealed: 'v1.x.y' }, 'acme')).toThrow(/malformed/);
  });

  it('refuses another key, opens values sealed under a previous key after key rotation', () => {
    const s = box.seal(SECRET, 'acme');
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(s, 'acme')).toThrow(/no webhook encryption key/);
    // Same key id, wrong key bytes: authentication fails, nothing is returned.
    expect(() => other.open({ ...s, keyId: other.keyId }, 'acme')).toThrow(/failed authentication/);
    const rotated = new SecretBox(randomBytes(32), [key]);
    expect(rotated.open(s, 'acme')).toBe(SECRET);
    expect(rotated.seal(SECRET, 'acme').keyId).toBe(rotated.keyId);
    expect(rotated.keyId).not.toBe(box.keyId);
  });

  it('error messages never contain the secret or the key', () => {
    const s = box.seal(SECRET, 'acme');
    try {
      box.open({ ...s, sealed: flip(s.sealed, 3) }, 'acme');
    } catch (err) {
      expect(String(err)).not.toContain(SECRET);
      expect(String(err)).not.toContain(key.toString('base64'));
    }
  });

  it('parses a 32-byte key as hex or base64 and refuses anything else', () => {
    expect(parseEncryptionKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url')).equals(key)).toBe(true);
    for (const bad of [
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      'z'.repeat(64),
    ]) {
      expect(() => parseEncryptionKey(bad)).toThrow(/32 bytes/);
    }
  });
});
