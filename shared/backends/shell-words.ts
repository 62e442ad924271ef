import { parse as shellParse } from 'shell-quote';

/** Stands in for `$` while shell-quote splits, so `$VAR` is kept literally instead of expanded. */
const DOLLAR = '\uE000';
const DOLLAR_RE = /\uE000/g;

/**
 * The words of a command line as a shell would split them, without running one: quotes group,
 * backslashes escape, `$VAR` stays literal, a comment ends the words. A shell operator (`|`,
 * `&&`, `>`…) is handed to `onOperator`, which throws the caller's own error.
 */
export function shellWords(text: string, onOperator: (op: string) => never): string[] {
  const out: string[] = [];
  for (const t of shellParse(text.replace(/\$/g, DOLLAR))) {
    if (typeof t === 'string') out.push(t.replace(DOLLAR_RE, '$'));
    else if ('pattern' in t) out.push(t.pattern.replace(DOLLAR_RE, '$'));
    else if ('comment' in t) break;
    else onOperator(t.op);
  }
  return out;
}
