// Each email detector on its own: Authentication-Results parsing and trust, look-alike domains, URL
// de-obfuscation and unwrapping, attachment checks, scoring, raw messages inside alert payloads, and
// how findings become triage evidence.
import { describe, expect, it } from 'vitest';
import { findAlertMessages } from '../../../src/core/email/alert-email.ts';
import { inspectAttachment, sniff } from '../../../src/core/email/attachments.ts';
import { parseAuthenticationResults, stripComments } from '../../../src/core/email/auth-results.ts';
import { cut, type Finding } from '../../../src/core/email/email.types.ts';
import { editDistance, findLookalike, orgDomain, skeleton } from '../../../src/core/email/lookalike.ts';
import { scoreFindings } from '../../../src/core/email/score.ts';
import {
  decodeUrlDefenseV3,
  deobfuscate,
  hostInText,
  resolveUrl,
  urlsFromHtml,
  urlsFromText,
} from '../../../src/core/email/urls.ts';
import { BRAND_DOMAINS } from '../../../src/core/email/lookalike.ts';

describe('Authentication-Results', () => {
  const ours =
    'mx.corp.example.com; dkim=pass header.i=@good.example header.s=s1; spf=fail (sender not permitted) smtp.mailfrom=bounce@bad.example; dmarc=fail (p=reject) header.from=good.example';
  const forged =
    'attacker.example; spf=pass smtp.mailfrom=bad.example; dkim=pass header.d=bad.example; dmarc=pass header.from=bad.example';

  it('reads spf/dkim/dmarc with their domains from the topmost header when no id is configured', () => {
    const a = parseAuthenticationResults([ours, forged]);
    expect(a).toMatchObject({ authserv_id: 'mx.corp.example.com', headers_seen: 2, trust: 'topmost' });
    expect(a.spf).toEqual([{ method: 'spf', result: 'fail', domain: 'bad.example' }]);
    expect(a.dkim).toEqual([{ method: 'dkim', result: 'pass', domain: 'good.example' }]);
    expect(a.dmarc).toEqual([{ method: 'dmarc', result: 'fail', domain: 'good.example' }]);
  });

  it('trusts only a configured authserv-id, wherever it is, and nothing when none matches', () => {
    const a = parseAuthenticationResults([forged, ours], ['MX.corp.example.com']);
    expect(a.trust).toBe('configured');
    expect(a.spf[0]?.result).toBe('fail');
    const none = parseAuthenticationResults([forged], ['mx.corp.example.com']);
    expect(none).toMatchObject({ trust: 'none', authserv_id: null, spf: [], dkim: [], dmarc: [] });
  });

  it('ignores comments, versions and unknown methods; tolerates garbage', () => {
    const a = parseAuthenticationResults([
      'mx.example 1; auth=pass smtp.auth=x; spf/1 = softfail (a (nested; comment) here) smtp.helo=helo.example; arc=pass',
    ]);
    expect(a.spf).toEqual([{ method: 'spf', result: 'softfail', domain: 'helo.example' }]);
    expect(parseAuthenticationResults([';;;=(((']).spf).toEqual([]);
    expect(stripComments('a (b (c) d) e "(kept)"')).toBe('a   e "(kept)"');
  });
});

