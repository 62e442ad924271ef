import {
  accumulate,
  answerStats,
  buildRequest,
  emptyAccumulated,
  splitThink,
  titleFrom,
  turnFromAccumulated,
} from './completion';
import type { ChatTurn } from './types';

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }], ...extra });

describe('buildRequest', () => {
  const turns: ChatTurn[] = [
    { id: '1', role: 'user', content: 'hi' },
    { id: '2', role: 'assistant', content: 'hello', state: 'done' },
    { id: '3', role: 'user', content: 'again' },
    { id: '4', role: 'assistant', content: '', state: 'error', error: 'x' },
    { id: '5', role: 'user', content: 'look', images: ['data:image/png;base64,AAA'] },
  ];

  it('sends the system prompt first, the turns in order, and leaves failed answers out', () => {
    const req = buildRequest('alpha', { system: 'Be brief.', temperature: 0.2 }, turns);
    expect(req.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
        ],
      },
    ]);
    expect(req).toMatchObject({
      model: 'alpha',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
    });
    expect(req).not.toHaveProperty('top_p');
    expect(req).not.toHaveProperty('max_tokens');
  });

  it('sends no system message for a blank system prompt', () => {
    expect(buildRequest('a', { system: '  ' }, turns.slice(0, 1)).messages).toEqual([
      { role: 'user', content: 'hi' },
    ]);
  });
});

describe('accumulate', () => {
  it('collects content, reasoning, finish reason, usage and timings from a llama-server stream', () => {
    let acc = emptyAccumulated();
    acc = accumulate(acc, chunk({ role: 'assistant', content: null }), 100);
    expect(acc.firstTokenAt).toBeUndefined();
    acc = accumulate(acc, chunk({ reasoning_content: 'think' }), 150);
    acc = accumulate(acc, chunk({ content: 'Hel' }), 200);
    acc = accumulate(acc, chunk({ content: 'lo' }), 300);
    acc = accumulate(
      acc,
      JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      310,
    );
    acc = accumulate(
      acc,
      JSON.stringify({
        choices: [],
        usage: { prompt_tokens: 19, completion_tokens: 3 },
        timings: { predicted_per_second: 42.5, prompt_per_second: 900 },
      }),
      320,
    );
    acc = accumulate(acc, '[DONE]', 330);
    expect(acc).toMatchObject({
      raw: 'Hello',
      reasoning: 'think',
      finishReason: 'stop',
      firstTokenAt: 150,
      lastTokenAt: 300,
      usage: { prompt_tokens: 19, completion_tokens: 3 },
    });
    expect(answerStats(acc, 50)).toEqual({
      ttftMs: 100,
      tokensPerSecond: 42.5,
      promptPerSecond: 900,
      promptTokens: 19,
      completionTokens: 3,
    });
  });

  it('measures tokens per second from the clock when the server sends no timings', () => {
    let acc = emptyAccumulated();
    acc = accumulate(acc, chunk({ content: 'a' }), 1000);
    acc = accumulate(acc, chunk({ content: 'b' }), 1500);
    acc = accumulate(acc, chunk({ content: 'c' }), 2000);
    acc = accumulate(acc, JSON.stringify({ choices: [], usage: { completion_tokens: 3 } }), 2001);
    // two tokens after the first, in one second
    expect(answerStats(acc, 0).tokensPerSecond).toBe(2);
  });

  it('keeps an error sent inside the stream and ignores payloads that are not JSON', () => {
    let acc = accumulate(emptyAccumulated(), 'not json', 1);
    acc = accumulate(acc, JSON.stringify({ error: { message: 'context full' } }), 2);
    expect(acc.error).toBe('context full');
  });
});

describe('splitThink', () => {
  it('moves a leading <think> block out of the answer, closed or still open', () => {
    expect(splitThink('<think>plan</think>\n\nAnswer')).toEqual({
      content: 'Answer',
      reasoning: 'plan',
    });
    expect(splitThink('<think>still going')).toEqual({ content: '', reasoning: 'still going' });
    expect(splitThink('No <think> here')).toEqual({ content: 'No <think> here', reasoning: '' });
  });

  it('shows inline and separate reasoning together in the turn', () => {
    let acc = accumulate(emptyAccumulated(), chunk({ reasoning_content: 'a' }), 1);
    acc = accumulate(acc, chunk({ content: '<think>b</think>c' }), 2);
    const t = turnFromAccumulated({ id: 'x', role: 'assistant', content: '' }, acc, 0);
    expect(t.content).toBe('c');
    expect(t.reasoning).toBe('a\n\nb');
  });
});

describe('titleFrom', () => {
  it('takes the first line, shortened', () => {
    expect(titleFrom('  Hello there\nsecond')).toBe('Hello there');
    expect(titleFrom('x'.repeat(60))).toHaveLength(48);
    expect(titleFrom('   ')).toBe('New chat');
  });
});
