import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge } from '../../../components/badge';
import { Dialog } from '../../../components/dialog';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { ApiError, apiStream } from '../../../lib/api-client';
import { downloadText } from '../../../lib/format';
import { instancesApi } from '../api';
import { stateBadge } from '../labels';
import { useInstances } from '../queries';
import { useCloseInstanceDialog } from '../ui-store';

const MAX_LINES = 20_000;
const LINE_CHOICES = [100, 500, 2000, 10_000];

export type LogSource = 'stream' | 'snapshot';

/** Splits streamed text into lines, carrying a partial last line to the next chunk. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const parts = text.split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    return parts;
  }
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}

/**
 * Server-sent events to text chunks: the log stream sends each chunk as a JSON string in
 * `data:` (so newlines inside it survive); comments (`: ping`) are skipped.
 */
export class SseParser {
  private buf = '';
  push(text: string): string[] {
    this.buf += text.replace(/\r\n/g, '\n');
    const out: string[] = [];
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (!data) continue;
      try {
        const v = JSON.parse(data);
        out.push(typeof v === 'string' ? v : data);
      } catch {
        out.push(data);
      }
    }
    return out;
  }
}

export function lineClass(line: string): string {
  if (/\b(ERROR|error|FATAL|fatal|panic)\b|^E /.test(line)) return 'log-error';
  if (/\b(WARN|WARNING|warn|warning)\b|^W /.test(line)) return 'log-warn';
  if (/^={3,}|^---/.test(line)) return 'log-mark';
  return '';
}

/**
 * Follows GET /instances/{name}/logs/stream (the last N lines, then new ones as they are
 * written). A server without the stream route gets one GET /logs?lines=N instead.
 */
export function useLogLines(name: string, lines: number) {
  const [version, setVersion] = useState(0);
  const [source, setSource] = useState<LogSource>('stream');
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const buf = useRef<string[]>([]);
  // a new (name, lines) starts over: reset during render (React's pattern for derived resets)
  const streamKey = `${name}\n${lines}`;
  const [current, setCurrent] = useState(streamKey);
  if (current !== streamKey) {
    setCurrent(streamKey);
    setLoading(true);
    setError(null);
  }
  useEffect(() => {
    buf.current = [];
    const ctrl = new AbortController();
    let frame = 0;
    const bump = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion((v) => v + 1);
      });
    };
    const append = (ls: string[]) => {
      if (ls.length === 0) return;
      buf.current.push(...ls);
      if (buf.current.length > MAX_LINES) buf.current.splice(0, buf.current.length - MAX_LINES);
      bump();
    };
    const snapshot = async () => {
      setSource('snapshot');
      const text = await instancesApi.logs(name, lines);
      buf.current = text ? text.split(/\r?\n/) : [];
      setVersion((v) => v + 1);
    };
    (async () => {
      try {
        const res = await apiStream(
          `/instances/${encodeURIComponent(name)}/logs/stream?lines=${lines}`,
          { signal: ctrl.signal },
        );
        setSource('stream');
        setLoading(false);
        const sse = (res.headers.get('content-type') ?? '').includes('text/event-stream');
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const split = new LineSplitter();
        const events = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (!sse) append(split.push(value));
          else for (const chunk of events.push(value)) append(split.push(chunk));
        }
        append(split.flush());
      } catch (err) {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
          try {
            await snapshot();
          } catch (e2) {
            setError(e2 instanceof Error ? e2.message : String(e2));
          }
        } else {
          setError(err instanceof Error ? err.message : String(err));
        }
      } finally {
        if (!ctrl.signal.aborted) setLoading(false);
      }
    })();
    return () => {
      ctrl.abort();
      cancelAnimationFrame(frame);
    };
  }, [name, lines]);
  return { lines: buf.current, version, source, error, loading };
}

