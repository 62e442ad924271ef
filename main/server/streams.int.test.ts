import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NewEvent } from '../events/bus';
import { createInstance, testPortRange } from '../instances/test-helpers';
import { startTestServer, type TestServer } from '../testing/test-server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ config: { instances: { port_range: testPortRange(57) } } });
  await createInstance(s, 'big', {});
});
afterAll(async () => {
  await s?.close();
});

/** A raw GET whose body is not read until the test says so (fetch would read ahead). */
function pausedGet(path: string): Promise<http.IncomingMessage> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: u.hostname, port: u.port, path, headers: { Authorization: `Bearer ${s.mgmtKey}` } },
      (res) => {
        res.pause();
        resolve(res);
      },
    );
    req.on('error', reject);
  });
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
    res.resume();
  });
}

/** A large log file written as a backend would have, before anyone streams it. */
function writeLog(name: string, lineCount: number): string {
  const path = s.services.instances.logFile(name);
  mkdirSync(dirname(path), { recursive: true });
  const text = Array.from({ length: lineCount }, (_, i) => `line ${i} ${'x'.repeat(80)}`).join(
    '\n',
  );
  writeFileSync(path, text + '\n');
  return text + '\n';
}

describe('slow event stream readers', () => {
  it('drops a client of /events that stops reading, with a last event saying why', async () => {
    const res = await pausedGet('/api/v1/events');
    expect(res.headers['content-type']).toContain('text/event-stream');
    // 48 MB of events: far more than the per-client bound plus what the sockets can hold
    const payload = 'p'.repeat(1024 * 1024);
    for (let i = 0; i < 48; i++)
      s.services.events.publish({
        type: 'instance',
        name: `flood-${i}`,
        change: 'updated',
        instance: null,
        note: payload,
      } as unknown as NewEvent);
    const text = await readAll(res);
    expect(text.length).toBeLessThan(24 * 1024 * 1024);
    expect(text).toMatch(/event: dropped\ndata: \{"reason":"the client read too slowly[^\n]*\n\n$/);
  }, 15_000);
});

describe('whole log files', () => {
  it('streams GET logs?lines=0 in chunks instead of building one response in memory', async () => {
    const text = writeLog('big', 40_000);
    const res = await pausedGet('/api/v1/instances/big/logs?lines=0');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(await readAll(res)).toBe(text);
  });

  it('sends the whole file of logs/stream?lines=0 as many events, in order', async () => {
    const text = writeLog('big', 40_000);
    const res = await pausedGet('/api/v1/instances/big/logs/stream?lines=0');
    const received: string[] = [];
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (c: string) => {
      buffer += c;
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (frame.startsWith('data: ')) received.push(JSON.parse(frame.slice(6)) as string);
      }
    });
    res.resume();
    await vi.waitFor(() => expect(received.join('').length).toBe(text.length), {
      timeout: 20_000,
    });
    expect(received.length).toBeGreaterThan(1);
    expect(received.join('')).toBe(text);
    res.destroy();
  });
});

describe('error bodies', () => {
  it.each([
    '/api/v1/instances/missing/logs',
    '/api/v1/instances/missing/logs?lines=0',
    '/api/v1/instances/missing/logs?lines=5',
    '/api/v1/instances/missing/logs/stream',
  ])('answers %s for a missing instance with a JSON 404', async (path) => {
    const res = await s.api(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'instance_not_found' });
  });
});
