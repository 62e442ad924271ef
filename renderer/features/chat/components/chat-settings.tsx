import { useState } from 'react';
import { Field } from '../../../components/field';
import type { ChatSettings } from '../types';

function parseNumber(raw: string, integer: boolean): number | undefined | null {
  if (raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return null;
  return n;
}

/** A number field that keeps what is typed and commits only valid values (blank = default). */
function NumberSetting({
  label,
  help,
  value,
  min,
  max,
  step,
  integer = false,
  onChange,
}: {
  label: string;
  help: string;
  value: number | undefined;
  min: number;
  max?: number;
  step: number;
  integer?: boolean;
  onChange(v: number | undefined): void;
}) {
  const [raw, setRaw] = useState(value === undefined ? '' : String(value));
  const parsed = parseNumber(raw, integer);
  const error =
    parsed === null
      ? integer
        ? 'Enter a whole number, or leave it empty.'
        : 'Enter a number, or leave it empty.'
      : parsed !== undefined && (parsed < min || (max !== undefined && parsed > max))
        ? max !== undefined
          ? `Enter a value from ${min} to ${max}.`
          : `Enter ${min} or more.`
        : null;
  return (
    <Field label={label} help={help} error={error}>
      {(p) => (
        <input
          {...p}
          className="input"
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          placeholder="Default"
          value={raw}
          onChange={(e) => {
            setRaw(e.target.value);
            const v = parseNumber(e.target.value, integer);
            if (v === null) return;
            if (v !== undefined && (v < min || (max !== undefined && v > max))) return;
            onChange(v);
          }}
        />
      )}
    </Field>
  );
}

/** System prompt and sampling settings of the conversation (or of the next new one). */
export function ChatSettingsPanel({
  settings,
  onChange,
}: {
  settings: ChatSettings;
  onChange(s: ChatSettings): void;
}) {
  return (
    <div className="chat-settings" role="group" aria-label="Chat settings">
      <Field label="System prompt" help="Sent first, before the conversation, in every request.">
        {(p) => (
          <textarea
            {...p}
            className="input"
            rows={3}
            value={settings.system}
            onChange={(e) => onChange({ ...settings, system: e.target.value })}
          />
        )}
      </Field>
      <div className="chat-settings-grid">
        <NumberSetting
          label="Temperature"
          help="Randomness: 0 picks the likeliest token every time."
          value={settings.temperature}
          min={0}
          max={2}
          step={0.1}
          onChange={(temperature) => onChange({ ...settings, temperature })}
        />
        <NumberSetting
          label="Top-p"
          help="Sample only from the likeliest tokens making up this share."
          value={settings.top_p}
          min={0}
          max={1}
          step={0.05}
          onChange={(top_p) => onChange({ ...settings, top_p })}
        />
        <NumberSetting
          label="Max tokens"
          help="Longest answer, in tokens."
          value={settings.max_tokens}
          min={1}
          step={1}
          integer
          onChange={(max_tokens) => onChange({ ...settings, max_tokens })}
        />
      </div>
    </div>
  );
}
