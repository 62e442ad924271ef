import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Instance } from '../../../../shared/api/instances';
import { useAuthStore } from '../../../lib/auth-store';
import { renderWithClient, testQueryClient } from '../../../test/render';
import { instanceKeys } from '../../instances/queries';
import { memoryStorage, type ConversationStorage } from '../storage';
import { DEFAULT_SETTINGS, useChatStore } from '../store';
import { ChatPage } from './chat-page';

const enc = new TextEncoder();
const sse = (o: unknown) =>
  enc.encode(`data: ${typeof o === 'string' ? o : JSON.stringify(o)}\n\n`);
const delta = (content: string) => sse({ choices: [{ index: 0, delta: { content } }] });

/**
 * A fake OpenAI endpoint behind fetch: /v1/models lists `models`; each chat request gets a
 * stream the test writes to (or an error answer), and is recorded with its body and auth.
 */
function fakeOpenAi(models: string[]) {
  const requests: { body: any; auth?: string; signal?: AbortSignal }[] = [];
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  let nextError: { status: number; body: unknown } | null = null;
  let hold: Promise<void> | null = null;
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = (init.headers ?? {}) as Record<string, string>;
    if (url.pathname === '/v1/models')
      return Response.json({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) });
    if (url.pathname === '/v1/chat/completions') {
      requests.push({
        body: JSON.parse(String(init.body)),
        auth: headers.Authorization,
        signal: init.signal ?? undefined,
      });
      // like the server while an instance starts: no answer before it is ready
      if (hold) await hold;
      if (nextError) {
        const e = nextError;
        nextError = null;
        return Response.json(e.body, { status: e.status });
      }
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          streams.push(c);
          init.signal?.addEventListener('abort', () =>
            c.error(new DOMException('aborted', 'AbortError')),
          );
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
    }
    return Response.json({ error: 'not_found' }, { status: 404 });
  };
  return {
    requests,
    streams,
    failNext: (status: number, body: unknown) => (nextError = { status, body }),
    /** holds the next answers until the returned function is called */
    hold: () => {
      let release!: () => void;
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = null;
        release();
      };
    },
    fetch: fetchImpl as typeof fetch,
  };
}

function alpha(over: Partial<Instance> = {}): Instance {
  return {
    id: 1,
    name: 'alpha',
    status: 'running',
    health: 'ready',
    options: {
      backend_type: 'llama_cpp',
      backend_options: { model: '/m/alpha.gguf' },
      auto_restart: false,
      max_restarts: 0,
      restart_delay: 0,
      on_demand_start: true,
      idle_timeout: 0,
    },
    ...over,
  };
}

let storage: ConversationStorage;

beforeEach(() => {
  storage = memoryStorage();
  useChatStore.setState({
    storage,
    loaded: false,
    storageError: null,
    conversations: {},
    activeId: null,
    draftModel: '',
    draftSettings: DEFAULT_SETTINGS,
  });
  useAuthStore.setState({ status: 'signed-in', key: 'mgmt-key' });
});

afterEach(() => vi.unstubAllGlobals());

function setup(instances: Instance[] = [alpha()]) {
  const api = fakeOpenAi(['alpha', 'router/qwen.gguf']);
  vi.stubGlobal('fetch', api.fetch);
  const client = testQueryClient();
  client.setQueryData(instanceKeys.list(), instances);
  renderWithClient(<ChatPage />, client);
  return { api, client };
}