export function LogViewer({ name }: { name: string }) {
  const [count, setCount] = useState(500);
  const close = useCloseInstanceDialog();
  const { data: instances } = useInstances();
  const inst = instances?.find((i) => i.name === name);
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const { lines, version, source, error, loading } = useLogLines(name, count);
  const [frozen, setFrozen] = useState<string[] | null>(null);
  const view = paused && frozen ? frozen : lines;

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? view.filter((l) => l.toLowerCase().includes(q)) : view;
    // version marks appends to the shared buffer
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, query, version]);

  const badge = inst ? stateBadge(inst) : null;
  return (
    <Dialog
      size="xl"
      title={
        <span className="title-with-badge">
          Logs: {name}{' '}
          {badge && (
            <Badge tone={badge.tone} dot pulse={badge.pulse}>
              {badge.label}
            </Badge>
          )}
        </span>
      }
      description={
        source === 'stream'
          ? 'Live: new lines appear as the backend writes them.'
          : 'Snapshot of the log file (live streaming is unavailable on this server).'
      }
      onClose={close}
      footer={
        <>
          <span className="footer-hint muted small" aria-live="polite">
            {query
              ? `${shown.length} of ${view.length} lines match`
              : `${view.length} line${view.length === 1 ? '' : 's'}`}
            {paused ? ' · paused' : ''}
          </span>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => downloadText(`${name}-logs.txt`, view.join('\n'))}
          >
            <Icon name="download" size={14} />
            Download
          </button>
          <button type="button" className="btn btn-primary" onClick={close}>
            Close
          </button>
        </>
      }
    >
      <div className="log-toolbar">
        <div className="search">
          <Icon name="search" />
          <input
            type="search"
            className="input"
            placeholder="Search logs…"
            aria-label="Search logs"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        <label className="inline-select">
          <span className="small muted">Lines</span>
          <select
            className="select select-compact"
            value={count}
            onChange={(e) => setCount(Number(e.target.value))}
            aria-label="Lines to load"
          >
            {LINE_CHOICES.map((n) => (
              <option key={n} value={n}>
                last {n.toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox-inline small">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow
        </label>
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          aria-pressed={paused}
          onClick={() => {
            setFrozen(paused ? null : [...lines]);
            setPaused(!paused);
          }}
        >
          <Icon name={paused ? 'play' : 'pause'} size={14} />
          {paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      {error && <ErrorCallout>{error}</ErrorCallout>}
      <LogOutput
        name={name}
        lines={shown}
        version={version}
        empty={view.length === 0}
        loading={loading}
        failed={!!error}
        follow={follow && !paused}
        query={query.trim()}
      />
    </Dialog>
  );
}

/**
 * The log lines themselves, for the log dialog and the instance page's panel: coloured by level,
 * search hits highlighted, kept scrolled to the end while `follow` is on.
 */
export function LogOutput({
  name,
  lines,
  version,
  empty,
  loading,
  failed,
  follow,
  query = '',
  className = '',
}: {
  name: string;
  lines: readonly string[];
  /** changes whenever lines were appended (the buffer itself is reused) */
  version: number;
  /** nothing loaded at all (a search that matches nothing is not empty) */
  empty: boolean;
  loading: boolean;
  failed: boolean;
  follow: boolean;
  query?: string;
  className?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (follow && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [lines, version, follow]);
  return (
    <div
      className={`log-panel mono ${className}`.trim()}
      ref={scroller}
      role="log"
      aria-label={`Log output of ${name}`}
      tabIndex={0}
    >
      {loading && empty && <div className="log-empty">Loading…</div>}
      {!loading && empty && !failed && (
        <div className="log-empty">
          No log output yet. Start the instance to see its output here.
        </div>
      )}
      {lines.map((l, i) => (
        <div key={i} className={`log-line ${lineClass(l)}`}>
          {query ? <Highlight text={l} q={query} /> : l || '\u00a0'}
        </div>
      ))}
    </div>
  );
}

function Highlight({ text, q }: { text: string; q: string }) {
  if (!q) return <>{text}</>;
  const lower = text.toLowerCase();
  const ql = q.toLowerCase();
  const out: React.ReactNode[] = [];
  let i = 0;
  for (;;) {
    const j = lower.indexOf(ql, i);
    if (j < 0) break;
    out.push(text.slice(i, j), <mark key={j}>{text.slice(j, j + q.length)}</mark>);
    i = j + q.length;
  }
  out.push(text.slice(i));
  return <>{out}</>;
}
