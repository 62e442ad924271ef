import { lazy, Suspense } from 'react';
import { Icon, type IconName } from '../components/icon';
import { Logo } from '../components/logo';
import { Segmented } from '../components/segmented';
import { Spinner } from '../components/spinner';
import { GuideBanner } from '../features/guide/components/guide-banner';
import { InstancesPage } from '../features/instances/components/instances-page';
import { useServerVersion } from '../features/system/queries';
import { useAuthStore } from '../lib/auth-store';
import { desktop } from '../lib/desktop';
import { routeHref, useRoute, useRouteParam, type Route } from '../lib/router';
import { useServerEvents, useLiveState } from '../lib/server-events';
import { useServerReachable } from '../lib/connection';
import { ConnectionBanner, useConnectionMonitor } from './connection-banner';
import { useSetTheme, useTheme, type ThemeChoice } from '../lib/theme';

// the instances page is the landing page; the others load on first visit
const ModelsPage = lazy(() =>
  import('../features/models/components/models-page').then((m) => ({ default: m.ModelsPage })),
);
const KeysPage = lazy(() =>
  import('../features/keys/components/keys-page').then((m) => ({ default: m.KeysPage })),
);
const InstancePage = lazy(() =>
  import('../features/instances/components/instance-page').then((m) => ({
    default: m.InstancePage,
  })),
);
const ChatPage = lazy(() =>
  import('../features/chat/components/chat-page').then((m) => ({ default: m.ChatPage })),
);
const RuntimesPage = lazy(() =>
  import('../features/runtimes/components/runtimes-page').then((m) => ({
    default: m.RuntimesPage,
  })),
);
const SettingsPage = lazy(() =>
  import('../features/settings/components/settings-page').then((m) => ({
    default: m.SettingsPage,
  })),
);
const FirstRunGuide = lazy(() =>
  import('../features/guide/components/first-run-guide').then((m) => ({
    default: m.FirstRunGuide,
  })),
);
const ActivityPage = lazy(() =>
  import('../features/activity/components/activity-page').then((m) => ({
    default: m.ActivityPage,
  })),
);
const SystemPage = lazy(() =>
  import('../features/system/components/system-page').then((m) => ({ default: m.SystemPage })),
);

const NAV: { route: Route; label: string; icon: IconName }[] = [
  { route: 'instances', label: 'Instances', icon: 'server' },
  { route: 'chat', label: 'Chat', icon: 'chat' },
  { route: 'models', label: 'Models', icon: 'box' },
  { route: 'runtimes', label: 'Runtimes', icon: 'layers' },
  { route: 'activity', label: 'Activity', icon: 'activity' },
  { route: 'keys', label: 'API keys', icon: 'key' },
  { route: 'settings', label: 'Settings', icon: 'settings' },
  { route: 'system', label: 'System', icon: 'cpu' },
];

export function Shell() {
  useServerEvents();
  useConnectionMonitor();
  const route = useRoute();
  const param = useRouteParam();
  return (
    <div className="shell">
      <aside className="sidebar">
        <a className="brand" href={routeHref('instances')}>
          <Logo />
          <span>Llamactl</span>
        </a>
        <nav aria-label="Main">
          <ul className="nav-list">
            {NAV.map((n) => (
              <li key={n.route}>
                <a
                  href={routeHref(n.route)}
                  className={`nav-link${route === n.route ? ' active' : ''}`}
                  aria-current={route === n.route ? 'page' : undefined}
                  // the label is hidden on phones, where the link is its icon
                  aria-label={n.label}
                  title={n.label}
                >
                  <Icon name={n.icon} size={18} />
                  <span>{n.label}</span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <LiveIndicator />
          <ThemeSwitch />
          <VersionLine />
          {!desktop() && (
            <button
              type="button"
              className="btn btn-ghost btn-sm sidebar-signout"
              aria-label="Sign out"
              onClick={() => useAuthStore.getState().signOut()}
            >
              <Icon name="logout" size={16} />
              <span>Sign out</span>
            </button>
          )}
        </div>
      </aside>
      <main className="content" id="main">
        <ConnectionBanner />
        <Suspense
          fallback={
            <div className="page-loading">
              <Spinner label="Loading…" />
            </div>
          }
        >
          {route === 'instances' && !param && (
            <>
              <GuideBanner />
              <InstancesPage />
            </>
          )}
          {route === 'instances' && param && <InstancePage name={param} />}
          {route === 'chat' && <ChatPage />}
          {route === 'models' && <ModelsPage />}
          {route === 'keys' && <KeysPage />}
          {route === 'runtimes' && <RuntimesPage />}
          {route === 'settings' && <SettingsPage />}
          {route === 'welcome' && <FirstRunGuide />}
          {route === 'system' && <SystemPage />}
          {route === 'activity' && <ActivityPage />}
        </Suspense>
      </main>
    </div>
  );
}

function LiveIndicator() {
  const live = useLiveState();
  const reachable = useServerReachable();
  const state = reachable ? live : 'offline';
  const label =
    state === 'live'
      ? 'Live updates'
      : state === 'connecting'
        ? 'Connecting…'
        : state === 'offline'
          ? 'Server unreachable'
          : 'Reconnecting…';
  return (
    <div
      className={`live live-${state}`}
      role="status"
      title="Status changes arrive from the server as they happen"
    >
      <span className="live-dot" aria-hidden="true" />
      {label}
    </div>
  );
}

function ThemeSwitch() {
  const theme = useTheme();
  const setTheme = useSetTheme();
  const opts: { v: ThemeChoice; icon: IconName; label: string }[] = [
    { v: 'light', icon: 'sun', label: 'Light theme' },
    { v: 'dark', icon: 'moon', label: 'Dark theme' },
    { v: 'system', icon: 'monitor', label: 'System theme' },
  ];
  return (
    <Segmented
      label="Theme"
      value={theme}
      onChange={setTheme}
      options={opts.map((o) => ({
        value: o.v,
        ariaLabel: o.label,
        label: <Icon name={o.icon} size={15} />,
      }))}
    />
  );
}

function VersionLine() {
  const { data } = useServerVersion();
  return <div className="version-line">{data ? `Server ${data.version}` : '\u00a0'}</div>;
}
