/**
 * True when a regular expression repeats a group that itself repeats (`(a+)+`, `(\w*x)*`,
 * `(a|b+){2,}`): the classic shape of catastrophic backtracking. Conditions run these against
 * attacker-controlled alert fields, so the playbook validator refuses them. A heuristic (star height
 * above one), deliberately strict: such patterns can always be written without the nesting.
 */
export function hasNestedQuantifier(source: string): boolean {
  // One entry per open group: whether something inside it repeats without bound.
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      continue;
    }
    if (ch === '(') {
      groups.push(false);
      continue;
    }
    const repeats = ch === '*' || ch === '+' || (ch === '{' && /^\{\d*,\d*\}/.test(source.slice(i)));
    if (ch === ')') {
      const inner = groups.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || next === '?' || next === '{';
      if (inner && quantified && next !== '?') return true;
      if (inner && next === '{' && /^\{\d*,\d*\}/.test(source.slice(i + 1))) return true;
      // A repeated group makes its enclosing group repeat too.
      if (groups.length && (inner || (quantified && next !== '?'))) groups[groups.length - 1] = true;
      continue;
    }
    if (repeats && groups.length) groups[groups.length - 1] = true;
  }
  return false;
}
