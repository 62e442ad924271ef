/**
 * bench:nodes — how long GET /api/v1/instances takes on a main server with remote instances on
 * a node that is up, refuses connections (server stopped), or hangs (machine gone: a socket
 * that accepts and never answers). Baseline in the same run: the same listing with no nodes.
 * Everything on 127.0.0.1; 20 remote instances, 30 listings per case.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTestServer, TEST_MGMT_KEY, type TestServer } from '../main/testing/test-server';

const FAKE_BACKEND = fileURLToPath(new URL('../e2e/fixtures/fake-backend.mjs', import.meta.url));
const REMOTE = 20;
const RUNS = 30;

async function timeListings(s: TestServer, runs = RUNS): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await s.api('/api/v1/instances');
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`listing: ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

function summary(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(
    `${label.padEnd(44)} first ${ms[0].toFixed(1).padStart(7)} ms  median ${q(0.5).toFixed(1).padStart(6)} ms  p95 ${q(0.95).toFixed(1).padStart(7)} ms  max ${sorted[sorted.length - 1].toFixed(1).padStart(7)} ms`,
  );
}

async function main(): Promise<void> {
  const quiet = { instances: { port_range: [31000, 31099] } };
  const baseline = await startTestServer({ config: quiet });
  for (let i = 0; i < REMOTE; i++) {
    await baseline.api(`/api/v1/instances/local-${i}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ backend_type: 'llama_cpp', command_override: FAKE_BACKEND }),
    });
  }
  summary(`baseline: ${REMOTE} local instances, no nodes`, await timeListings(baseline));
  await baseline.close();

  // A node that hangs: accepts TCP connections and never answers.
  const sockets = new Set<net.Socket>();
  const hung = net.createServer((sock) => sockets.add(sock));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const hungPort = (hung.address() as net.AddressInfo).port;

  const worker = await startTestServer({ config: { instances: { port_range: [31100, 31199] } } });
  const main = await startTestServer({
    config: {
      instances: { port_range: [31200, 31299] },
      nodes: {
        worker: { address: worker.url, api_key: TEST_MGMT_KEY },
        hung: { address: `http://127.0.0.1:${hungPort}`, api_key: TEST_MGMT_KEY },
      },
    },
  });
  for (let i = 0; i < REMOTE; i++) {
    const res = await main.api(`/api/v1/instances/remote-${i}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        nodes: ['worker'],
      }),
    });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
  }
  summary(`node up: ${REMOTE} remote instances`, await timeListings(main));

  // Move half of the records to the hung node, as if they had been created there.
  main.services.db
    .prepare(
      "UPDATE instances SET options_json = replace(options_json, '\"worker\"', '\"hung\"') WHERE name LIKE 'remote-1%'",
    )
    .run();
  await main.close({ keepData: true });
  const main2 = await startTestServer({
    dataDir: main.dataDir,
    config: {
      instances: { port_range: [31200, 31299] },
      nodes: {
        worker: { address: worker.url, api_key: TEST_MGMT_KEY },
        hung: { address: `http://127.0.0.1:${hungPort}`, api_key: TEST_MGMT_KEY },
      },
    },
  });
  summary('one node up, one node hung (2 s node timeout)', await timeListings(main2));

  await worker.close();
  summary('one node stopped, one node hung', await timeListings(main2));
  const t0 = performance.now();
  const nodes = await main2.api('/api/v1/nodes');
  await nodes.arrayBuffer();
  console.log(`GET /api/v1/nodes with both nodes down: ${(performance.now() - t0).toFixed(1)} ms`);

  await main2.close();
  rmSync(main.dataDir, { recursive: true, force: true });
  for (const s of sockets) s.destroy();
  hung.close();
  console.log(
    "(llamactl: one sequential GET per remote instance with a 30 s timeout each: 11 x 30 s = 330 s per listing for the hung node's 11 instances)",
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
