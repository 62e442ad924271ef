import { AuthService } from './auth/auth-service';
import type { AppConfig } from './config/schema';
import { EventBus } from './events/bus';
import { InstanceManager, type ManagerTuning } from './instances/manager';
import type { MemorySource } from './instances/memory';
import { createLogger, type Logger } from './logger';
import { ModelService, type ModelServiceDeps } from './models/model-service';
import { InstanceDirectory } from './nodes/instance-directory';
import { NodeService } from './nodes/node-service';
import { StartBackoff } from './instances/start-backoff';
import { Observability } from './observability/observability';
import { RuntimeService, type RuntimeServiceDeps } from './runtimes/runtime-service';
import { HfTokenStore, type SecretProtector } from './settings/hf-token';
import { SettingsService } from './settings/settings-service';
import { closeDatabase, openDatabase, type Db } from './store/database';
import { makePrivateDir, tightenTree } from './store/private-files';

/**
 * The composition root: every domain service, built once from the config. Express routes,
 * the Electron shell and tests get this object; services never import Express or Electron.
 */
export interface Services {
  config: AppConfig;
  log: Logger;
  db: Db;
  events: EventBus;
  auth: AuthService;
  instances: InstanceManager;
  models: ModelService;
  /** remote nodes: status, remote instances, forwarding */
  nodes: NodeService;
  /** local and remote instances behind one API (instance routes, routing) */
  directory: InstanceDirectory;
  /** resources per instance, Prometheus metrics, machine resources */
  observability: Observability;
  /** failed on-demand starts answered again for a short window (the proxy's) */
  startBackoff: StartBackoff;
  /** dashboard settings applied over the config file */
  settings: SettingsService;
  /** llama.cpp builds: detection, installs, the default */
  runtimes: RuntimeService;
  /** the Hugging Face token (Settings, downloads) */
  hfToken: HfTokenStore;
}

export interface CreateServicesOptions {
  log?: Logger;
  /** supervision timings (health poll periods, stop grace); benchmarks and tests only */
  instanceTuning?: Partial<ManagerTuning>;
  /** the free-space probe of downloads; tests only */
  freeBytes?: ModelServiceDeps['freeBytes'];
  /** runtime detection seams (hardware, well-known folders); tests only */
  runtimes?: Pick<RuntimeServiceDeps, 'hardware' | 'wellKnownDirs' | 'home'>;
  /** the desktop app's OS keychain for the Hugging Face token; the headless server has none */
  secretProtector?: SecretProtector;
  /** free system and GPU memory for the memory check of starts; tests only (default: the machine) */
  memory?: MemorySource;
}

export async function createServices(
  config: AppConfig,
  opts: CreateServicesOptions = {},
): Promise<Services> {
  const log = opts.log ?? createLogger();
  const privateDirs = [config.data_dir, config.instances.logs_dir, config.instances.instances_dir];
  if (config.instances.auto_create_dirs) for (const dir of privateDirs) makePrivateDir(dir);
  let tightened = 0;
  for (const dir of privateDirs) tightened += tightenTree(dir, log);
  // database.path may lie outside data_dir; before opening, because SQLite creates the -wal
  // and -shm files with the database file's mode.
  for (const suffix of ['', '-wal', '-shm']) tightenTree(config.database.path + suffix, log);
  const db = openDatabase(config.database.path);
  // said only once the database opened: a start-up failure stays one line on stderr
  if (tightened > 0) log.info('made data files private (0600, folders 0700)', { count: tightened });
  const events = new EventBus();
  // Before anything reads the backend commands: settings change the live config in place.
  const settings = new SettingsService(config, log.child('settings'));
  let auth: AuthService;
  try {
    auth = new AuthService(config, db, log.child('auth'));
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
  const instances = new InstanceManager(
    config,
    db,
    events,
    log.child('instances'),
    opts.instanceTuning,
    opts.memory,
  );
  try {
    await instances.init();
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
  const hfToken = new HfTokenStore(process.env, {
    dataDir: config.data_dir,
    protector: opts.secretProtector,
    log: log.child('hf-token'),
  });
  const models = new ModelService({
    config,
    db,
    events,
    log,
    freeBytes: opts.freeBytes,
    hubToken: () => hfToken.token(),
  });
  await models.init();
  const nodes = new NodeService({
    config,
    db,
    events,
    log: log.child('nodes'),
    localExists: (name) => instances.find(name) !== undefined,
  });
  nodes.init();
  const directory = new InstanceDirectory(instances, nodes);
  const startBackoff = new StartBackoff(() => config.instances.failed_start_backoff, events);
  const observability = new Observability({
    config,
    events,
    log,
    localInstances: () => instances.list(),
  });
  const runtimes = new RuntimeService({ config, settings, events, log, ...opts.runtimes });
  await runtimes.init();
  return {
    config,
    log,
    db,
    events,
    auth,
    instances,
    models,
    nodes,
    directory,
    observability,
    settings,
    runtimes,
    startBackoff,
    hfToken,
  };
}

/** Stops everything in reverse order of creation; safe to call twice. */
export async function closeServices(s: Services): Promise<void> {
  // Bounded: SIGTERM to every backend group, SIGKILL at the deadline, then wait for the exits.
  s.observability.close();
  await s.instances.shutdown(15_000);
  await s.instances.close();
  // Running downloads stop but stay 'downloading' in the database, so the next start resumes them.
  await s.models.close();
  await s.runtimes.close();
  await s.nodes.close();
  closeDatabase(s.db);
}
