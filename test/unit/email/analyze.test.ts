// analyzeEmail on hand-written .eml fixtures (test/fixtures/email/): a clean newsletter, a credential
// phish, a malware mail, a truncated MIME message, a nested forward, and hostile or broken input that
// must end in a clear error, never a crash.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeEmail } from '../../../src/core/email/analyze.ts';
import type { EmailAnalysis } from '../../../src/core/email/email.types.ts';
import { EMAIL_PROVIDER, emailEvidence } from '../../../src/core/email/evidence.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/email/${name}`, import.meta.url));
const codes = (a: Pick<EmailAnalysis, 'findings'>) => [...new Set(a.findings.map((f) => f.code))].sort();

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details: { reason: string } }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; details: { reason: string } };
  }
  throw new Error('expected a rejection');
}

describe('analyzeEmail on fixtures', () => {
  it('clean newsletter: authenticated, no findings but AUTH_PASS, benign', async () => {
    const a = await analyzeEmail(fixture('newsletter-clean.eml'));
    expect(a.summary).toMatchObject({
      from: 'news@acme-news.example.org',
      from_domain: 'acme-news.example.org',
      subject: 'Acme Weekly: five things we shipped in November',
      message_id: '<20261201091201.8f1c2@acme-news.example.org>',
      received_hops: 2,
      originating_ip: '198.51.100.25',
      return_path: 'bounces+2231@em.acme-news.example.org',
    });
    expect(a.authentication).toMatchObject({ trust: 'topmost', authserv_id: 'mx.corp.example.com' });
    expect(codes(a)).toEqual(['AUTH_PASS']);
    expect(a).toMatchObject({ score: 0, verdict: 'benign' });
    expect(a.urls.map((u) => u.url)).toEqual([
      'https://acme-news.example.org/blog/november',
      'https://acme-news.example.org/unsubscribe?u=2231',
    ]);
    // A clean message is no evidence of innocence: no enrichment pulls the incident to benign.
    expect(emailEvidence(a).enrichments).toEqual([]);
  });

  it('credential phish: SPF/DMARC fail, reply-to mismatch, look-alike, SafeLinks and hxxp URLs; malicious', async () => {
    const a = await analyzeEmail(fixture('phish-credential.eml'));
    expect(codes(a)).toEqual([
      'DISPLAY_NAME_SPOOF',
      'DMARC_FAIL',
      'LOOKALIKE_DOMAIN',
      'REPLY_TO_MISMATCH',
      'RETURN_PATH_MISMATCH',
      'SPF_FAIL',
      'URL_IP_LITERAL',
      'URL_LOOKALIKE_DOMAIN',
      'URL_OBFUSCATED',
      'URL_TEXT_MISMATCH',
      'URL_WRAPPED',
    ]);
    // The forged second Authentication-Results (all pass) below ours is not read.
    expect(a.authentication).toMatchObject({
      headers_seen: 2,
      spf: [{ result: 'fail' }],
      dmarc: [{ result: 'fail' }],
    });
    expect(a.findings.find((f) => f.code === 'LOOKALIKE_DOMAIN')?.details).toMatchObject({
      domain: 'micros0ft-support.com',
      imitates: 'microsoft.com',
    });
    expect(a.urls).toEqual([
      {
        url: 'https://login-micros0ft-support.com/owa/verify?user=bob',
        host: 'login-micros0ft-support.com',
        source: 'html',
        unwrapped_from: ['safelinks'],
      },
      { url: 'http://198.51.100.200/owa/', host: '198.51.100.200', source: 'html' },
      {
        url: 'https://login-micros0ft-support.com/owa/verify',
        host: 'login-micros0ft-support.com',
        source: 'text',
        deobfuscated: true,
      },
    ]);
    expect(a.summary).toMatchObject({
      originating_ip: '203.0.113.77',
      received_hops: 3,
      reply_to: ['helpdesk.recovery@freemail.example.net'],
    });
    expect(a.verdict).toBe('malicious');

    const ev = emailEvidence(a);
    expect(ev.indicators).toEqual(
      expect.arrayContaining([
        { type: 'email', value: 'security-noreply@micros0ft-support.com', context: 'email.from' },
        { type: 'domain', value: 'micros0ft-support.com', context: 'email.from_domain' },
        { type: 'email', value: 'helpdesk.recovery@freemail.example.net', context: 'email.reply_to' },
        { type: 'ipv4', value: '203.0.113.77', context: 'email.originating_ip' },
        {
          type: 'url',
          value: 'https://login-micros0ft-support.com/owa/verify?user=bob',
          context: 'email.url',
        },
        { type: 'domain', value: 'login-micros0ft-support.com', context: 'email.url_host' },
      ]),
    );
    expect(ev.enrichments[0]).toMatchObject({
      indicator_type: 'email',
      indicator_value: 'security-noreply@micros0ft-support.com',
      provider: EMAIL_PROVIDER,
      verdict: 'malicious',
      score: 1,
    });
    expect(ev.enrichments.slice(1).every((e) => e.verdict === 'suspicious')).toBe(true);
    expect(ev.enrichments.length).toBeLessThanOrEqual(6);
  });

  it('malware: double-extension executable and a macro document with their hashes', async () => {
    const a = await analyzeEmail(fixture('malware-attachments.eml'));
    expect(a.attachments.map((x) => [x.filename, x.magic, x.sha256])).toEqual([
      ['INV-2026-11873.pdf.exe', 'exe', '90c8470adc192ad9701884d15a05449f7a550adbce08214467f523503f89fb16'],
      ['Remittance_Form.docm', 'zip', 'c726e50fa53836aa90b410501feb78b205f8b3c0b320dd6847f51c6b00b7a7fc'],
    ]);
    expect(codes(a)).toEqual([
      'ATTACHMENT_DANGEROUS_EXTENSION',
      'ATTACHMENT_DOUBLE_EXTENSION',
      'ATTACHMENT_MACRO',
      'ATTACHMENT_TYPE_MISMATCH',
      'DKIM_FAIL',
      'SPF_SOFTFAIL',
    ]);
    expect(a.verdict).toBe('malicious');
    const ev = emailEvidence(a);
    expect(ev.enrichments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          indicator_type: 'sha256',
          indicator_value: '90c8470adc192ad9701884d15a05449f7a550adbce08214467f523503f89fb16',
          verdict: 'malicious',
        }),
        expect.objectContaining({
          indicator_type: 'sha256',
          indicator_value: 'c726e50fa53836aa90b410501feb78b205f8b3c0b320dd6847f51c6b00b7a7fc',
          verdict: 'suspicious',
        }),
      ]),
    );
    expect(ev.indicators.filter((i) => i.context === 'email.attachment')).toHaveLength(6);
  });

  it('truncated MIME: what is readable is analysed, with MIME_TRUNCATED', async () => {
    const a = await analyzeEmail(fixture('truncated.eml'));
    expect(codes(a)).toEqual(['AUTH_RESULTS_MISSING', 'MIME_TRUNCATED']);
    expect(a.urls.map((u) => u.host)).toEqual(['corp-payroll.example.org']);
    expect(a.attachments[0]).toMatchObject({ filename: 'payslip.pdf', magic: 'pdf' });
  });

  it('nested forward: the attached phish is analysed on its own; the forwarder is not blamed', async () => {
    const a = await analyzeEmail(fixture('forward-nested.eml'));
    expect(a.summary.from).toBe('erin@corp.example.com');
    expect(a.nested).toHaveLength(1);
    const inner = a.nested[0]!;
    expect(inner.summary.from).toBe('service@paypa1.com');
    expect(codes(inner)).toEqual([
      'DISPLAY_NAME_SPOOF',
      'DMARC_FAIL',
      'LOOKALIKE_DOMAIN',
      'SPF_FAIL',
      'URL_SHORTENER',
      'URL_TEXT_MISMATCH',
      'URL_WRAPPED',
    ]);
    expect(inner.urls.map((u) => [u.url, u.unwrapped_from])).toEqual([
      ['https://docs-share.example.info/view?id=77', ['google']],
      ['https://bit.ly/3xYzAbC', undefined],
    ]);
    expect(a.findings.find((f) => f.code === 'NESTED_MESSAGE')).toMatchObject({ severity: 'critical' });
    expect(a.urls[0]).toMatchObject({
      url: 'https://wiki.corp.example.com/display/SEC/Phishing',
      unwrapped_from: ['urldefense'],
    });
    const ev = emailEvidence(a);
    expect(ev.enrichments.filter((e) => e.indicator_value === 'erin@corp.example.com')).toEqual([]);
    expect(ev.enrichments).toContainEqual(
      expect.objectContaining({ indicator_value: 'service@paypa1.com', verdict: 'malicious' }),
    );
  });
});