describe('chat page', () => {
  it('streams an answer into the conversation, shows its figures and keeps it in the browser', async () => {
    const user = userEvent.setup();
    const { api } = setup();
    const picker = await screen.findByLabelText('Model');
    await waitFor(() =>
      expect(screen.getByRole('option', { name: 'router/qwen.gguf' })).toBeTruthy(),
    );
    expect((picker as HTMLSelectElement).value).toBe('alpha');

    await user.type(screen.getByLabelText('Message'), 'Hello{Shift>}{Enter}{/Shift}there{Enter}');
    await waitFor(() => expect(api.requests).toHaveLength(1));
    expect(api.requests[0].auth).toBe('Bearer mgmt-key');
    expect(api.requests[0].body).toMatchObject({
      model: 'alpha',
      stream: true,
      messages: [{ role: 'user', content: 'Hello\nthere' }],
    });

    act(() => {
      api.streams[0].enqueue(delta('**Hi** '));
      api.streams[0].enqueue(delta('friend'));
    });
    await waitFor(() => expect(screen.getByText('Hi').tagName).toBe('STRONG'));
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();

    act(() => {
      api.streams[0].enqueue(
        sse({
          choices: [],
          usage: { prompt_tokens: 7, completion_tokens: 2 },
          timings: { predicted_per_second: 12.5 },
        }),
      );
      api.streams[0].enqueue(sse('[DONE]'));
      api.streams[0].close();
    });
    const stats = await screen.findByLabelText('Answer statistics');
    expect(stats.textContent).toMatch(
      /^First token \d+ ms · 12\.5 tokens\/s · 7 prompt \+ 2 answer tokens$/,
    );

    const saved = await storage.loadAll();
    expect(saved).toHaveLength(1);
    expect(saved[0].title).toBe('Hello');
    expect(saved[0].turns.map((t) => [t.role, t.content, t.state])).toEqual([
      ['user', 'Hello\nthere', undefined],
      ['assistant', '**Hi** friend', 'done'],
    ]);
  });

  it('Stop aborts the request and keeps the partial answer, marked as stopped', async () => {
    const user = userEvent.setup();
    const { api } = setup();
    await screen.findByRole('option', { name: 'alpha' });
    await user.type(screen.getByLabelText('Message'), 'Tell me{Enter}');
    await waitFor(() => expect(api.streams).toHaveLength(1));
    act(() => api.streams[0].enqueue(delta('Once upon')));
    await screen.findByText('Once upon');
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await screen.findByText('Stopped');
    expect(api.requests[0].signal?.aborted).toBe(true);
    expect(screen.getByText('Once upon')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
    const [c] = await storage.loadAll();
    expect(c.turns[1]).toMatchObject({ content: 'Once upon', state: 'stopped' });
  });

  it('says "Starting alpha…" while a stopped instance starts, and a start failure in plain words', async () => {
    const user = userEvent.setup();
    const { api, client } = setup([alpha({ status: 'stopped', health: 'stopped' })]);
    await screen.findByRole('option', { name: 'alpha' });
    const release = api.hold();
    await user.type(screen.getByLabelText('Message'), 'Hi{Enter}');
    expect(await screen.findByText('Starting alpha…')).toBeTruthy();
    // the events stream reports it ready: the answer now waits for its first token
    act(() => client.setQueryData(instanceKeys.list(), [alpha()]));
    expect(await screen.findByText('Waiting for alpha…')).toBeTruthy();
    api.failNext(500, {
      error: {
        message: 'failed to start instance alpha: instance alpha exited with code 1 while starting',
        type: 'server_error',
        code: 'instance_start_failed',
      },
    });
    release();
    expect(
      await screen.findByText(
        'alpha could not start: Instance alpha exited with code 1 while starting.',
      ),
    ).toBeTruthy();
  });

  it('lists, renames and deletes conversations kept in the browser', async () => {
    await storage.put({
      id: 'c1',
      title: 'Old talk',
      created: 1,
      updated: 2,
      model: 'alpha',
      settings: DEFAULT_SETTINGS,
      turns: [{ id: 't', role: 'user', content: 'earlier question' }],
    });
    const user = userEvent.setup();
    setup();
    await user.click(await screen.findByRole('button', { name: /^Old talk/ }));
    expect(screen.getByText('earlier question')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Rename Old talk' }));
    const name = screen.getByLabelText('Conversation name');
    await user.clear(name);
    await user.type(name, 'Renamed{Enter}');
    await waitFor(async () => expect((await storage.loadAll())[0].title).toBe('Renamed'));
    await user.click(screen.getByRole('button', { name: 'Delete Renamed' }));
    await user.click(screen.getByRole('button', { name: 'Delete conversation' }));
    await waitFor(async () => expect(await storage.loadAll()).toEqual([]));
    expect(screen.getByText('No conversations yet.')).toBeTruthy();
  });
});
