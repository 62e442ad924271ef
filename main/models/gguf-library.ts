import { createRequire } from 'node:module';
import type * as GgufLibrary from '@huggingface/gguf';

let library: typeof GgufLibrary | undefined;

/**
 * @huggingface/gguf, loaded on first use rather than at start-up (it is only needed to read
 * model files and plan downloads). Its CommonJS build is required synchronously, so the pure
 * helpers (quant labels, shard names) stay synchronous for their callers.
 */
export function ggufLibrary(): typeof GgufLibrary {
  return (library ??= createRequire(import.meta.url)('@huggingface/gguf') as typeof GgufLibrary);
}
