import { useState } from 'react';
// types only: the module's zod schema would be built in the page, and zod's eval probe trips
// the dashboard's Content-Security-Policy
import type { Settings, SettingsBackend, SettingsResponse } from '../../../../shared/api/settings';
import { ErrorCallout } from '../../../components/error-callout';
import { Field } from '../../../components/field';
import { PageHeader } from '../../../components/page-header';
import { Spinner } from '../../../components/spinner';
import { toast } from '../../../components/toasts';
import { routeHref } from '../../../lib/router';
import { SourceTag } from '../../runtimes/components/runtimes-page';
import { useRuntimes, useSetDefaultRuntime } from '../../runtimes/queries';
import { useSaveSettings, useSettings } from '../queries';
import { HfTokenForm } from './hf-token-form';
import '../../../styles/setup.css';

const BACKEND_LABELS: Record<SettingsBackend, string> = {
  'llama-cpp': 'llama.cpp',
  vllm: 'vLLM',
  mlx: 'MLX',
};
const SETTINGS_BACKENDS = Object.keys(BACKEND_LABELS) as SettingsBackend[];

export function SettingsPage() {
  const settings = useSettings();
  return (
    <div className="page">
      <PageHeader
        title="Settings"
        subtitle="Kept in the data folder and applied over the config file; the next start of an instance uses them, no restart needed. An environment variable still wins."
      />
      {settings.error && <ErrorCallout>{settings.error.message}</ErrorCallout>}
      {settings.isPending && <Spinner label="Loading settings…" />}
      {settings.data && (
        <>
          <DefaultRuntimeCard />
          <section className="card" aria-label="Backends">
            <div className="card-head">
              <h2>Backend commands</h2>
            </div>
            <div className="card-pad stack">
              {SETTINGS_BACKENDS.map((b) => (
                <BackendForm key={b} backend={b} data={settings.data} />
              ))}
            </div>
          </section>
          <section className="card" aria-label="Hugging Face token">
            <div className="card-head">
              <h2>Hugging Face token</h2>
            </div>
            <div className="card-pad">
              <HfTokenForm />
            </div>
          </section>
          <FoldersCard data={settings.data} />
          <p className="small muted">
            Stored in <code>{settings.data.file}</code>.
          </p>
        </>
      )}
    </div>
  );
}

function DefaultRuntimeCard() {
  const runtimes = useRuntimes();
  const setDefault = useSetDefaultRuntime();
  const data = runtimes.data;
  return (
    <section className="card" aria-label="Default runtime">
      <div className="card-head">
        <h2>Default llama.cpp runtime</h2>
        <a className="btn btn-ghost btn-sm" href={routeHref('runtimes')}>
          Manage runtimes
        </a>
      </div>
      <div className="card-pad stack">
        {runtimes.isPending && <Spinner label="Looking for llama-server…" />}
        {data && (
          <>
            <Field
              label="Runtime"
              help="New llama.cpp instances start with it (an instance's own command override wins)."
            >
              {(p) => (
                <select
                  {...p}
                  className="select"
                  value={data.runtimes.find((r) => r.default)?.path ?? ''}
                  disabled={setDefault.isPending || data.default.source === 'environment'}
                  onChange={(e) =>
                    setDefault.mutate(e.target.value, {
                      onSuccess: () => toast.success('Default runtime changed', e.target.value),
                      onError: (err) => toast.error('Could not change the default', err),
                    })
                  }
                >
                  {!data.runtimes.some((r) => r.default) && (
                    <option value="">{data.default.command} (not found)</option>
                  )}
                  {data.runtimes
                    .filter((r) => !r.error)
                    .map((r) => (
                      <option key={r.path} value={r.path}>
                        {r.tag ? `${r.tag} ${r.variant ?? ''} · ` : r.build ? `${r.build} · ` : ''}
                        {r.path}
                      </option>
                    ))}
                </select>
              )}
            </Field>
            <p className="effective">
              In effect: <code>{data.default.command}</code>{' '}
              <SourceTag source={data.default.source} />
            </p>
          </>
        )}
      </div>
    </section>
  );
}

