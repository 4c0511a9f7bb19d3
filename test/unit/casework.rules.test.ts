// Case-work input rules: CSV cells (quoting, formula-injection defence), @mentions, tag normalisation.
import { describe, expect, it } from 'vitest';
import { csvCell, mentionCandidates, normaliseTags } from '../../src/core/incidents/casework.rules.ts';

describe('casework rules', () => {
  it('quotes CSV cells per RFC 4180 and defuses formula starters', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0.5)).toBe('0.5');
    expect(csvCell(['a', 'b'])).toBe('a;b');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}SUM(A1)`).replace(/^"/, '').startsWith(`'${start}`)).toBe(true);
    }
    expect(csvCell('=1+1,2')).toBe(`"'=1+1,2"`);
  });

  it('finds @mentions, not e-mail addresses, without trailing punctuation', () => {
    expect(mentionCandidates('@Alice please, and @bob.')).toEqual(['alice', 'bob']);
    expect(mentionCandidates('mail jdoe@corp.example')).toEqual([]);
    expect(mentionCandidates('(@carol) @carol @x-ray-')).toEqual(['carol', 'x-ray']);
  });

  it('normalises tags and refuses bad ones by position, never echoing them', () => {
    expect(normaliseTags([' VIP ', 'Phish:Wave-2', 'vip'], 'add')).toEqual(['vip', 'phish:wave-2']);
    for (const bad of ['', '-x', 'a b', 'x'.repeat(65), '<script>']) {
      try {
        normaliseTags(['ok', bad], 'add');
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toMatchObject({ code: 'VALIDATION_ERROR', message: 'add[1] is not a valid tag' });
      }
    }
  });
});
