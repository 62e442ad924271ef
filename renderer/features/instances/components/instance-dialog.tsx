import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { InstanceOptions } from '../../../../shared/api/instances';
import {
  backendDescriptors,
  backendOf,
  detectBackend,
  optionFields,
} from '../../../../shared/backends';
import { CopyButton } from '../../../components/copy-button';
import { Dialog } from '../../../components/dialog';
import { DialogActions } from '../../../components/dialog-actions';
import { DialogForm } from '../../../components/dialog-form';
import { ErrorCallout } from '../../../components/error-callout';
import { Checkbox, Field } from '../../../components/field';
import { Icon } from '../../../components/icon';
import { KeyValueEditor } from '../../../components/key-value-editor';
import { Tabs } from '../../../components/tabs';
import { toast } from '../../../components/toasts';
import { ApiError } from '../../../lib/api-client';
import { desktop } from '../../../lib/desktop';
import { sentence } from '../../../lib/format';
import { useNodes, useServerConfig } from '../../system/queries';
import { instancesApi } from '../api';
import { backendConfigOf, previewCommand, type PreviewConfig } from '../command-preview';
import {
  defaultsFromConfig,
  draftFromOptions,
  draftToOptions,
  emptyDraft,
  fieldErrorFromServer,
  fieldLabel,
  fieldSelectors,
  TAB_LABELS,
  tabOfField,
  validateDraft,
  type DialogTab,
  type Draft,
} from '../draft';
import { useSaveInstance } from '../mutations';
import { useInstances, useMemoryEstimate } from '../queries';
import { useCloseInstanceDialog } from '../ui-store';
import { MemoryEstimate } from './memory-estimate';
import { OptionsTab } from './options-tab';

