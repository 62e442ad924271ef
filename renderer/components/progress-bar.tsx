export function ProgressBar({
  value,
  label,
  tone,
}: {
  value: number | null;
  label: string;
  tone?: 'success' | 'muted';
}) {
  const pct = value === null ? null : Math.max(0, Math.min(100, value));
  return (
    <div
      className={`progress${pct === null ? ' indeterminate' : ''}${tone ? ` progress-${tone}` : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct === null ? undefined : Math.round(pct)}
    >
      <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
