import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { findModelSpan, readModel, replaceModel, splitModel, upstreamModel } from './model-field';

const buf = (s: string) => Buffer.from(s, 'utf8');

describe('splitModel', () => {
  it('splits instance/model at the first slash only', () => {
    expect(splitModel('router/org/model-7b')).toEqual({
      instance: 'router',
      upstream: 'org/model-7b',
    });
  });
  it('treats a bare name as the instance', () => {
    expect(splitModel('qwen')).toEqual({ instance: 'qwen', upstream: null });
  });
});

describe('upstreamModel', () => {
  it('forwards the part after the slash for instance/model', () => {
    expect(upstreamModel('router/alpha', '/models/x.gguf')).toBe('alpha');
  });
  it("substitutes the backend's configured model for a bare instance name", () => {
    expect(upstreamModel('qwen', '/models/qwen.gguf')).toBe('/models/qwen.gguf');
  });
  it('keeps the instance name when the backend has no configured model', () => {
    expect(upstreamModel('qwen', undefined)).toBe('qwen');
  });
});

describe('readModel', () => {
  it('returns the model of a JSON object body', () => {
    expect(readModel(buf('{"messages":[],"model":"a/b"}'))).toBe('a/b');
  });
  it('decodes escapes and multi-byte text in the model as JSON.parse does', () => {
    expect(readModel(buf(String.raw`{"model":"caf\u00e9/\\x\"y"}`))).toBe('café/\\x"y');
    expect(readModel(buf('{"model":"café-模型"}'))).toBe('café-模型');
  });
  it('rejects a model holding a raw control character (invalid JSON)', () => {
    expect(() => readModel(buf('{"model":"a\tb"}'))).toThrow(/not valid JSON/);
  });
  it.each([
    ['not JSON', 'model=x', /not valid JSON/],
    ['an array', '[{"model":"x"}]', /must be a JSON object/],
    ['missing model', '{"messages":[]}', /`model` must be a non-empty string/],
    ['empty model', '{"model":""}', /`model` must be a non-empty string/],
    ['numeric model', '{"model":7}', /`model` must be a non-empty string/],
  ])('rejects %s with a 400 naming the rule', (_what, body, message) => {
    let err: unknown;
    try {
      readModel(buf(body));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).details).toMatch(message);
  });
});

describe('findModelSpan', () => {
  it('finds the top-level model, not one nested in messages or tools', () => {
    const text =
      '{"messages":[{"role":"user","content":"x","model":"nested"}],"tools":{"model":"n2"},"model":"top"}';
    const span = findModelSpan(buf(text));
    expect(span && text.slice(span.start, span.end)).toBe('"top"');
  });
  it('skips strings holding quotes, braces and backslashes', () => {
    const text = '{"content":"a \\"}{\\\\", "model" : "m\\"q" , "n":1}';
    const span = findModelSpan(buf(text));
    expect(span && text.slice(span.start, span.end)).toBe('"m\\"q"');
    expect(JSON.parse(text).model).toBe('m"q');
  });
  it('takes the last duplicate key, as JSON.parse does', () => {
    const text = '{"model":"first","model":"second"}';
    const span = findModelSpan(buf(text));
    expect(span && text.slice(span.start, span.end)).toBe('"second"');
  });
  it('recognises an escaped spelling of the key', () => {
    const text = '{"mod\\u0065l":"x"}';
    const span = findModelSpan(buf(text));
    expect(span && text.slice(span.start, span.end)).toBe('"x"');
  });
  it('returns null for non-objects and objects without a model', () => {
    expect(findModelSpan(buf('[1,2]'))).toBeNull();
    expect(findModelSpan(buf('{}'))).toBeNull();
    expect(findModelSpan(buf('{"a":1}'))).toBeNull();
  });
});

describe('replaceModel', () => {
  it('changes only the model bytes: key order, spacing and big integers survive', () => {
    const text =
      '{ "seed": 12345678901234567890,\n  "model": "inst",  "z": [1.50, {"model":"keep"}], "a": "é" }';
    const out = replaceModel(buf(text), '/models/qwen.gguf').toString('utf8');
    expect(out).toBe(
      '{ "seed": 12345678901234567890,\n  "model": "/models/qwen.gguf",  "z": [1.50, {"model":"keep"}], "a": "é" }',
    );
  });
  it('escapes the new model as a JSON string', () => {
    const out = replaceModel(buf('{"model":"x"}'), 'a"b\\c');
    expect(JSON.parse(out.toString('utf8')).model).toBe('a"b\\c');
  });
  it('handles multi-byte text before the model', () => {
    const out = replaceModel(buf('{"p":"日本語","model":"x"}'), 'y');
    expect(out.toString('utf8')).toBe('{"p":"日本語","model":"y"}');
  });
});