export function InstanceDialog({
  mode,
  name,
  prefill,
}: {
  mode: 'create' | 'edit';
  name?: string;
  prefill?: { name?: string; options?: Partial<InstanceOptions> };
}) {
  const close = useCloseInstanceDialog();
  const { data: instances } = useInstances();
  const { data: config } = useServerConfig();
  const { data: nodes } = useNodes();
  const existing = mode === 'edit' ? instances?.find((i) => i.name === name) : undefined;
  const save = useSaveInstance();

  const [draft, setDraft] = useState<Draft>(() => {
    const base = emptyDraft(defaultsFromConfig(config));
    if (existing) return draftFromOptions(existing.name, existing.options, base);
    if (prefill) return draftFromOptions(prefill.name ?? '', prefill.options ?? {}, base);
    return base;
  });
  const [tab, setTab] = useState<DialogTab>('general');
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  // after a save attempt: the summary above the form points at every field with an error
  const [submitted, setSubmitted] = useState(false);
  // the field to bring into view and focus once its tab has rendered
  const focusPath = useRef<string | null>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const [command, setCommand] = useState('');
  const [parsing, setParsing] = useState(false);
  const [parseError, setParseError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const patch = useCallback((p: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...p }));
    setServerErrors({});
  }, []);
  const setOption = useCallback((key: string, v: unknown) => {
    setDraft((d) => {
      const bo = { ...d.backend_options };
      if (v === undefined) delete bo[key];
      else bo[key] = v;
      return { ...d, backend_options: bo };
    });
    setServerErrors((e) => {
      const { [`backend_options.${key}`]: _gone, ...rest } = e;
      return rest;
    });
  }, []);

  // The desktop app's native file dialog, for a llama.cpp model file on this machine: a path
  // picked here means nothing to an instance on another node.
  const chooseFile = desktop()?.chooseModelFile;
  const localNode = nodes?.find((n) => n.local)?.name;
  const onThisMachine = !draft.node || draft.node === localNode;
  const browseModel = useCallback(async () => {
    try {
      const path = await chooseFile?.();
      if (path) setOption('model', path);
    } catch (err) {
      toast.error(
        'Could not open the file dialog',
        err instanceof Error ? err.message : String(err),
      );
    }
  }, [chooseFile, setOption]);
  const browse = useMemo(
    () =>
      chooseFile && onThisMachine && draft.backend_type === 'llama_cpp'
        ? { model: () => void browseModel() }
        : undefined,
    [chooseFile, onThisMachine, draft.backend_type, browseModel],
  );

  const clientErrors = useMemo(() => validateDraft(draft, mode), [draft, mode]);
  const optionKeys = useMemo(
    () => optionFields(draft.backend_type).map((f) => f.key),
    [draft.backend_type],
  );
  // every message is a sentence, shown once: on its field, or above the form when the form has
  // no such field
  const allErrors = Object.fromEntries(
    Object.entries({
      ...(touched ? clientErrors : pickOptionErrors(clientErrors)),
      ...serverErrors,
    }).map(([k, v]) => [k, sentence(v)]),
  );
  const errors = Object.fromEntries(
    Object.entries(allErrors).filter(([k]) => fieldLabel(k, optionKeys) !== null),
  );
  const unplaced = Object.entries(allErrors).filter(([k]) => fieldLabel(k, optionKeys) === null);
  const focusField = useCallback((path: string) => {
    setTab(tabOfField(path));
    focusPath.current = path;
    setFocusRequest((n) => n + 1);
  }, []);
  useEffect(() => {
    const path = focusPath.current;
    if (!path) return;
    focusPath.current = null;
    const root = formRef.current;
    const el = fieldSelectors(path)
      .map((sel) => root?.querySelector<HTMLElement>(sel))
      .find(Boolean);
    if (!el) return;
    el.scrollIntoView?.({ block: 'center' });
    el.querySelector<HTMLElement>('input:not([type=hidden]), textarea, select, button')?.focus({
      preventScroll: true,
    });
  }, [focusRequest, tab]);
  const options = useMemo(() => draftToOptions(draft), [draft]);
  const preview = useMemo(
    () =>
      previewCommand(mode === 'edit' ? name! : draft.name.trim(), options, config as PreviewConfig),
    [mode, name, draft.name, options, config],
  );
  const backendConfig = backendConfigOf(config as PreviewConfig, draft.backend_type);
  const memory = useMemoryEstimate(
    options,
    !draft.node && Object.keys(pickOptionErrors(clientErrors)).length === 0,
  );
  const groups = useMemo(
    () =>
      [
        ...new Set((instances ?? []).map((i) => i.options?.group).filter(Boolean) as string[]),
      ].sort(),
    [instances],
  );
  const tabErrors = (t: DialogTab) => Object.keys(errors).filter((k) => tabOfField(k) === t).length;
  const setCount = Object.values(draft.backend_options).filter(
    (v) => v !== undefined && v !== '',
  ).length;

  const submit = async () => {
    setTouched(true);
    setSubmitted(true);
    setFormError(null);
    if (Object.keys(clientErrors).length > 0) {
      focusField(Object.keys(clientErrors)[0]);
      return;
    }
    try {
      const saved = mode === 'edit' ? name! : draft.name.trim();
      await save.mutateAsync({ name: saved, options, mode });
      toast.success(
        mode === 'create' ? `Created ${saved}` : `Saved ${saved}`,
        mode === 'create' ? 'Start it from the list when you are ready.' : undefined,
      );
      close();
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        const fe = fieldErrorFromServer(err.code, err.details);
        if (fe) {
          // shown on the field (or above the form when the form has no such field), not twice
          setServerErrors({ [fe.path]: fe.message });
          focusField(fe.path);
          return;
        }
      }
      setFormError(sentence(err instanceof Error ? err.message : String(err)));
    }
  };

  const parse = async () => {
    const type = detectBackend(command)?.type ?? draft.backend_type;
    setParsing(true);
    setParseError(null);
    try {
      const r = await instancesApi.parseCommand(type, command);
      const next = draftFromOptions(
        draft.name,
        {
          backend_type: r.backend_type,
          backend_options: r.backend_options ?? {},
          // the executable the command named (a path, another name) runs instead of the default
          command_override: r.command ?? '',
        },
        draft,
      );
      setDraft(next);
      const n = Object.keys(r.backend_options ?? {}).length;
      toast.success(
        'Command imported',
        `${n} option${n === 1 ? '' : 's'} set for ${backendOf(r.backend_type).label}.` +
          (r.command ? ` Command override set to ${r.command}.` : ''),
      );
      setCommand('');
    } catch (err) {
      setParseError(err instanceof Error ? err.message : String(err));
    } finally {
      setParsing(false);
    }
  };

  const importJson = async (file: File) => {
    try {
      const parsed = JSON.parse(await file.text());
      const opts = (parsed.options ?? parsed) as Partial<InstanceOptions>;
      if (!opts || typeof opts !== 'object' || !opts.backend_type)
        throw new Error('the file has no "options" with a "backend_type"');
      setDraft((d) =>
        draftFromOptions(
          mode === 'create' && typeof parsed.name === 'string' ? parsed.name : d.name,
          opts,
          d,
        ),
      );
      toast.success('Imported', `Settings loaded from ${file.name}. Review them, then save.`);
    } catch (err) {
      toast.error('Could not import this file', err instanceof Error ? err.message : String(err));
    }
  };

  const running = existing?.status === 'running';
  const saveLabel =
    mode === 'create' ? 'Create instance' : running ? 'Save and restart' : 'Save changes';
  const nodeList = nodes ?? [];

  return (
    <Dialog
      size="xl"
      title={mode === 'create' ? 'Create instance' : `Edit ${name}`}
      description={
        mode === 'create'
          ? 'Define a model server. It is created stopped; start it from the list.'
          : running
            ? 'This instance is running: saving restarts it with the new settings.'
            : 'Changes apply the next time the instance starts.'
      }
      onClose={close}
      headerExtra={
        mode === 'create' ? (
          <>
            <input
              ref={fileRef}
              type="file"
              accept=".json,application/json"
              hidden
              onChange={(e) => e.target.files?.[0] && void importJson(e.target.files[0])}
              aria-label="Import JSON file"
            />
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              onClick={() => fileRef.current?.click()}
            >
              <Icon name="upload" size={14} />
              Import JSON
            </button>
          </>
        ) : undefined
      }
      footer={
        <>
          <span className="footer-hint muted small">
            {mode === 'create' ? 'Settings can be changed later.' : ''}
          </span>
          <DialogActions
            onCancel={close}
            onSubmit={() => void submit()}
            label={saveLabel}
            busy={save.isPending}
            busyLabel="Saving…"
          />
        </>
      }
    >
      <DialogForm className="instance-form" onSubmit={submit} ref={formRef}>
        {formError && <ErrorCallout>{formError}</ErrorCallout>}
        {unplaced.map(([path, message]) => (
          <ErrorCallout key={path}>{message}</ErrorCallout>
        ))}
        {submitted && Object.keys(errors).length > 0 && (
          <ErrorCallout>
            {Object.keys(errors).length === 1
              ? 'Check '
              : `Check these ${Object.keys(errors).length} fields: `}
            {Object.keys(errors).map((path, n) => (
              <Fragment key={path}>
                {n > 0 && ', '}
                <button type="button" className="link-button" onClick={() => focusField(path)}>
                  {fieldLabel(path, optionKeys)} on the {TAB_LABELS[tabOfField(path)]} tab
                </button>
              </Fragment>
            ))}
            .
          </ErrorCallout>
        )}
        <Tabs
          label="Instance settings"
          value={tab}
          onChange={setTab}
          tabs={[
            { id: 'general', label: 'General', marker: <TabMarker n={tabErrors('general')} /> },
            { id: 'backend', label: 'Backend', marker: <TabMarker n={tabErrors('backend')} /> },
            {
              id: 'options',
              label: 'Options',
              marker: tabErrors('options') ? (
                <TabMarker n={tabErrors('options')} />
              ) : setCount ? (
                <span className="tab-count">{setCount}</span>
              ) : null,
            },
            {
              id: 'advanced',
              label: 'Advanced',
              marker: <TabMarker n={tabErrors('advanced')} />,
            },
          ]}
        />
        <div className="tab-panel" role="tabpanel" aria-label={tab}>
          {tab === 'general' && (
            <div className="form-grid">
              <Field
                label="Name"
                name="name"
                error={errors.name}
                help="Used in URLs and as the model name for OpenAI clients. Letters, digits, . - _ (max 50)."
              >
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    value={draft.name}
                    disabled={mode === 'edit'}
                    autoFocus={mode === 'create'}
                    onBlur={() => draft.name && setTouched(true)}
                    onChange={(e) => patch({ name: e.target.value })}
                    placeholder="qwen-7b"
                  />
                )}
              </Field>
              {nodeList.length > 1 && (
                <Field
                  label="Node"
                  help={
                    mode === 'edit'
                      ? 'An instance cannot move to another node.'
                      : 'Where the instance runs.'
                  }
                >
                  {(p) => (
                    <select
                      {...p}
                      className="select"
                      value={draft.node}
                      disabled={mode === 'edit'}
                      onChange={(e) => patch({ node: e.target.value })}
                    >
                      <option value="">
                        This server
                        {nodeList.find((n) => n.local)
                          ? ` (${nodeList.find((n) => n.local)!.name})`
                          : ''}
                      </option>
                      {nodeList
                        .filter((n) => !n.local && n.address)
                        .map((n) => (
                          <option key={n.name} value={n.name}>
                            {n.name} — {n.address}
                          </option>
                        ))}
                    </select>
                  )}
                </Field>
              )}
              <Field
                label="Group"
                name="group"
                error={errors.group}
                help="Optional. Instances in a group share a running limit (group_limits) and evict each other."
              >
                {(p) => (
                  <>
                    <input
                      {...p}
                      className="input"
                      list="group-suggestions"
                      value={draft.group}
                      onChange={(e) => patch({ group: e.target.value })}
                      placeholder="e.g. large-models"
                    />
                    <datalist id="group-suggestions">
                      {groups.map((g) => (
                        <option key={g} value={g} />
                      ))}
                    </datalist>
                  </>
                )}
              </Field>
              <div className="form-section span-2">
                <h3 className="section-title">Lifecycle</h3>
                <Checkbox
                  label="Start on demand"
                  checked={draft.on_demand_start}
                  onChange={(v) => patch({ on_demand_start: v })}
                  help="A request for this model starts the instance if it is stopped."
                />
                <Field
                  label="Idle timeout (minutes)"
                  name="idle_timeout"
                  error={errors.idle_timeout}
                  help="Stops the running instance after this many minutes without a request, freeing its memory; with Start on demand the next request starts it again. 0 = never stop."
                >
                  {(p) => (
                    <input
                      {...p}
                      className="input input-narrow"
                      inputMode="numeric"
                      value={draft.idle_timeout}
                      onChange={(e) => patch({ idle_timeout: e.target.value })}
                    />
                  )}
                </Field>
                <Checkbox
                  label="Skip the memory check"
                  checked={draft.skip_memory_check}
                  onChange={(v) => patch({ skip_memory_check: v })}
                  help="Start even when the memory estimate says it won't fit in the free memory."
                />
                <Checkbox
                  label="Restart automatically after a crash"
                  checked={draft.auto_restart}
                  onChange={(v) => patch({ auto_restart: v })}
                />
                {draft.auto_restart && (
                  <div className="form-row">
                    <Field
                      label="Max restarts"
                      name="max_restarts"
                      error={errors.max_restarts}
                      help="Consecutive attempts before giving up."
                    >
                      {(p) => (
                        <input
                          {...p}
                          className="input input-narrow"
                          inputMode="numeric"
                          value={draft.max_restarts}
                          onChange={(e) => patch({ max_restarts: e.target.value })}
                        />
                      )}
                    </Field>
                    <Field
                      label="Delay (seconds)"
                      name="restart_delay"
                      error={errors.restart_delay}
                      help="Wait before each restart."
                    >
                      {(p) => (
                        <input
                          {...p}
                          className="input input-narrow"
                          inputMode="numeric"
                          value={draft.restart_delay}
                          onChange={(e) => patch({ restart_delay: e.target.value })}
                        />
                      )}
                    </Field>
                  </div>
                )}
              </div>
            </div>
          )}

          {tab === 'backend' && (
            <div className="stack">
              <fieldset className="backend-choice">
                <legend className="field-label">Backend</legend>
                {backendDescriptors().map(({ type: t, label, description }) => (
                  <label
                    key={t}
                    className={`backend-card${draft.backend_type === t ? ' selected' : ''}`}
                  >
                    <input
                      type="radio"
                      name="backend_type"
                      value={t}
                      checked={draft.backend_type === t}
                      onChange={() =>
                        patch({
                          backend_type: t,
                          backend_options: {},
                          extra: [],
                          docker_enabled: undefined,
                        })
                      }
                    />
                    <span className="backend-card-title">{label}</span>
                    <span className="backend-card-text">{description}</span>
                  </label>
                ))}
              </fieldset>

              <div className="form-section">
                <h3 className="section-title">Import from a command line</h3>
                <p className="field-help">
                  Paste a command you already use; its flags fill the options. The backend is
                  detected from the executable.
                </p>
                <textarea
                  className="input mono"
                  rows={3}
                  aria-label="Command line to import"
                  placeholder={backendOf(draft.backend_type).placeholder}
                  value={command}
                  onChange={(e) => setCommand(e.target.value)}
                />
                {parseError && (
                  <p className="field-error" role="alert">
                    {parseError}
                  </p>
                )}
                <div>
                  <button
                    type="button"
                    className="btn btn-secondary btn-sm"
                    disabled={!command.trim() || parsing}
                    onClick={() => void parse()}
                  >
                    <Icon name="terminal" size={14} />
                    {parsing ? 'Importing…' : 'Import command'}
                  </button>
                </div>
              </div>

              <div className="form-section">
                <h3 className="section-title">Execution</h3>
                {backendOf(draft.backend_type).docker && (
                  <Checkbox
                    label="Run in Docker"
                    checked={draft.docker_enabled ?? Boolean(backendConfig?.docker?.enabled)}
                    onChange={(v) => patch({ docker_enabled: v })}
                    help="Uses the image and arguments from the backend's docker settings in the config."
                  />
                )}
                <Field
                  label="Command override"
                  name="command_override"
                  error={errors.command_override}
                  help={`Executable to run instead of the configured one (${backendConfig?.command ?? backendOf(draft.backend_type).executable}).`}
                >
                  {(p) => (
                    <input
                      {...p}
                      className="input mono"
                      value={draft.command_override}
                      onChange={(e) => patch({ command_override: e.target.value })}
                      placeholder="/opt/llama.cpp/build/bin/llama-server"
                    />
                  )}
                </Field>
                <div className="field" data-field="environment">
                  <span className="field-label">Environment variables</span>
                  {Object.entries(errors)
                    .filter(([k]) => k === 'environment' || k.startsWith('environment.'))
                    .map(([k, v]) => (
                      <p key={k} className="field-error">
                        {v}
                      </p>
                    ))}
                  <KeyValueEditor
                    rows={draft.env}
                    onChange={(env) => patch({ env })}
                    keyLabel="Variable"
                    valueLabel="Value"
                    keyPlaceholder="CUDA_VISIBLE_DEVICES"
                    valuePlaceholder="0"
                    addLabel="Add variable"
                  />
                </div>
              </div>
            </div>
          )}

          {tab === 'options' && (
            <OptionsTab
              type={draft.backend_type}
              values={draft.backend_options}
              errors={errors}
              onChange={setOption}
              browse={browse}
            />
          )}

          {tab === 'advanced' && (
            <div className="stack">
              <div className="form-section" data-field="backend_options.extra_args">
                <h3 className="section-title">Extra arguments</h3>
                <p className="field-help">
                  Flags the option list doesn't know, passed after the typed options exactly as
                  written: <code>-fa</code> stays <code>-fa</code>, a name without dashes gets{' '}
                  <code>--</code>. Leave the value empty for a flag without a value.
                </p>
                {Object.entries(errors)
                  .filter(([k]) => tabOfField(k) === 'advanced' && k !== 'preset_ini')
                  .map(([k, v]) => (
                    <p key={k} className="field-error">
                      {v}
                    </p>
                  ))}
                <KeyValueEditor
                  rows={draft.extra}
                  onChange={(extra) => patch({ extra })}
                  keyLabel="Flag"
                  valueLabel="Value"
                  keyPlaceholder="reasoning-budget"
                  valuePlaceholder="0"
                  addLabel="Add argument"
                />
              </div>
              {backendOf(draft.backend_type).presetFlag && (
                <div className="form-section" data-field="preset_ini">
                  <h3 className="section-title">Router presets (preset.ini)</h3>
                  {errors.preset_ini && <p className="field-error">{errors.preset_ini}</p>}
                  <p className="field-help">
                    For router mode (no model set): an INI file describing the models llama-server
                    may load. Saved next to the instance and passed as <code>--models-preset</code>.
                  </p>
                  <textarea
                    className="input mono"
                    rows={6}
                    aria-label="preset.ini content"
                    value={draft.preset_ini}
                    placeholder={
                      '[qwen-7b]\nmodel = /models/qwen2.5-7b-q4_k_m.gguf\nctx-size = 8192'
                    }
                    onChange={(e) => patch({ preset_ini: e.target.value })}
                  />
                </div>
              )}
            </div>
          )}
        </div>
        <MemoryEstimate estimate={memory.data} />
        <section className="command-preview" aria-label="Resulting command line">
          <div className="command-preview-head">
            <span>
              <Icon name="terminal" size={14} /> Command line
            </span>
            {'text' in preview && <CopyButton text={preview.text} />}
          </div>
          <pre className="mono" data-testid="command-preview">
            {'text' in preview ? preview.text : preview.error}
          </pre>
        </section>
      </DialogForm>
    </Dialog>
  );
}

function TabMarker({ n }: { n: number }) {
  return n ? (
    <span className="tab-error" aria-label={`${n} error${n === 1 ? '' : 's'}`}>
      {n}
    </span>
  ) : null;
}

/** Before the first save attempt only option errors show (they appear as the user types). */
function pickOptionErrors(e: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(e).filter(([k]) => k.startsWith('backend_options.') || k === 'command_override'),
  );
}
