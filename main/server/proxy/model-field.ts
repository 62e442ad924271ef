import { AppError } from '../../../shared/errors';

/** `inst/rest` names instance `inst` and upstream model `rest` (split at the first slash). */
export function splitModel(model: string): { instance: string; upstream: string | null } {
  const slash = model.indexOf('/');
  if (slash < 0) return { instance: model, upstream: null };
  return { instance: model.slice(0, slash), upstream: model.slice(slash + 1) };
}

/**
 * The model the backend should see (llamactl §6.3 step 8): `inst/rest` -> `rest`; a bare
 * instance name -> the backend's configured model when it has one, else the name unchanged.
 */
export function upstreamModel(requested: string, backendModel: string | undefined): string {
  const { upstream } = splitModel(requested);
  if (upstream !== null) return upstream;
  return backendModel ? backendModel : requested;
}

/**
 * Reads the `model` field of a JSON request body; bad bodies get llamactl's 400s. The common
 * case costs one scan of the top level (strings are skipped with indexOf), not a full parse;
 * anything unusual falls back to JSON.parse for a precise answer. A body whose nested values
 * are malformed JSON is forwarded and the backend rejects it.
 */
export function readModel(body: Buffer): string {
  return locateModel(body).model;
}

/** The `model` of a JSON request body and where its value sits (for replaceModel). */
export function locateModel(body: Buffer): {
  model: string;
  span: { start: number; end: number } | null;
} {
  const span = findModelSpan(body);
  if (span && body[span.start] === QUOTE) {
    // A string without escapes or control characters is its own UTF-8 bytes between the quotes.
    const plain = plainStringValue(body, span.start, span.end);
    if (plain) return { model: plain, span };
    try {
      const model = JSON.parse(body.toString('utf8', span.start, span.end)) as unknown;
      if (typeof model === 'string' && model.length > 0) return { model, span };
    } catch {
      // fall through to the full parse for the error
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('invalid_request', 'Invalid request body: not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('invalid_request', 'Invalid request body: must be a JSON object');
  }
  const model = (parsed as { model?: unknown }).model;
  if (typeof model !== 'string' || model.length === 0) {
    throw new AppError(
      'invalid_request',
      'Model name is required: `model` must be a non-empty string',
      { param: 'model' },
    );
  }
  return { model, span: null };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The text of the JSON string at [start, end) when it has no escapes or control characters, else ''. */
function plainStringValue(b: Buffer, start: number, end: number): string {
  for (let i = start + 1; i < end - 1; i++) {
    const c = b[i];
    if (c === BACKSLASH || c < 0x20) return '';
  }
  return end - start > 2 ? b.toString('utf8', start + 1, end - 1) : '';
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(b: Buffer, i: number): number {
  while (i < b.length && isWs(b[i])) i++;
  return i;
}

/** `i` is at an opening quote; returns the index after the closing quote, or -1. */
function endOfString(b: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; k > i && b[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` is at the start of a value; returns the index after it, or -1. */
function endOfValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return endOfString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let j = i;
    while (j < b.length) {
      const d = b[j];
      if (d === QUOTE) {
        j = endOfString(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && !isWs(b[j]) && b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d) j++;
  return j > i ? j : -1;
}

const MODEL_KEY = Buffer.from('"model"');

function isModelKey(b: Buffer, start: number, end: number): boolean {
  if (
    end - start === MODEL_KEY.length &&
    b.compare(MODEL_KEY, 0, MODEL_KEY.length, start, end) === 0
  )
    return true;
  // An escaped spelling such as "mod\u0065l" is the same key to JSON.parse.
  const bs = b.indexOf(BACKSLASH, start);
  if (bs < 0 || bs >= end) return false;
  try {
    return JSON.parse(b.toString('utf8', start, end)) === 'model';
  } catch {
    return false;
  }
}

/**
 * Byte span of the value of the top-level `model` key in a JSON object (the last one, as
 * JSON.parse keeps the last duplicate), or null when the text is not a JSON object or has none.
 */
export function findModelSpan(b: Buffer): { start: number; end: number } | null {
  let i = skipWs(b, 0);
  if (b[i] !== 0x7b) return null;
  i = skipWs(b, i + 1);
  let found: { start: number; end: number } | null = null;
  if (b[i] === 0x7d) return null;
  while (i < b.length) {
    if (b[i] !== QUOTE) return null;
    const keyEnd = endOfString(b, i);
    if (keyEnd < 0) return null;
    const keyStart = i;
    i = skipWs(b, keyEnd);
    if (b[i] !== 0x3a) return null;
    i = skipWs(b, i + 1);
    const valEnd = endOfValue(b, i);
    if (valEnd < 0) return null;
    if (isModelKey(b, keyStart, keyEnd)) found = { start: i, end: valEnd };
    i = skipWs(b, valEnd);
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] === 0x7d) return found;
    return null;
  }
  return null;
}

/**
 * The body with its `model` replaced. Only the model's bytes change, so key order, whitespace
 * and integers beyond 2^53 reach the backend exactly as the client sent them (llamactl
 * re-serialises the whole object, §12 item 27).
 */
export function replaceModel(
  body: Buffer,
  model: string,
  knownSpan?: { start: number; end: number } | null,
): Buffer {
  const span = knownSpan ?? findModelSpan(body);
  if (!span) {
    // Unreachable for bodies readModel accepted; kept so a scanner gap degrades to llamactl's way.
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return Buffer.from(JSON.stringify({ ...parsed, model }));
  }
  const value = encodedModel(model);
  const out = Buffer.allocUnsafe(body.length - (span.end - span.start) + value.length);
  body.copy(out, 0, 0, span.start);
  value.copy(out, span.start);
  body.copy(out, span.start + value.length, span.end);
  return out;
}

/** JSON encodings of the upstream model names in use (a handful per server), memoised. */
const encoded = new Map<string, Buffer>();
const ENCODED_MAX = 256;

function encodedModel(model: string): Buffer {
  let value = encoded.get(model);
  if (!value) {
    value = Buffer.from(JSON.stringify(model));
    if (encoded.size >= ENCODED_MAX) encoded.clear();
    encoded.set(model, value);
  }
  return value;
}
