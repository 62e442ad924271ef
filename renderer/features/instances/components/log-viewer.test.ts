import { describe, expect, it } from 'vitest';
import { lineClass, LineSplitter, SseParser } from './log-viewer';

describe('log stream parsing', () => {
  it('joins lines split across chunks and keeps a partial line until its end arrives', () => {
    const s = new LineSplitter();
    expect(s.push('one\ntw')).toEqual(['one']);
    expect(s.push('o\r\nthree')).toEqual(['two']);
    expect(s.flush()).toEqual(['three']);
  });

  it('reads JSON-string data events, skipping comments, across chunk boundaries', () => {
    const p = new SseParser();
    expect(p.push(': connected\n\ndata: "a\\nb')).toEqual([]);
    expect(p.push('"\n\n: ping\n\ndata: "c"\n\n')).toEqual(['a\nb', 'c']);
  });

  it('colours errors and warnings', () => {
    expect(lineClass('srv  load_model: ERROR failed to open')).toBe('log-error');
    expect(lineClass('W warning: not compiled with GPU offload')).toBe('log-warn');
    expect(lineClass('main: server is listening')).toBe('');
  });
});
