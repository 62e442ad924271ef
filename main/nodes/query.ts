/**
 * Removes the named query parameters from a URL path (`node`, `api_key`); the rest of the
 * query string is kept byte for byte.
 */
export function dropQueryParams(url: string, names: string[]): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
      return part !== '' && !names.includes(key);
    });
  return kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
