import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** A secret sealed at rest: the envelope and the id of the key that sealed it. */
export interface Sealed {
  /** `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
  sealed: string;
  keyId: string;
}

/**
 * A 32-byte key from config text: 64 hex characters, or base64/base64url of 32 bytes. Throws with a
 * message that names the expected forms (never the value).
 */
export function parseEncryptionKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new Error('webhooks.encryption_key must be 32 bytes, as 64 hex characters or base64');
}

/** Short public id of a key (first 16 hex of its SHA-256): stored beside each value, never the key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('tw-webhook-key:').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM for webhook source secrets (node:crypto, no hand-rolled primitives). Each value gets a
 * fresh random 12-byte IV; the source name is bound in as additional authenticated data, so a value
 * copied onto another source's row, or altered in any byte, fails to open. Values sealed under an
 * older key still open while that key is listed in `previous` (key rotation), and new values are
 * always sealed with the primary key.
 */
export class SecretBox {
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(primary: Buffer, previous: readonly Buffer[] = []) {
    if (primary.length !== 32) throw new Error('the webhook encryption key must be 32 bytes');
    this.keyId = keyIdOf(primary);
    for (const k of previous) if (k.length === 32) this.keys.set(keyIdOf(k), k);
    this.keys.set(this.keyId, primary);
  }

  /** Seals `plaintext` for the source `context` with the primary key. */
  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url'));
    return { sealed: [VERSION, ...parts].join('.'), keyId: this.keyId };
  }

  /**
   * Opens a value sealed for `context`. Throws (without any part of the value in the message) when
   * the key is unknown, the envelope is malformed, or authentication fails (tampering, wrong source).
   */
  open(value: Sealed, context: string): string {
    const key = this.keys.get(value.keyId);
    if (!key) throw new Error(`no webhook encryption key with id ${value.keyId} is configured`);
    const parts = value.sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('malformed sealed secret');
    const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed sealed secret');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('sealed secret failed authentication (tampered, or sealed for another source)');
    }
  }
}

/** A new random webhook secret: 32 bytes, hex (64 characters). */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}