describe('look-alike domains', () => {
  const targets = ['corp.example.com', ...BRAND_DOMAINS];

  it.each([
    ['micros0ft.com', 'microsoft.com', 'confusable'],
    ['rnicrosoft.com', 'microsoft.com', 'confusable'],
    ['micros0ft-support.com', 'microsoft.com', 'combo'],
    ['microsoft-login.net', 'microsoft.com', 'combo'],
    ['paypa1.com', 'paypal.com', 'confusable'],
    ['xn--pypal-4ve.com', 'paypal.com', 'confusable'], // pаypal with a Cyrillic а
    ['docusgin.com', 'docusign.com', 'typo'],
    ['linkedln.com', 'linkedin.com', 'confusable'],
    ['paypal.com.account-verify.net', 'paypal.com', 'subdomain'],
  ])('%s imitates %s (%s)', (host, imitated, technique) => {
    expect(findLookalike(host, targets)).toMatchObject({ protected: imitated, technique });
  });

  it.each([
    'microsoft.com',
    'login.microsoft.com',
    'outlook.office.com',
    'example.org',
    'life.com',
    'chose.com',
    'corp.example.com',
  ])('%s is not a look-alike', (host) => {
    expect(findLookalike(host, targets)).toBeNull();
  });

  it('checks configured protected domains too', () => {
    expect(findLookalike('acmebank-secure.com', ['acmebank.com'])).toMatchObject({
      protected: 'acmebank.com',
      technique: 'combo',
    });
    expect(findLookalike('acrnebank.com', ['acmebank.com'])).toMatchObject({ technique: 'confusable' });
  });

  it('helpers: organizational domain, skeleton, bounded edit distance', () => {
    expect(orgDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(orgDomain('mail.example.com')).toBe('example.com');
    expect(skeleton('rnicr0soft')).toBe(skeleton('microsoft'));
    expect(editDistance('docusign', 'docusgin')).toBe(1);
    expect(editDistance('abcdefgh', 'zzzzzzzz')).toBe(3);
  });
});

describe('URLs', () => {
  it('de-obfuscates hxxp, [.], (dot), [:]', () => {
    expect(deobfuscate('hxxps[:]//evil[.]example(dot)com/a')).toBe('https://evil.example.com/a');
    const found = urlsFromText(
      'go to hxxp://bad[.]example[.]com/login, or evil(dot)example(dot)net/x today.',
    );
    expect(found.map((u) => resolveUrl(u))).toEqual([
      { url: 'http://bad.example.com/login', host: 'bad.example.com', source: 'text', deobfuscated: true },
      { url: 'http://evil.example.net/x', host: 'evil.example.net', source: 'text', deobfuscated: true },
    ]);
  });

  it('unwraps SafeLinks, URLDefense v2 and v3, and Google redirects, nested', () => {
    const inner = 'https://evil.example.com/a?b=c';
    const safe = `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent(inner)}&data=05%7C01&reserved=0`;
    expect(resolveUrl({ raw: safe, source: 'html' })).toMatchObject({
      url: inner,
      unwrapped_from: ['safelinks'],
    });
    const v2 =
      'https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example.com_a-3Fb-3Dc&d=DwMF&c=x&r=y&m=z&s=w&e=';
    expect(resolveUrl({ raw: v2, source: 'html' })).toMatchObject({
      url: inner,
      unwrapped_from: ['urldefense'],
    });
    // `*` = the next decoded character: base64url("?") = "Pw"; `**A` = a run of 2: base64url("am") = "YW0".
    expect(
      decodeUrlDefenseV3('https://urldefense.com/v3/__https://evil.example.com/a*b=c__;Pw!!AbC!dEf$'),
    ).toBe(inner);
    expect(decodeUrlDefenseV3('https://urldefense.com/v3/__https://ex**Aple.com/__;YW0!!sig$')).toBe(
      'https://example.com/',
    );
    const google = `https://www.google.com/url?q=${encodeURIComponent(v2)}&sa=D`;
    const wrapped = `https://nam12.safelinks.protection.outlook.com/?url=${encodeURIComponent(google)}`;
    expect(resolveUrl({ raw: wrapped, source: 'html' })).toMatchObject({
      url: inner,
      host: 'evil.example.com',
      unwrapped_from: ['safelinks', 'google', 'urldefense'],
    });
  });

  it('reads hrefs with their visible text, form actions, entities; ignores mailto and relative links', () => {
    const html = `<a href="https://a.example/x?y=1&amp;z=2"><b>https://bank.example</b></a>
      <A HREF='mailto:x@y.example'>mail</A><a href="/relative">r</a><form action="https://collect.example/post">`;
    expect(urlsFromHtml(html)).toEqual([
      { raw: 'https://a.example/x?y=1&z=2', source: 'html', text: 'https://bank.example' },
      { raw: 'https://collect.example/post', source: 'html' },
    ]);
    expect(hostInText('www.PayPal.com')).toBe('www.paypal.com');
    expect(hostInText('Click here')).toBeNull();
  });

  it('is linear on hostile HTML (many unclosed anchors)', () => {
    const html = '<a href="https://x.example/">'.repeat(20_000);
    expect(urlsFromHtml(html)).toHaveLength(20_000);
  });
});

describe('attachments', () => {
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]);
  const run = (filename: string, content: Buffer, contentType = 'application/octet-stream') => {
    const findings: Finding[] = [];
    const summary = inspectAttachment({ filename, contentType, content }, findings);
    return { summary, codes: findings.map((f) => `${f.code}/${f.severity}`) };
  };

  it('hashes the content and flags a double extension executable', () => {
    const { summary, codes } = run('invoice.pdf.exe', exe);
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.md5).toHaveLength(32);
    expect(summary.magic).toBe('exe');
    expect(codes).toEqual(['ATTACHMENT_DANGEROUS_EXTENSION/high', 'ATTACHMENT_DOUBLE_EXTENSION/critical']);
  });

  it('flags a right-to-left override name, a renamed executable, macros, archives and HTML', () => {
    expect(run('invoice\u202Efdp.exe', exe).codes).toContain('ATTACHMENT_DOUBLE_EXTENSION/critical');
    expect(run('report.pdf', exe).codes).toEqual([
      'ATTACHMENT_DANGEROUS_EXTENSION/high',
      'ATTACHMENT_TYPE_MISMATCH/high',
    ]);
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('word/vbaProject.bin')]);
    expect(run('form.docx', zip).codes).toEqual(['ATTACHMENT_MACRO/high']);
    expect(run('form.docm', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0])).codes).toEqual([
      'ATTACHMENT_MACRO/medium',
    ]);
    expect(run('files.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0])).codes).toEqual([
      'ATTACHMENT_ARCHIVE/low',
    ]);
    expect(run('secure-message.html', Buffer.from('<html><form>')).codes).toEqual(['ATTACHMENT_HTML/medium']);
    expect(run('photo.png', Buffer.from('89504e470d0a1a0a00', 'hex')).codes).toEqual([]);
  });

  it('sniffs common magic numbers', () => {
    expect(sniff(Buffer.from('%PDF-1.7'))).toBe('pdf');
    expect(sniff(Buffer.from('d0cf11e0a1b11ae100', 'hex'))).toBe('ole');
    expect(sniff(Buffer.from('plain text'))).toBeNull();
  });
});

