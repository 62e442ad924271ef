export function findElectronBinary(root: string, env?: NodeJS.ProcessEnv): string | null;
export function displayAvailable(platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv): boolean;
export function headlessReason(
  root: string,
  platform?: NodeJS.Platform,
  env?: NodeJS.ProcessEnv,
): string | null;
export type SmokeTestPlan = { skip: string } | { display: 'existing' | 'xvfb' };
export function smokeTestPlan(
  root: string,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  hasCommand: (name: string) => boolean,
): SmokeTestPlan;
