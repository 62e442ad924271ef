import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { upstreamPathOf } from './instance-proxy';
import { allowedLlamaCppMethods, classifyLlamaCppPath, modelActionBody } from './llama-cpp';

describe('classifyLlamaCppPath', () => {
  it.each([
    ['GET', '/', 'ui'],
    ['GET', '/index.html', 'ui'],
    ['GET', '/assets/app-1a2b.js', 'ui'],
    ['GET', '/favicon.ico', 'ui'],
    ['GET', '/props', 'private'],
    ['GET', '/slots', 'private'],
    ['GET', '/metrics', 'private'],
    ['GET', '/health', 'private'],
    ['GET', '/v1/models', 'private'],
    ['POST', '/v1/chat/completions', 'private'],
    ['POST', '/completion', 'private'],
    ['POST', '/metrics', 'private'],
    ['POST', '/slots/0', 'private'],
    ['GET', '/completion', 'wrong-method'],
    ['DELETE', '/props', 'wrong-method'],
    ['POST', '/', 'wrong-method'],
    ['GET', '/secret.json', 'unknown'],
    ['GET', '/models/load', 'unknown'],
    ['POST', '/shutdown', 'unknown'],
  ] as const)('%s %s is %s', (method, path, kind) => {
    expect(classifyLlamaCppPath(method, path)).toBe(kind);
  });
});

describe('allowedLlamaCppMethods', () => {
  it.each([
    ['/completion', 'POST'],
    ['/slots/0', 'POST'],
    ['/slots', 'GET, HEAD'],
    ['/health', 'GET, HEAD'],
    ['/', 'GET, HEAD'],
    ['/props', 'GET, HEAD, POST'],
    ['/metrics', 'GET, HEAD, POST'],
    ['/v1/chat/completions', 'GET, HEAD, POST'],
  ])('the Allow header of %s is %s', (path, allow) => {
    expect(allowedLlamaCppMethods(path)).toBe(allow);
  });
});

describe('modelActionBody', () => {
  it('builds {"model"} from the path when the body is empty', () => {
    expect(JSON.parse(modelActionBody(Buffer.alloc(0), 'alpha').toString())).toEqual({
      model: 'alpha',
    });
  });
  it("lets the path's model win over the body's and keeps other fields", () => {
    const body = modelActionBody(Buffer.from('{"model":"beta","extra":1}'), 'alpha');
    expect(JSON.parse(body.toString())).toEqual({ model: 'alpha', extra: 1 });
  });
  it('rejects a body that is not a JSON object', () => {
    expect(() => modelActionBody(Buffer.from('[1]'), 'a')).toThrow(AppError);
    expect(() => modelActionBody(Buffer.from('{'), 'a')).toThrow(/Invalid JSON/);
  });
});

describe('upstreamPathOf', () => {
  it.each([
    ['/api/v1/instances/a/proxy', '/'],
    ['/api/v1/instances/a/proxy/', '/'],
    ['/api/v1/instances/a/proxy?x=1', '/?x=1'],
    ['/api/v1/instances/a/proxy/health', '/health'],
    ['/api/v1/instances/a%2Eb/proxy/v1/models?y=%20', '/v1/models?y=%20'],
  ])('%s -> %s', (url, path) => {
    expect(upstreamPathOf(url)).toBe(path);
  });
});