describe('scoring', () => {
  const f = (code: Finding['code'], severity: Finding['severity']): Finding => ({
    code,
    severity,
    message: '',
  });

  it('adds the worst finding of each code and a quarter of the others, capped at twice the worst', () => {
    expect(scoreFindings([f('SPF_FAIL', 'high')])).toEqual({ score: 25, verdict: 'suspicious' });
    expect(scoreFindings([f('URL_SHORTENER', 'low'), f('URL_SHORTENER', 'low')]).score).toBe(6);
    const many = Array.from({ length: 20 }, () => f('URL_IP_LITERAL', 'medium'));
    expect(scoreFindings(many).score).toBe(24);
    expect(
      scoreFindings([f('SPF_FAIL', 'high'), f('LOOKALIKE_DOMAIN', 'high'), f('URL_TEXT_MISMATCH', 'high')]),
    ).toEqual({
      score: 75,
      verdict: 'malicious',
    });
  });

  it('a full authentication pass lowers the score but never below 0', () => {
    expect(scoreFindings([f('AUTH_PASS', 'info')])).toEqual({ score: 0, verdict: 'benign' });
    expect(scoreFindings([f('AUTH_PASS', 'info'), f('ATTACHMENT_DOUBLE_EXTENSION', 'critical')]).score).toBe(
      25,
    );
  });
});

describe('raw messages inside alerts', () => {
  const eml = 'From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nbody\r\n';

  it('finds generic fields (plain or base64) and Graph-style message/rfc822 attachments', () => {
    const payload = {
      alert: { raw_email: eml, details: { 'Message-Raw': Buffer.from(eml).toString('base64') } },
      evidence: [
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          name: 'reported.eml',
          contentType: 'message/rfc822',
          contentBytes: Buffer.from(eml).toString('base64'),
        },
      ],
      mime: 'text/html',
      eml: 'not a message',
    };
    const found = findAlertMessages(payload, 1_000_000);
    expect(found.map((m) => m.path)).toEqual([
      '$.alert.raw_email',
      '$.alert.details.Message-Raw',
      '$.evidence[0].contentBytes',
    ]);
    for (const m of found) expect(m.bytes.toString()).toBe(eml);
  });

  it('skips what is too large or too deep, and takes at most five per alert', () => {
    expect(findAlertMessages({ raw_email: eml }, 10)).toEqual([]);
    let deep: unknown = { raw_email: eml };
    for (let i = 0; i < 10; i++) deep = { x: deep };
    expect(findAlertMessages(deep, 1_000_000)).toEqual([]);
    expect(
      findAlertMessages(
        Array.from({ length: 9 }, () => ({ eml })),
        1_000_000,
      ),
    ).toHaveLength(5);
  });
});

describe('cut', () => {
  it('bounds attacker strings, drops control characters, never splits a surrogate pair', () => {
    expect(cut('a'.repeat(500))).toHaveLength(200);
    expect(cut('x\u0000y\nz')).toBe('x y z');
    const s = cut(`${'a'.repeat(198)}😀😀`);
    expect(s.endsWith('…')).toBe(true);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(s)).toBe(false);
  });
});
