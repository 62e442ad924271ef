import type { AnswerStats } from './types';

function ms(v: number): string {
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

function rate(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
}

/** "First token 120 ms · 42.5 tokens/s · 19 prompt + 50 answer tokens"; '' without figures. */
export function statsLine(s: AnswerStats | undefined): string {
  if (!s) return '';
  const parts: string[] = [];
  if (s.ttftMs !== undefined) parts.push(`First token ${ms(s.ttftMs)}`);
  if (s.tokensPerSecond !== undefined) parts.push(`${rate(s.tokensPerSecond)} tokens/s`);
  if (s.promptTokens !== undefined && s.completionTokens !== undefined)
    parts.push(`${s.promptTokens} prompt + ${s.completionTokens} answer tokens`);
  else if (s.completionTokens !== undefined) parts.push(`${s.completionTokens} answer tokens`);
  return parts.join(' · ');
}
