import { extractKey } from './extract-key';

describe('extractKey', () => {
  const cases: Array<[string, Record<string, string>, string | undefined, string | null]> = [
    ['a Bearer token', { authorization: 'Bearer abc' }, '/x', 'abc'],
    ['X-API-Key', { 'x-api-key': 'xyz' }, '/x', 'xyz'],
    ['the api_key query parameter', {}, '/x?a=1&api_key=q%2Bk', 'q+k'],
    [
      'Bearer before X-API-Key',
      { authorization: 'Bearer b', 'x-api-key': 'x' },
      '/x?api_key=q',
      'b',
    ],
    ['X-API-Key before the query', { 'x-api-key': 'x' }, '/x?api_key=q', 'x'],
    ['nothing for another scheme', { authorization: 'Basic Zm9vOmJhcg==' }, '/x', null],
    [
      'nothing for a lower-case scheme (case-sensitive like llamactl)',
      { authorization: 'bearer abc' },
      '/x',
      null,
    ],
    [
      'the next source when Bearer is empty',
      { authorization: 'Bearer ', 'x-api-key': 'x' },
      '/x',
      'x',
    ],
    ['nothing at all', {}, undefined, null],
  ];
  it.each(cases)('finds %s', (_name, headers, url, want) => {
    expect(extractKey(headers, url)).toBe(want);
  });
});