describe('analyzeEmail limits and broken input', () => {
  it('rejects empty, oversized, non-message and over-long input with stable reasons', async () => {
    expect((await rejection(analyzeEmail(''))).details.reason).toBe('EMAIL_EMPTY');
    const big = await rejection(analyzeEmail(fixture('newsletter-clean.eml'), { maxBytes: 1024 }));
    expect(big).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { reason: 'EMAIL_TOO_LARGE' } });
    const text = await rejection(analyzeEmail(fixture('not-an-email.txt')));
    expect(text).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'EMAIL_MALFORMED' } });
    expect((await rejection(analyzeEmail('{"json": true}\n'))).details.reason).toBe('EMAIL_MALFORMED');
    const slow = await rejection(analyzeEmail(fixture('newsletter-clean.eml'), { timeLimitMs: 0 }));
    expect(slow).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'EMAIL_TIMEOUT' } });
  });

  it('a header flood (600 Received hops) is refused over max_header_bytes and analysed within it', async () => {
    const flood = fixture('huge-header.eml');
    const err = await rejection(analyzeEmail(flood, { maxHeaderBytes: 32 * 1024 }));
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'EMAIL_MALFORMED' } });
    expect(err.message).toBe('not a readable message: a header block is larger than allowed');
    const a = await analyzeEmail(flood);
    expect(a.summary).toMatchObject({ received_hops: 600, originating_ip: '198.18.0.1' });
    expect(codes(a)).toEqual(['AUTH_RESULTS_MISSING', 'URL_IP_LITERAL']);
  });

  it('a huge header block is refused with a short message that quotes nothing', async () => {
    const huge = `From: a@b.example\r\nX-Filler: ${'A'.repeat(300 * 1024)}\r\nSubject: x\r\n\r\nbody\r\n`;
    const err = await rejection(analyzeEmail(huge));
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'EMAIL_MALFORMED' } });
    expect(err.message.length).toBeLessThan(120);
    expect(err.message).not.toContain('AAAA');
    // Within the limit, the same message is analysed and the long value is cut everywhere it shows.
    const ok = await analyzeEmail(
      `From: "${'B'.repeat(5000)}" <a@b.example>\r\nSubject: ${'C'.repeat(5000)}\r\n\r\nbody\r\n`,
    );
    expect(ok.summary.subject!.length).toBeLessThanOrEqual(200);
    expect(ok.summary.from_name!.length).toBeLessThanOrEqual(200);
    expect(codes(ok)).toEqual(['AUTH_RESULTS_MISSING', 'HEADERS_MISSING']);
  });

  it('never throws anything but a reasoned AppError on mangled bytes', async () => {
    const base = fixture('phish-credential.eml');
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(base);
      for (let j = 0; j < 60; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const cutAt = Math.floor(rnd() * b.length);
      try {
        const a = await analyzeEmail(i % 2 ? b.subarray(0, cutAt) : b);
        expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      } catch (err) {
        expect((err as { details?: { reason?: string } }).details?.reason).toMatch(/^EMAIL_/);
      }
    }
  });

  it('caps URLs and attachments and says so', async () => {
    const links = Array.from({ length: 30 }, (_, i) => `https://site${i}.example.com/p`).join('\n');
    const a = await analyzeEmail(`From: a@b.example\r\nSubject: s\r\n\r\n${links}\r\n`, { maxUrls: 10 });
    expect(a.urls).toHaveLength(10);
    expect(a.findings.find((f) => f.code === 'URL_CAP_REACHED')?.details).toEqual({ dropped: 20, limit: 10 });
  });
});

describe('internationalised senders', () => {
  it('shows IDN domains in punycode (what the eye cannot tell apart) with what the recipient saw', async () => {
    const a = await analyzeEmail(
      'From: PayPal <service@xn--pypal-4ve.com>\r\nReply-To: x@ex\u00e4mple.de\r\nSubject: s\r\nMessage-ID: <a@b>\r\nDate: Tue, 01 Dec 2026 09:12:01 +0000\r\n\r\nhi\r\n',
    );
    expect(a.summary).toMatchObject({ from: 'service@xn--pypal-4ve.com', reply_to: ['x@xn--exmple-cua.de'] });
    const lookalike = a.findings.find((f) => f.code === 'LOOKALIKE_DOMAIN')!;
    expect(lookalike.message).toBe(
      'From domain xn--pypal-4ve.com (shown as p\u0430ypal.com) imitates paypal.com (confusable)',
    );
    expect(codes(a)).toEqual([
      'AUTH_RESULTS_MISSING',
      'DISPLAY_NAME_SPOOF',
      'IDN_DOMAIN',
      'LOOKALIKE_DOMAIN',
      'REPLY_TO_MISMATCH',
    ]);
  });
});
