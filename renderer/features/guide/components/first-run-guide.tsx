import { useState, type ReactNode } from 'react';
import type { DownloadJob } from '../../../../shared/api/models';
import { Badge } from '../../../components/badge';
import { FitBadge } from '../../../components/fit-badge';
import { CopyButton } from '../../../components/copy-button';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { ProgressBar } from '../../../components/progress-bar';
import { Spinner } from '../../../components/spinner';
import { serverBase } from '../../../lib/api-client';
import { formatBytes } from '../../../lib/format';
import { chatHref, instanceHref, navigate, routeHref } from '../../../lib/router';
import { useInstanceAction, useSaveInstance } from '../../instances/mutations';
import { useInstances } from '../../instances/queries';
import { useInstancesUi } from '../../instances/ui-store';
import { useStartDownload } from '../../models/mutations';
import { useDownloadJobs, useLocalModels, useStarterModels } from '../../models/queries';
import { RuntimeJobRow } from '../../runtimes/components/runtime-job-row';
import { VARIANT_LABELS } from '../../runtimes/components/runtimes-page';
import { useInstallRuntime, useRuntimeJobs, useRuntimes } from '../../runtimes/queries';
import { guideInstance, starterFile, type GuideModel } from '../defaults';
import '../../../styles/setup.css';

type StepState = 'done' | 'current' | 'todo';

/**
 * From nothing to a running model: runtime, model, instance, chat. Each step shows what is
 * already there and can be skipped; the guide is a page of its own and never blocks the others.
 */
export function FirstRunGuide() {
  const [step, setStep] = useState(0);
  const [choice, setChoice] = useState<Choice | null>(null);
  const model = usePickedModel(choice);
  const [created, setCreated] = useState<string | null>(null);
  const runtimes = useRuntimes();
  const runtimeReady = !!runtimes.data?.default.path;
  const state = (i: number): StepState => (i < step ? 'done' : i === step ? 'current' : 'todo');
  const next = (i: number) => setStep((s) => Math.max(s, i + 1));
  return (
    <div className="page">
      <PageHeader
        title="Get started"
        subtitle="Four steps from a llama.cpp runtime to a running model. Skip any of them; everything here is also on the normal pages."
        actions={
          <a className="btn btn-secondary" href={routeHref('instances')}>
            Close the guide
          </a>
        }
      />
      <section className="card guide" aria-label="Setup guide">
        <ol className="guide-steps">
          <Step
            n={1}
            title="A llama.cpp runtime"
            state={state(0)}
            onSkip={step === 0 ? () => next(0) : undefined}
          >
            <RuntimeStep ready={runtimeReady} onNext={() => next(0)} active={step === 0} />
          </Step>
          <Step
            n={2}
            title="A model"
            state={state(1)}
            onSkip={step === 1 ? () => next(1) : undefined}
          >
            {step >= 1 && (
              <ModelStep
                choice={choice}
                picked={model}
                onChoose={setChoice}
                onNext={() => next(1)}
                active={step === 1}
              />
            )}
          </Step>
          <Step
            n={3}
            title="Create and start an instance"
            state={state(2)}
            onSkip={step === 2 ? () => next(2) : undefined}
          >
            {step >= 2 && (
              <CreateStep
                model={model}
                created={created}
                onCreated={(name) => {
                  setCreated(name);
                  next(2);
                }}
              />
            )}
          </Step>
          <Step n={4} title="Use it" state={state(3)}>
            {step >= 3 && <UseStep name={created} />}
          </Step>
        </ol>
      </section>
    </div>
  );
}

function Step({
  n,
  title,
  state,
  onSkip,
  children,
}: {
  n: number;
  title: string;
  state: StepState;
  onSkip?: () => void;
  children: ReactNode;
}) {
  return (
    <li
      className={`guide-step ${state}`}
      aria-current={state === 'current' ? 'step' : undefined}
      aria-label={`Step ${n}: ${title}`}
    >
      <span className="guide-step-num" aria-hidden="true">
        {state === 'done' ? <Icon name="check" size={14} /> : n}
      </span>
      <div className="guide-step-body">
        <div className="section-head">
          <h3>{title}</h3>
          {onSkip && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={onSkip}>
              Skip
            </button>
          )}
        </div>
        {children}
      </div>
    </li>
  );
}

