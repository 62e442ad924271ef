import { UsageTap } from './usage-tap';

const sse = (objs: unknown[]) =>
  objs.map((o) => `data: ${JSON.stringify(o)}\n\n`).join('') + 'data: [DONE]\n\n';
const delta = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });

describe('reading token figures from a response going by', () => {
  it('takes usage and llama-server timings from a plain JSON answer', () => {
    const tap = new UsageTap('application/json');
    const body = JSON.stringify({
      choices: [{ message: { content: 'hi' } }],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
      timings: { prompt_n: 12, predicted_n: 30, predicted_per_second: 88.44 },
    });
    // split across chunks, in the middle of a key
    tap.write(Buffer.from(body.slice(0, 50)));
    tap.write(Buffer.from(body.slice(50)));
    expect(tap.usage(400)).toEqual({
      prompt_tokens: 12,
      completion_tokens: 30,
      tokens_per_second: 88.4,
    });
  });

  it('counts content chunks of a stream without usage, and derives the speed from the time', () => {
    const tap = new UsageTap('text/event-stream; charset=utf-8');
    const text = sse([
      { choices: [{ delta: { role: 'assistant' } }] },
      ...'abcdefghij'.split('').map(delta),
    ]);
    for (let i = 0; i < text.length; i += 7) tap.write(Buffer.from(text.slice(i, i + 7)));
    expect(tap.usage(500)).toEqual({
      prompt_tokens: null,
      completion_tokens: 10,
      tokens_per_second: 20,
    });
  });

  it('prefers the usage of the last chunk of a stream (stream_options.include_usage)', () => {
    const tap = new UsageTap('text/event-stream');
    tap.write(
      Buffer.from(
        sse([
          delta('a'),
          delta('b'),
          { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } },
        ]),
      ),
    );
    expect(tap.usage(1000)).toMatchObject({
      prompt_tokens: 5,
      completion_tokens: 2,
      tokens_per_second: 2,
    });
  });

  it('reads Anthropic message streams', () => {
    const tap = new UsageTap('text/event-stream');
    tap.write(
      Buffer.from(
        [
          'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":9,"output_tokens":1}}}\n\n',
          'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
          'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n',
        ].join(''),
      ),
    );
    expect(tap.usage(null)).toEqual({
      prompt_tokens: 9,
      completion_tokens: 7,
      tokens_per_second: null,
    });
  });

  it('keeps only the end of a long body', () => {
    const tap = new UsageTap('application/json');
    tap.write(Buffer.from('{"usage":{"prompt_tokens":1}}'));
    for (let i = 0; i < 100; i++) tap.write(Buffer.alloc(1024, 0x20));
    expect(tap.usage(null).prompt_tokens).toBeNull();
  });

  it('reads numbers after spaces, with fractions and exponents, past non-ASCII text and keys without a number', () => {
    const tap = new UsageTap('application/json; charset=utf-8');
    tap.write(
      Buffer.from(
        '{"choices":[{"message":{"content":"Grüße, 日本 \\"prompt_tokens\\": 99"}}],' +
          '"usage":{"prompt_tokens" : 7,"completion_tokens":\n1.2e1},' +
          '"timings":{"prompt_n":null,"predicted_per_second":1.5E+2}}',
      ),
    );
    expect(tap.usage(null)).toEqual({
      prompt_tokens: 7,
      completion_tokens: 12,
      tokens_per_second: 150,
    });
  });

  it('takes the figure of each kind that comes last, passing over later keys without a number', () => {
    const tap = new UsageTap('application/json');
    tap.write(
      Buffer.from(
        '{"usage":{"prompt_tokens":5,"output_tokens":3},"x":{"input_tokens":9,' +
          '"completion_tokens":4,"prompt_tokens":null,"predicted_n":"n/a","output_tokens":-}}',
      ),
    );
    expect(tap.usage(null)).toEqual({
      prompt_tokens: 9, // input_tokens comes after prompt_tokens 5; the null is passed over
      completion_tokens: 4, // the last output_tokens and predicted_n have no number
      tokens_per_second: null,
    });
  });

  it('finds the figures after a long answer and reads the whole tail when neither usage nor timings is named', () => {
    const long = new UsageTap('application/json');
    long.write(
      Buffer.from(
        JSON.stringify({
          choices: [{ message: { content: 'x'.repeat(10_000) + ' "prompt_tokens": 1' } }],
          usage: { prompt_tokens: 3, completion_tokens: 4 },
        }),
      ),
    );
    expect(long.usage(null)).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    const bare = new UsageTap('application/json');
    bare.write(Buffer.from('{"prompt_n":5,"predicted_n":6,"predicted_per_second":7}'));
    expect(bare.usage(null)).toEqual({
      prompt_tokens: 5,
      completion_tokens: 6,
      tokens_per_second: 7,
    });
  });

  it('counts reasoning and text deltas, not empty ones or lines that are not data', () => {
    const tap = new UsageTap('text/event-stream');
    const lines = [
      'data: {"choices":[{"delta":{"reasoning_content":"Hmm"}}]}',
      'data: {"choices":[{"delta":{"content":""}}]}',
      ': {"content":"a comment"}',
      'data: {"choices":[{"delta":{"content":"\\"quoted\\""}}]}',
      'data: {"choices":[{"text":"legacy completion"}]}',
    ];
    // one byte at a time: every line arrives in pieces
    for (const b of Buffer.from(lines.join('\n\n') + '\n\n')) tap.write(Buffer.from([b]));
    expect(tap.usage(1000).completion_tokens).toBe(3);
  });
});
