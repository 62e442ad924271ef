declare const __APP_VERSION__: string | undefined;
declare const __APP_COMMIT__: string | undefined;
declare const __APP_BUILD_TIME__: string | undefined;

/** Filled in by the build (scripts/build-main.mjs); 'dev'/'unknown' when run from source. */
export const VERSION = {
  version: typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev',
  commit: typeof __APP_COMMIT__ === 'string' ? __APP_COMMIT__ : 'unknown',
  buildTime: typeof __APP_BUILD_TIME__ === 'string' ? __APP_BUILD_TIME__ : 'unknown',
};
