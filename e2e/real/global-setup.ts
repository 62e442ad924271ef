// Global setup of the `real` Vitest project: builds or reuses the real llama-server (or takes
// LLAMA_SERVER) once per run and hands its path to the tests through `inject('llamaServer')`.
import type { TestProject } from 'vitest/node';
import { ensureLlamaServer } from '../fixtures/llama-server-builder.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    llamaServer: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const server = await ensureLlamaServer();
  process.stderr.write(
    `[real] llama-server: ${server.path} (${server.source}, ${server.seconds} s)\n`,
  );
  project.provide('llamaServer', server.path);
}
