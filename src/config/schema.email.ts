import { Type } from 'typebox';
import { Obj } from './schema.parts.ts';

/** Email analysis (docs/EMAIL-ANALYSIS.md): limits, trusted authentication servers, protected domains. */
export const EmailConfigSchema = Obj({
  max_bytes: Type.Integer({
    default: 10 * 1024 * 1024,
    minimum: 1024,
    maximum: 100 * 1024 * 1024,
    description:
      'largest raw message analysed, bytes (the upload route takes this much, a third more as JSON base64; 413 beyond)',
  }),
  max_urls: Type.Integer({
    default: 200,
    minimum: 1,
    maximum: 5000,
    description: 'most URLs kept per message',
  }),
  max_attachments: Type.Integer({
    default: 50,
    minimum: 1,
    maximum: 1000,
    description: 'most attachments hashed and checked per message',
  }),
  time_limit_ms: Type.Integer({
    default: 5000,
    minimum: 100,
    maximum: 120_000,
    description: 'longest analysis of one message, milliseconds (400 EMAIL_TIMEOUT beyond)',
  }),
  max_header_bytes: Type.Integer({
    default: 256 * 1024,
    minimum: 4096,
    maximum: 16 * 1024 * 1024,
    description: 'largest header block of one MIME part, bytes (400 EMAIL_MALFORMED beyond)',
  }),
  trusted_authserv_ids: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
    default: [],
    description:
      "authserv-ids of our own mail servers: only their Authentication-Results are trusted (empty = the topmost header's)",
  }),
  protected_domains: Type.Array(Type.String({ minLength: 3, maxLength: 253 }), {
    default: [],
    description: 'our own domains, checked for look-alike senders and links (besides a built-in brand list)',
  }),
});
