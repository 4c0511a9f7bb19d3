import { createHash } from 'node:crypto';
import { cut, type AttachmentSummary, type Finding } from './email.types.ts';

/** Executable or script types Windows/macOS run on a double click. */
export const DANGEROUS_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'exe scr com pif bat cmd vbs vbe js jse wsf wsh hta ps1 psm1 psd1 msi msp mst lnk jar cpl reg dll one ' +
    'iso img vhd vhdx chm scf url appx appref-ms msix application gadget xll inf sct ws app dmg pkg command'
  ).split(' '),
);
/** Office formats that carry VBA macros (the `m` variants and add-ins). */
export const MACRO_EXTENSIONS: ReadonlySet<string> = new Set(
  'docm dotm xlsm xltm xlsb xlam pptm potm ppam ppsm sldm'.split(' '),
);
/** Legacy binary Office formats, which may carry macros too (checked by content). */
const LEGACY_OFFICE = new Set(['doc', 'dot', 'xls', 'xlt', 'ppt', 'pps', 'pot']);
export const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set(
  'zip rar 7z gz tgz bz2 xz tar cab ace arj lzh z zipx'.split(' '),
);
export const HTML_EXTENSIONS: ReadonlySet<string> = new Set('htm html shtml xhtml mht mhtml svg'.split(' '));
/** What a document or picture is named like, in front of a second, real extension. */
const DECOY_EXTENSIONS = new Set(
  'pdf doc docx xls xlsx ppt pptx txt rtf csv jpg jpeg png gif bmp mp3 mp4 avi mov wav zip'.split(' '),
);

type Magic = 'exe' | 'elf' | 'zip' | 'ole' | 'pdf' | 'rar' | '7z' | 'gzip' | 'html' | 'png' | 'jpeg' | 'gif';

