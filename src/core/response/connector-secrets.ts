import { AppError } from '../../contracts/index.ts';
import type { SecretBox } from '../webhooks/secret-box.ts';

/**
 * Connector credentials at rest (docs/CONNECTORS.md): every credential of one connector as one
 * AES-256-GCM envelope through the webhook SecretBox, with `tw-connector:<name>` as additional
 * authenticated data, so an envelope copied onto another connector (or a webhook source) fails to
 * open. Errors never carry any part of a value.
 */
export class ConnectorSecrets {
  constructor(
    private readonly box: SecretBox | null,
    /** Why there is no box (distributed mode without a key): the 409 message. */
    private readonly noKeyReason = 'no connector encryption key is configured',
  ) {}

  /** The id of the key new envelopes are sealed with; null without a key. */
  get keyId(): string | null {
    return this.box?.keyId ?? null;
  }

  /** Throws ENCRYPTION_KEY_MISSING (409) when there is no key to seal with. */
  requireKey(): void {
    if (!this.box)
      throw new AppError(
        'ENCRYPTION_KEY_MISSING',
        `connector credentials cannot be stored: ${this.noKeyReason}`,
      );
  }

  /** Seals `secrets` for `name`; ENCRYPTION_KEY_MISSING (409) without a key. */
  seal(name: string, secrets: Record<string, string>): { sealed: string; keyId: string } {
    this.requireKey();
    return this.box!.seal(JSON.stringify(secrets), aad(name));
  }

  /** Opens the envelope of `name`; throws a plain Error (no value in it) when it cannot. */
  open(name: string, sealed: string, keyId: string): Record<string, string> {
    if (!this.box) throw new Error(`connector credentials cannot be opened: ${this.noKeyReason}`);
    let text: string;
    try {
      text = this.box.open({ sealed, keyId }, aad(name));
    } catch {
      throw new Error(
        `connector credentials cannot be opened (key ${keyId} not configured, or the envelope was altered)`,
      );
    }
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('connector credentials envelope is malformed');
    return parsed as Record<string, string>;
  }
}

const aad = (name: string) => `tw-connector:${name}`;
