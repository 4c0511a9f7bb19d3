/**
 * Raw messages carried inside an alert payload (docs/EMAIL-ANALYSIS.md "Messages inside alerts").
 * Looked for, at most {@link MAX_DEPTH} levels deep and in at most {@link MAX_NODES} values:
 *
 * - a field named like a raw message (`raw_email`, `eml`, `message_raw`, `raw_message`, `mime`,
 *   `mime_content`, `original_message`, `rfc822`…, case and `_`/`-` ignored) holding the message as
 *   text or base64;
 * - an attachment object declaring `message/rfc822` (or named `*.eml`) with base64 content in
 *   `contentBytes` (Microsoft Graph `fileAttachment`), `content_bytes`, `content` or `data` — the shape
 *   of a user-reported phish forwarded as an attachment.
 *
 * Only values that decode to something starting with a header block are taken.
 */

const FIELD_NAMES = new Set([
  'rawemail',
  'eml',
  'emlcontent',
  'messageraw',
  'rawmessage',
  'mime',
  'mimecontent',
  'mimemessage',
  'messagemime',
  'emailraw',
  'originalmessage',
  'rfc822',
  'rfc822message',
]);
const CONTENT_KEYS = ['contentBytes', 'content_bytes', 'content', 'data'];
const TYPE_KEYS = ['contentType', 'content_type', 'mimeType', 'mime_type'];
const NAME_KEYS = ['name', 'filename', 'fileName', 'file_name'];
const MAX_DEPTH = 6;
const MAX_NODES = 5000;
/** Most messages taken from one alert. */
export const MAX_MESSAGES_PER_ALERT = 5;

export interface AlertMessage {
  /** Where it was found, e.g. `$.evidence[0].contentBytes` (field names only, cut). */
  path: string;
  bytes: Buffer;
}

/** The raw messages in one alert payload, each at most `maxBytes`. */
export function findAlertMessages(payload: unknown, maxBytes: number): AlertMessage[] {
  const out: AlertMessage[] = [];
  let nodes = 0;
  const take = (value: unknown, path: string): void => {
    if (typeof value !== 'string' || out.length >= MAX_MESSAGES_PER_ALERT) return;
    const bytes = decode(value, maxBytes);
    if (bytes) out.push({ path: path.slice(0, 200), bytes });
  };
  const walk = (value: unknown, path: string, depth: number): void => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH || out.length >= MAX_MESSAGES_PER_ALERT) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const obj = value as Record<string, unknown>;
    const type = TYPE_KEYS.map((k) => obj[k]).find((v) => typeof v === 'string') as string | undefined;
    const name = NAME_KEYS.map((k) => obj[k]).find((v) => typeof v === 'string') as string | undefined;
    if (type?.toLowerCase().startsWith('message/rfc822') || name?.toLowerCase().endsWith('.eml')) {
      const key = CONTENT_KEYS.find((k) => typeof obj[k] === 'string');
      if (key) {
        take(obj[key], `${path}.${key}`);
        return;
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      if (FIELD_NAMES.has(k.toLowerCase().replace(/[_-]/g, ''))) take(v, `${path}.${k}`);
      else if (typeof v === 'object') walk(v, `${path}.${k}`, depth + 1);
    }
  };
  walk(payload, '$', 0);
  return out;
}

/** The message bytes of a text or base64 value, or null when it is neither a message nor fits. */
function decode(value: string, maxBytes: number): Buffer | null {
  const v = value.trimStart();
  // base64 grows by a third: anything longer cannot decode to an acceptable size.
  if (v.length === 0 || v.length > Math.ceil((maxBytes * 4) / 3) + 1024) return null;
  if (startsWithHeader(v)) {
    const bytes = Buffer.from(v, 'utf8');
    return bytes.length <= maxBytes ? bytes : null;
  }
  const compact = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return null;
  const bytes = Buffer.from(compact, /[-_]/.test(compact) ? 'base64url' : 'base64');
  return bytes.length > 0 &&
    bytes.length <= maxBytes &&
    startsWithHeader(bytes.subarray(0, 1024).toString('latin1'))
    ? bytes
    : null;
}

function startsWithHeader(s: string): boolean {
  const first = s.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  // A header field name, then a colon, and a second line (a one-line "a: b" string is not a message).
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}[ \t]*:/.test(first) && /\r?\n/.test(s.slice(0, 4096));
}