/** The type the first bytes show, when they show one. */
export function sniff(content: Buffer): Magic | null {
  const b = content;
  if (b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a) return 'exe';
  if (b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'elf';
  if (b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  if (b.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'ole';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (b.subarray(0, 4).toString('latin1') === 'Rar!') return 'rar';
  if (b.subarray(0, 6).equals(Buffer.from('377abcaf271c', 'hex'))) return '7z';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  const head = b.subarray(0, 512).toString('latin1').trimStart().toLowerCase();
  if (/^(<!doctype html|<html|<script|<svg|<body|<head|<meta|<iframe|<form)/.test(head)) return 'html';
  return null;
}

/** Types each extension's real files start with. */
const EXPECTED: Readonly<Record<string, readonly Magic[]>> = {
  pdf: ['pdf'],
  docx: ['zip'],
  xlsx: ['zip'],
  pptx: ['zip'],
  docm: ['zip'],
  xlsm: ['zip'],
  pptm: ['zip'],
  zip: ['zip'],
  jar: ['zip'],
  doc: ['ole'],
  xls: ['ole'],
  ppt: ['ole'],
  msg: ['ole'],
  exe: ['exe'],
  dll: ['exe'],
  scr: ['exe'],
  rar: ['rar'],
  '7z': ['7z'],
  gz: ['gzip'],
  tgz: ['gzip'],
  png: ['png'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  gif: ['gif'],
  txt: [],
  csv: [],
};

export interface RawAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer;
}

/** Extensions of a file name, lower-case, last first (`a.pdf.exe` → ['exe', 'pdf']). */
function extensions(name: string): string[] {
  const parts = name.toLowerCase().replace(/\s+$/, '').split('.');
  return parts.length > 1 ? parts.slice(1).reverse() : [];
}

/** Hashes and checks one attachment; pushes its findings. */
export function inspectAttachment(a: RawAttachment, findings: Finding[]): AttachmentSummary {
  const magic = sniff(a.content);
  const summary: AttachmentSummary = {
    filename: a.filename ? cut(a.filename, 255) : null,
    content_type: cut(a.contentType.toLowerCase(), 100),
    size: a.content.length,
    md5: createHash('md5').update(a.content).digest('hex'),
    sha1: createHash('sha1').update(a.content).digest('hex'),
    sha256: createHash('sha256').update(a.content).digest('hex'),
    ...(magic ? { magic } : {}),
  };
  const name = a.filename ?? '';
  const shown = cut(name, 80);
  const facts = { filename: summary.filename, sha256: summary.sha256 };
  // U+202E (right-to-left override) makes `invoice‮fdp.exe` display as `invoiceexe.pdf`.
  const rtlo = /[\u202a-\u202e\u2066-\u2069]/.test(name);
  const exts = extensions(name.replace(/[\u202a-\u202e\u2066-\u2069]/g, ''));
  const [ext = '', prev] = exts;
  if (DANGEROUS_EXTENSIONS.has(ext) || magic === 'exe' || magic === 'elf') {
    findings.push({
      code: 'ATTACHMENT_DANGEROUS_EXTENSION',
      severity: 'high',
      message: DANGEROUS_EXTENSIONS.has(ext)
        ? `attachment "${shown}" is an executable or script type (.${ext})`
        : `attachment "${shown}" is an executable program`,
      details: { ...facts, extension: ext },
    });
  }
  const padded = /\s{3,}\.[a-z0-9]+$/i.test(name);
  if (
    (prev && DECOY_EXTENSIONS.has(prev) && (DANGEROUS_EXTENSIONS.has(ext) || HTML_EXTENSIONS.has(ext))) ||
    rtlo ||
    padded
  ) {
    findings.push({
      code: 'ATTACHMENT_DOUBLE_EXTENSION',
      severity: 'critical',
      message: rtlo
        ? `attachment "${shown}" hides its real extension with a right-to-left override character`
        : `attachment "${shown}" poses as .${prev ?? 'a document'} but is .${ext}`,
      details: { ...facts, extensions: exts.slice(0, 4).reverse() },
    });
  }
  const expected = EXPECTED[ext];
  if (magic && expected && !expected.includes(magic)) {
    findings.push({
      code: 'ATTACHMENT_TYPE_MISMATCH',
      severity: magic === 'exe' || magic === 'elf' || magic === 'html' ? 'high' : 'medium',
      message: `attachment "${shown}" is named .${ext} but its content is ${magic}`,
      details: { ...facts, extension: ext, content: magic },
    });
  } else if (magic && /pdf|image\//.test(summary.content_type) && ['exe', 'elf', 'html'].includes(magic)) {
    findings.push({
      code: 'ATTACHMENT_TYPE_MISMATCH',
      severity: 'high',
      message: `attachment "${shown}" is declared ${summary.content_type} but its content is ${magic}`,
      details: { ...facts, content_type: summary.content_type, content: magic },
    });
  }
  const vba = magic === 'zip' && a.content.includes('vbaProject.bin');
  const oleMacro = magic === 'ole' && (a.content.includes('VBA') || a.content.includes('_VBA_PROJECT'));
  if (MACRO_EXTENSIONS.has(ext) || vba || (LEGACY_OFFICE.has(ext) && oleMacro)) {
    findings.push({
      code: 'ATTACHMENT_MACRO',
      severity: vba || oleMacro ? 'high' : 'medium',
      message: `attachment "${shown}" is a macro-capable Office document${vba || oleMacro ? ' and contains a VBA project' : ''}`,
      details: { ...facts, extension: ext, vba_project: vba || oleMacro },
    });
  }
  if (
    ARCHIVE_EXTENSIONS.has(ext) ||
    (magic && ['rar', '7z', 'gzip'].includes(magic)) ||
    (magic === 'zip' && !EXPECTED[ext])
  ) {
    findings.push({
      code: 'ATTACHMENT_ARCHIVE',
      severity: 'low',
      message: `attachment "${shown}" is an archive (its content is not scanned)`,
      details: { ...facts, extension: ext },
    });
  }
  if (HTML_EXTENSIONS.has(ext) || /^text\/html|image\/svg/.test(summary.content_type) || magic === 'html') {
    findings.push({
      code: 'ATTACHMENT_HTML',
      severity: 'medium',
      message: `attachment "${shown}" is an HTML/SVG file, a common carrier of local credential forms`,
      details: { ...facts, extension: ext },
    });
  }
  return summary;
}