function RuntimeStep({
  ready,
  active,
  onNext,
}: {
  ready: boolean;
  active: boolean;
  onNext(): void;
}) {
  const runtimes = useRuntimes();
  const install = useInstallRuntime();
  const jobs = useRuntimeJobs();
  const job = jobs.find((j) => j.status === 'queued' || j.status === 'downloading') ?? jobs[0];
  const data = runtimes.data;
  if (runtimes.isPending) return <Spinner label="Looking for llama-server…" />;
  if (!data) return <p className="text-danger">{runtimes.error?.message}</p>;
  const def = data.runtimes.find((r) => r.default);
  return (
    <>
      {ready ? (
        <p>
          <Badge tone="success" dot>
            Found
          </Badge>{' '}
          <span className="mono">{data.default.path}</span>
          {def?.version ? <span className="muted"> · {def.version}</span> : null}
          {def && def.devices.length > 0 ? (
            <span className="muted"> · {def.devices.length} GPU device(s)</span>
          ) : null}
        </p>
      ) : (
        <p>
          No llama-server on this machine yet. Install llama.cpp's official build for it (
          {VARIANT_LABELS[data.hardware.recommended_variant]}); its download is checked before it is
          unpacked.
        </p>
      )}
      {job && (
        <ul className="job-list">
          <RuntimeJobRow job={job} />
        </ul>
      )}
      {install.error && <p className="text-danger">{install.error.message}</p>}
      {active && (
        <div className="guide-actions">
          {ready ? (
            <button type="button" className="btn btn-primary" onClick={onNext}>
              Next
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              disabled={install.isPending || job?.status === 'downloading'}
              onClick={() => install.mutate({ version: 'latest' })}
            >
              <Icon name="download" size={16} />
              Install llama.cpp
            </button>
          )}
          <a className="btn btn-ghost" href={routeHref('runtimes')}>
            Choose a runtime
          </a>
        </div>
      )}
    </>
  );
}

type Choice = { kind: 'local'; path: string } | { kind: 'starter'; id: string };

/** The file the choice stands for; a starter's once its download is in the library. */
function usePickedModel(choice: Choice | null): GuideModel | null {
  const local = useLocalModels();
  const starters = useStarterModels();
  const files = local.data?.models ?? [];
  if (choice?.kind === 'local') {
    const f = files.find((m) => m.path === choice.path);
    return f ? { local: f } : null;
  }
  const starter =
    choice?.kind === 'starter' ? starters.data?.models.find((s) => s.id === choice.id) : undefined;
  const f = starter ? starterFile(starter, starter.recommended, files) : undefined;
  return starter && f ? { local: f, starter } : null;
}

function ModelStep({
  choice,
  picked,
  active,
  onChoose,
  onNext,
}: {
  choice: Choice | null;
  picked: GuideModel | null;
  active: boolean;
  onChoose(c: Choice): void;
  onNext(): void;
}) {
  const local = useLocalModels();
  const starters = useStarterModels();
  const jobs = useDownloadJobs();
  const download = useStartDownload();
  const setChoice = onChoose;
  const files = local.data?.models ?? [];
  const starter =
    choice?.kind === 'starter' ? starters.data?.models.find((s) => s.id === choice.id) : undefined;
  const starterLocal = picked?.starter ? picked.local : undefined;
  const job: DownloadJob | undefined = starter
    ? (jobs.data ?? []).find(
        (j) =>
          j.repo === starter.repo &&
          (j.tag ?? '').toLowerCase() === starter.recommended.toLowerCase(),
      )
    : undefined;
  if (!active)
    return picked ? <p className="mono">{picked.local.name}</p> : <p className="muted">Skipped</p>;
  return (
    <>
      {files.length > 0 && (
        <fieldset className="stack">
          <legend className="section-title">On this machine</legend>
          <div className="starter-list">
            {files.slice(0, 6).map((m) => (
              <ChoiceCard
                key={m.path}
                selected={choice?.kind === 'local' && choice.path === m.path}
                onSelect={() => setChoice({ kind: 'local', path: m.path })}
                title={m.name}
                detail={`${formatBytes(m.size_bytes)}${m.gguf?.architecture ? ` · ${m.gguf.architecture}` : ''}`}
              />
            ))}
          </div>
        </fieldset>
      )}
      {starters.data && (
        <fieldset className="stack">
          <legend className="section-title">
            Starter models (download from Hugging Face; fit for{' '}
            {formatBytes(starters.data.memory_bytes)} {starters.data.memory_kind} memory)
          </legend>
          <div className="starter-list">
            {starters.data.models.map((s) => {
              const q = s.quantizations.find((x) => x.tag === s.recommended);
              return (
                <ChoiceCard
                  key={s.id}
                  selected={choice?.kind === 'starter' && choice.id === s.id}
                  onSelect={() => setChoice({ kind: 'starter', id: s.id })}
                  title={s.name}
                  badge={<FitBadge fit={s.fit} />}
                  detail={`${s.recommended}${q ? ` · ${formatBytes(q.size_bytes)}` : ''}${s.vision ? ' · vision' : ''}`}
                />
              );
            })}
          </div>
        </fieldset>
      )}
      {(local.isPending || starters.isPending) && <Spinner label="Looking for models…" />}
      {starter && !starterLocal && (
        <div className="stack">
          {job && job.status !== 'failed' && job.status !== 'cancelled' ? (
            <ProgressBar
              value={
                job.progress?.total_bytes
                  ? (job.progress.bytes_downloaded / job.progress.total_bytes) * 100
                  : null
              }
              tone={job.status === 'completed' ? 'success' : undefined}
              label={`Download progress of ${starter.name}`}
            />
          ) : (
            <div className="guide-actions">
              <button
                type="button"
                className="btn btn-primary"
                disabled={download.isPending}
                onClick={() =>
                  download.mutate({
                    repo: `${starter.repo}:${starter.recommended}`,
                    format: 'gguf',
                  })
                }
              >
                <Icon name="download" size={16} />
                Download {starter.name}
              </button>
              {job?.error && <span className="text-danger small">{job.error}</span>}
            </div>
          )}
          {download.error && <p className="text-danger">{download.error.message}</p>}
        </div>
      )}
      <div className="guide-actions">
        <button type="button" className="btn btn-primary" disabled={!picked} onClick={onNext}>
          Next
        </button>
        <a className="btn btn-ghost" href={routeHref('models')}>
          Download another model
        </a>
      </div>
    </>
  );
}

