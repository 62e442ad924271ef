import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { loadConfig } from '../config/load-config';
import { EventBus } from '../events/bus';
import { silentLogger } from '../logger';
import { openDatabase } from '../store/database';
import { NodeClient, parseNodeAddress } from './node-client';
import { NodeService } from './node-service';
import { dropQueryParams } from './query';

function service(): NodeService {
  const config = loadConfig({
    env: {},
    files: false,
    overrides: {
      data_dir: '/tmp/unused',
      nodes: {
        gpu: { address: 'http://10.0.0.2:8080', api_key: 'k' },
        cpu: { address: 'http://10.0.0.3:8080' },
      },
    },
  });
  return new NodeService({
    config,
    db: openDatabase(':memory:'),
    events: new EventBus(),
    log: silentLogger,
    localExists: () => false,
  });
}

describe('placement of a new instance', () => {
  const s = service();
  it.each([
    [undefined, undefined],
    [[], undefined],
    [['main'], undefined],
    [['gpu'], 'gpu'],
    [['gpu', 'gpu'], 'gpu'],
  ])('nodes %j -> %s', (nodes, expected) => {
    expect(s.placement({ backend_type: 'llama_cpp', nodes })).toBe(expected);
  });

  it('refuses more than one node, naming them, instead of picking one at random', () => {
    expect(() => s.placement({ nodes: ['gpu', 'cpu'] })).toThrow(
      /^nodes: an instance lives on exactly one node \(got gpu, cpu\)/,
    );
    expect(() => s.placement({ nodes: ['main', 'gpu'] })).toThrow(AppError);
  });

  it('refuses unknown nodes and values that are not lists of names', () => {
    expect(() => s.placement({ nodes: ['nope'] })).toThrow(
      'nodes: unknown node "nope" (configured: cpu, gpu, main)',
    );
    expect(() => s.placement({ nodes: 'gpu' })).toThrow('nodes: must be an array of node names');
    expect(() => s.placement({ nodes: [1] })).toThrow('nodes: must be an array of node names');
  });
});

describe('node addresses', () => {
  it('splits origin and base path', () => {
    expect(parseNodeAddress('n', 'http://10.0.0.2:8080')).toEqual({
      origin: 'http://10.0.0.2:8080',
      basePath: '',
    });
    expect(parseNodeAddress('n', 'https://gpu.lan/llamactl/')).toEqual({
      origin: 'https://gpu.lan',
      basePath: '/llamactl',
    });
  });

  it('refuses addresses that are not http(s) URLs, naming the node', () => {
    expect(() => parseNodeAddress('gpu', '10.0.0.2:8080')).toThrow(/^node gpu: address/);
    expect(() => parseNodeAddress('gpu', 'ftp://x')).toThrow(
      'node gpu: address must start with http:// or https://',
    );
  });
});

describe("a node's error replies", () => {
  const client = new NodeClient({ name: 'gpu', address: 'http://127.0.0.1:9', timeoutMs: 100 });
  const reply = (status: number, body: unknown) => ({
    status,
    contentType: 'application/json',
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });

  it("keep the node's code and status when we know them, with the node named", () => {
    const e = client.remoteError(
      reply(404, { error: 'instance_not_found', details: 'instance with name x not found' }),
    );
    expect(e.code).toBe('instance_not_found');
    expect(e.status).toBe(404);
    expect(e.details).toBe('node gpu: instance with name x not found');
  });

  it('turn a refused key into a 502 that says which setting to fix', () => {
    const e = client.remoteError(reply(401, { error: 'unauthorized', details: 'Invalid API key' }));
    expect(e.status).toBe(502);
    expect(e.details).toContain('nodes.gpu.api_key');
  });

  it('turn unknown codes and non-JSON bodies into node_error with the text', () => {
    expect(client.remoteError(reply(500, 'boom')).details).toBe('node gpu answered 500: boom');
    expect(client.remoteError(reply(418, { error: 'teapot' })).code).toBe('node_error');
  });

  it('report a node that does not answer as unreachable, naming it and its address', async () => {
    const err = await client.json('GET', '/api/v1/instances').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('node_unreachable');
    expect((err as AppError).details).toMatch(
      /^node gpu \(http:\/\/127\.0\.0\.1:9\) is unreachable: /,
    );
    await client.close();
  });
});

describe('forwarded requests', () => {
  it.each([
    ['/api/v1/models?node=gpu', '/api/v1/models'],
    ['/api/v1/models?repo=a/b&node=gpu&tag=Q4', '/api/v1/models?repo=a/b&tag=Q4'],
    ['/v1/models?api_key=secret', '/v1/models'],
    ['/x?nodes=1&node%5F=2', '/x?nodes=1&node%5F=2'],
    ['/x?no%de=1', '/x?no%de=1'],
  ])('%s -> %s', (input, output) => {
    expect(dropQueryParams(input, ['node', 'api_key'])).toBe(output);
  });
});
