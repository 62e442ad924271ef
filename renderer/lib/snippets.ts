/**
 * Ready-to-run client snippets for the OpenAI-compatible endpoint. `key` is written in verbatim
 * (so a copied snippet works as-is); an empty key (management auth off) leaves auth out.
 */

/** Single quotes for POSIX shells: 'it'\''s'. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlChat(base: string, key: string, body: unknown): string {
  const lines = [`curl ${shellQuote(`${base}v1/chat/completions`)}`];
  if (key) lines.push(`-H ${shellQuote(`Authorization: Bearer ${key}`)}`);
  lines.push(`-H 'Content-Type: application/json'`);
  lines.push(`-d ${shellQuote(JSON.stringify(body, null, 2))}`);
  return lines.join(' \\\n  ');
}

export function pythonOpenAi(base: string, key: string, model: string): string {
  return [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(`${base}v1`)}, api_key=${JSON.stringify(key || 'none')})`,
    'reply = client.chat.completions.create(',
    `    model=${JSON.stringify(model)},`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n');
}

export function javascriptOpenAi(base: string, key: string, model: string): string {
  return [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(`${base}v1`)}, apiKey: ${JSON.stringify(key || 'none')} });`,
    'const reply = await client.chat.completions.create({',
    `  model: ${JSON.stringify(model)},`,
    "  messages: [{ role: 'user', content: 'Hello!' }],",
    '});',
    'console.log(reply.choices[0].message.content);',
  ].join('\n');
}

/** The key with its middle hidden, for display; copies carry the whole key. */
export function maskKey(key: string): string {
  if (key.length <= 12) return '•'.repeat(key.length);
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}