function ChoiceCard({
  title,
  detail,
  badge,
  selected,
  onSelect,
}: {
  title: string;
  detail: string;
  badge?: ReactNode;
  selected: boolean;
  onSelect(): void;
}) {
  return (
    <label className={`starter${selected ? ' selected' : ''}`}>
      <input
        type="radio"
        name="guide-model"
        className="sr-only"
        checked={selected}
        onChange={onSelect}
      />
      <span className="job-title">
        <span className="truncate">{title}</span> {badge}
      </span>
      <span className="small muted">{detail}</span>
    </label>
  );
}

function CreateStep({
  model,
  created,
  onCreated,
}: {
  model: GuideModel | null;
  created: string | null;
  onCreated(name: string): void;
}) {
  const runtimes = useRuntimes();
  const save = useSaveInstance();
  const action = useInstanceAction();
  const openDialog = useInstancesUi((s) => s.open);
  const plan = model ? guideInstance(model, runtimes.data) : null;
  const [name, setName] = useState(plan?.name ?? '');
  const [error, setError] = useState<string | null>(null);
  if (created) return <InstanceStatus name={created} />;
  if (!plan)
    return (
      <div className="guide-actions">
        <span className="muted">No model chosen.</span>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            navigate('instances');
            openDialog({ kind: 'create' });
          }}
        >
          Create an instance yourself
        </button>
      </div>
    );
  const opts = plan.options.backend_options as Record<string, unknown>;
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await save.mutateAsync({ name, options: plan.options, mode: 'create' });
          await action.mutateAsync({ name, action: 'start' });
          onCreated(name);
        } catch (err) {
          setError(err instanceof Error ? err.message : String(err));
        }
      }}
    >
      <label className="field">
        <span className="field-label">Instance name</span>
        <input
          className="input mono"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="Instance name"
        />
      </label>
      <p className="small muted">
        llama.cpp with <span className="mono">{model!.local.name}</span>
        {opts.mmproj ? ' and its vision projector' : ''}, context {String(opts.ctx_size)} tokens,{' '}
        {opts.gpu_layers ? 'all layers on the GPU' : 'on the CPU (no GPU found)'}. Change anything
        later with Edit on the instance.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="guide-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!name.trim() || save.isPending || action.isPending}
        >
          <Icon name="play" size={16} />
          {save.isPending || action.isPending ? 'Starting…' : 'Create and start'}
        </button>
      </div>
    </form>
  );
}

function InstanceStatus({ name }: { name: string }) {
  const { data } = useInstances();
  const inst = data?.find((i) => i.name === name);
  return (
    <p>
      <a href={instanceHref(name)} className="mono">
        {name}
      </a>{' '}
      <Badge
        tone={
          inst?.status === 'running' ? 'success' : inst?.status === 'failed' ? 'danger' : 'info'
        }
        dot
      >
        {inst?.status ?? 'creating'}
      </Badge>
    </p>
  );
}

function UseStep({ name }: { name: string | null }) {
  const endpoint = `${serverBase()}v1`;
  return (
    <>
      <p>
        Talk to it in the chat, or point any OpenAI client at <code>{endpoint}</code>
        {name ? (
          <>
            {' '}
            with the model <code>{name}</code>
          </>
        ) : null}{' '}
        and an inference API key.
      </p>
      <div className="guide-actions">
        <a className="btn btn-primary" href={chatHref(name ?? undefined)}>
          <Icon name="chat" size={16} />
          Open the chat
        </a>
        <CopyButton text={endpoint} label="Copy the endpoint" />
        <a className="btn btn-ghost" href={routeHref('keys')}>
          API keys
        </a>
      </div>
    </>
  );
}