function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function BackendForm({ backend, data }: { backend: SettingsBackend; data: SettingsResponse }) {
  const stored = data.settings.backends?.[backend];
  const eff = data.effective.backends[backend];
  const [command, setCommand] = useState(stored?.command ?? '');
  const [args, setArgs] = useState((stored?.args ?? []).join('\n'));
  const save = useSaveSettings();
  const label = BACKEND_LABELS[backend];
  const submit = (next: { command?: string; args?: string[] } | undefined) => {
    const all: Settings = structuredClone(data.settings);
    all.backends = { ...all.backends, [backend]: next };
    save.mutate(all, {
      onSuccess: (r) => {
        const s = r.settings.backends?.[backend];
        setCommand(s?.command ?? '');
        setArgs((s?.args ?? []).join('\n'));
        toast.success(`${label} settings saved`, 'The next start of each instance uses them.');
      },
      onError: (err) => toast.error(`Could not save the ${label} settings`, err),
    });
  };
  return (
    <form
      className="settings-section form-section"
      aria-label={`${label} backend`}
      onSubmit={(e) => {
        e.preventDefault();
        const a = linesOf(args);
        submit({
          command: command.trim() || undefined,
          args: a.length > 0 || stored?.args ? a : undefined,
        });
      }}
    >
      <h3 className="section-title">{label}</h3>
      <div className="form-grid">
        <Field
          label={`${label} command`}
          help="A name on PATH or a full path. Empty: the config file's value."
        >
          {(p) => (
            <input
              {...p}
              className="input mono"
              value={command}
              placeholder={eff.command.value}
              onChange={(e) => setCommand(e.target.value)}
            />
          )}
        </Field>
        <Field label={`${label} arguments`} help="Added to every start; one argument per line.">
          {(p) => (
            <textarea
              {...p}
              className="input mono"
              rows={2}
              value={args}
              onChange={(e) => setArgs(e.target.value)}
            />
          )}
        </Field>
      </div>
      <div className="effective" data-testid={`effective-${backend}`}>
        In effect: <code>{eff.command.value}</code> <SourceTag source={eff.command.source} />
        {eff.args.value.length > 0 && (
          <>
            {' '}
            arguments <code>{eff.args.value.join(' ')}</code> <SourceTag source={eff.args.source} />
          </>
        )}
      </div>
      {eff.command.source === 'environment' && (
        <p className="small muted">
          An environment variable sets this command; it wins over a value saved here.
        </p>
      )}
      <div className="guide-actions">
        <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending}>
          Save {label}
        </button>
        {stored && (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            disabled={save.isPending}
            onClick={() => submit(undefined)}
          >
            Reset to config
          </button>
        )}
      </div>
    </form>
  );
}

function FoldersCard({ data }: { data: SettingsResponse }) {
  const stored = data.settings.models?.folders;
  const [text, setText] = useState((stored ?? []).join('\n'));
  const save = useSaveSettings();
  const eff = data.effective.models;
  return (
    <section className="card" aria-label="Models folders">
      <div className="card-head">
        <h2>Models folders</h2>
      </div>
      <form
        className="card-pad stack"
        onSubmit={(e) => {
          e.preventDefault();
          const folders = linesOf(text);
          const all: Settings = structuredClone(data.settings);
          all.models = folders.length > 0 ? { folders } : undefined;
          save.mutate(all, {
            onSuccess: () => toast.success('Models folders saved'),
            onError: (err) => toast.error('Could not save the folders', err),
          });
        }}
      >
        <Field
          label="Folders"
          help="Scanned for GGUF files (Models → Local files); one per line, ~ for your home folder. Empty: the Hugging Face cache and ~/models."
        >
          {(p) => (
            <textarea
              {...p}
              className="input mono"
              rows={3}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          )}
        </Field>
        <div className="effective">
          Scanned: <code>{eff.scanned.join(', ')}</code> <SourceTag source={eff.folders.source} />
        </div>
        <div>
          <button type="submit" className="btn btn-primary btn-sm" disabled={save.isPending}>
            Save folders
          </button>
        </div>
      </form>
    </section>
  );
}
