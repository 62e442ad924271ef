import { bootstrapDesktop, type BootstrapDeps, type ShowRequests } from './bootstrap';
import { app, dialog, FakeEvent, resetFakeElectron } from './testing/fake-electron';

beforeEach(() => resetFakeElectron());

function deps(load: BootstrapDeps['load'], env: NodeJS.ProcessEnv = {}) {
  const stderr: string[] = [];
  const d: BootstrapDeps = {
    app: app as unknown as BootstrapDeps['app'],
    dialog: dialog as unknown as BootstrapDeps['dialog'],
    env,
    load,
    stderr: (t) => void stderr.push(t),
  };
  return { d, stderr };
}

describe('bootstrapDesktop', () => {
  it('sets the profile and log folders and takes the lock before it loads the app', async () => {
    const seen: string[] = [];
    const { d } = deps(
      async () => {
        seen.push(`load: userData=${app.getPath('userData')} logs set=${app.logsPathSet}`);
        return { runDesktop: async () => void seen.push('run') };
      },
      { LLAMACTL_DESKTOP_USER_DATA: '/tmp/profile' },
    );
    await expect(bootstrapDesktop(d)).resolves.toBe('running');
    expect(seen).toEqual(['load: userData=/tmp/profile logs set=1', 'run']);
  });

  it('leaves at once, without loading the app, when another instance holds the lock', async () => {
    app.hasLock = false;
    const load = vi.fn();
    const { d } = deps(load);
    await expect(bootstrapDesktop(d)).resolves.toBe('second-instance');
    expect(load).not.toHaveBeenCalled();
    expect(app.quitCalls).toBe(1);
  });

  it('keeps a second launch or Dock click that comes while the app loads, and hands it over', async () => {
    let early: ShowRequests | null = null;
    let finishLoad!: () => void;
    const loaded = new Promise<void>((r) => (finishLoad = r));
    const { d } = deps(async () => {
      await loaded;
      return { runDesktop: async (e) => void (early = e) };
    });
    const done = bootstrapDesktop(d);
    app.emit('second-instance', new FakeEvent(), ['llamactl'], '/');
    finishLoad();
    await done;
    const shows: string[] = [];
    early!.subscribe(() => shows.push('show'));
    expect(shows).toEqual(['show']);
    app.emit('activate', new FakeEvent(), false);
    expect(shows).toEqual(['show', 'show']);
  });

  it("shows the error and exits 1 when the app's code cannot be loaded", async () => {
    const { d, stderr } = deps(async () => {
      throw new Error("Cannot find package 'libsql'");
    });
    await expect(bootstrapDesktop(d)).resolves.toBe('failed');
    expect(dialog.errorBoxes[0][0]).toBe('Llamactl failed to start');
    expect(dialog.errorBoxes[0][1]).toContain("Cannot find package 'libsql'");
    expect(stderr.join('')).toContain("fatal: Error: Cannot find package 'libsql'");
    expect(app.exitCodes).toEqual([1]);
  });

  it('does the same when the app fails while starting', async () => {
    const { d } = deps(async () => ({
      runDesktop: async () => {
        throw new Error('boom');
      },
    }));
    await expect(bootstrapDesktop(d)).resolves.toBe('failed');
    expect(dialog.errorBoxes[0][1]).toContain('boom');
    expect(app.exitCodes).toEqual([1]);
  });
});
