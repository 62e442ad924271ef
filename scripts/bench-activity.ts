// `npm run bench:activity`: what recording one request costs, in-process, without the
// HTTP around it: the tap a proxied request gets (created, response start, one body chunk of a
// small chat answer, the end), the record into the ring, the request metrics and the `activity`
// event with the listeners a server always has. Prints microseconds per request, to hold
// against bench:proxy's CPU per request (the bound: within 5% of it). Bundled with
// esbuild first, as bench:proxy runs the server, so that no transform helper is measured.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { loadavg } from 'node:os';
import { bundleForBench } from './bench-serve';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_REQUESTS ?? 200_000);
/** requests that end in one turn of the event loop (recorded together at its end) */
const BATCH = Number(process.env.BENCH_BATCH ?? 8);

async function measure(): Promise<void> {
  const { EventBus } = await import('../main/events/bus');
  const { Metrics } = await import('../main/observability/metrics');
  const { ActivityLog } = await import('../main/observability/activity');
  const { ResourceSampler } = await import('../main/observability/resource-sampler');
  const { StartBackoff } = await import('../main/instances/start-backoff');
  const { silentLogger } = await import('../main/logger');
  const { tapActivity } = await import('../main/server/proxy/activity-tap');
  const { assignRequestId } = await import('../main/server/proxy/request-id');
  const events = new EventBus();
  const sampler = new ResourceSampler({ running: () => [], log: silentLogger });
  const metrics = new Metrics({ instances: () => [], sampler });
  // the bus's listeners in a server: the metrics and the start back-off
  events.subscribe((e) => metrics.onEvent(e));
  new StartBackoff(() => 10, events);
  const log = new ActivityLog({ events, metrics, size: 1000 });
  const answer = Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-probe',
      object: 'chat.completion',
      created: 1700000000,
      model: 'bench-model',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'probe reply' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    }),
  );
  const headers = { 'content-type': 'application/json', 'content-length': String(answer.length) };
  const ctx = { instance: 'bench', model: 'bench', keyName: 'bench' };
  type Req = Parameters<typeof tapActivity>[1];
  type Res = Parameters<typeof tapActivity>[2];
  // A response as far as the tap sees it: a status, and the close event the reverse proxy's
  // own listener turns into the tap's onEnd.
  const response = () => Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Res;
  const one = () => {
    const req = { url: '/v1/chat/completions', method: 'POST', headers: {} } as unknown as Req;
    const res = response();
    assignRequestId(req, res);
    const tap = tapActivity(log, req, res, ctx);
    res.once('close', () => tap.onEnd());
    tap.onResponseStart(200, headers);
    tap.onData(answer);
    res.emit('close');
  };
  // The server records the requests that ended in one turn of its event loop together at the
  // turn's end (ActivityLog.recordLater); here a turn ends every BATCH requests.
  const run = (n: number) => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      one();
      if (i % BATCH === BATCH - 1) log.flush();
    }
    log.flush();
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / n;
  };
  run(20_000);
  const base = (n: number) => {
    // the same fake request, id and close event without the tap: what the loop itself costs
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const req = { url: '/v1/chat/completions', method: 'POST', headers: {} } as unknown as Req;
      const res = response();
      assignRequestId(req, res);
      res.once('close', () => undefined);
      res.emit('close');
    }
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / n;
  };
  base(20_000);
  const rounds = 5;
  const us: number[] = [];
  for (let r = 0; r < rounds; r++) us.push(run(N / rounds) - base(N / rounds));
  us.sort((a, b) => a - b);
  console.log(
    `recording one request (tap, record, metrics, event; ${BATCH} per turn): ${us[Math.floor(rounds / 2)]!.toFixed(2)} us CPU (median of ${rounds} rounds of ${N / rounds}; min ${us[0]!.toFixed(2)}, max ${us[rounds - 1]!.toFixed(2)}); load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

if (process.argv[2] === '--measure') {
  void measure();
} else {
  const out = join(ROOT, 'node_modules/.cache/bench-activity/bench.mjs');
  await bundleForBench(THIS_FILE, out);
  const { spawnSync } = await import('node:child_process');
  spawnSync(process.execPath, [out, '--measure'], { cwd: ROOT, stdio: 'inherit' });
}
