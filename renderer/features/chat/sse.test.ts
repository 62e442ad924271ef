import { SseDecoder, sseEvents } from './sse';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SseDecoder', () => {
  it('yields each event once its blank line arrives, across arbitrary chunk boundaries', () => {
    const d = new SseDecoder();
    expect(d.push(bytes('data: {"a"'))).toEqual([]);
    expect(d.push(bytes(':1}\n'))).toEqual([]);
    expect(d.push(bytes('\ndata: [DONE]\n\n'))).toEqual(['{"a":1}', '[DONE]']);
  });

  it('joins multi-line data, skips comments and other fields, and accepts CRLF', () => {
    const d = new SseDecoder();
    const out = d.push(bytes(': keep-alive\r\nevent: x\r\nid: 3\r\ndata: one\r\ndata:two\r\n\r\n'));
    expect(out).toEqual(['one\ntwo']);
  });

  it('keeps a CR split from its LF as one line break', () => {
    const d = new SseDecoder();
    expect(d.push(bytes('data: a\r'))).toEqual([]);
    expect(d.push(bytes('\n\r\n'))).toEqual(['a']);
  });

  it('decodes a UTF-8 character split between chunks', () => {
    const d = new SseDecoder();
    const all = bytes('data: é\n\n');
    expect(d.push(all.slice(0, 7))).toEqual([]);
    expect(d.push(all.slice(7))).toEqual(['é']);
  });

  it('returns an unterminated last event at the end of the stream', () => {
    const d = new SseDecoder();
    expect(d.push(bytes('data: last'))).toEqual([]);
    expect(d.end()).toEqual(['last']);
  });
});

describe('sseEvents', () => {
  it('reads a response body into payloads as they arrive', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes('data: 1\n\nda'));
        c.enqueue(bytes('ta: 2\n\n'));
        c.close();
      },
    });
    const got: string[] = [];
    for await (const p of sseEvents(body)) got.push(p);
    expect(got).toEqual(['1', '2']);
  });
});
