import { memo } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { Icon } from '../../../components/icon';
import { Spinner } from '../../../components/spinner';
import { instanceOf } from '../errors';
import { statsLine } from '../stats';
import type { ChatTurn } from '../types';
import { MarkdownText } from './markdown';

/** Whether the instance must still start (or finish starting) before it can answer. */
export function isStarting(instance: Instance | undefined): boolean {
  if (!instance) return false;
  return !(
    instance.status === 'running' &&
    (instance.health === 'ready' || instance.health === 'unhealthy')
  );
}

export const TurnView = memo(function TurnView({
  turn,
  instance,
}: {
  turn: ChatTurn;
  /** the answering instance, for "Starting alpha…" while it starts */
  instance?: Instance;
}) {
  if (turn.role === 'user') {
    return (
      <article className="turn turn-user" aria-label="Your message">
        {turn.images && turn.images.length > 0 && (
          <div className="turn-images">
            {turn.images.map((src, i) => (
              <img key={i} src={src} alt={`Attached image ${i + 1}`} />
            ))}
          </div>
        )}
        {turn.content && <div className="turn-text">{turn.content}</div>}
      </article>
    );
  }
  const inst = turn.model ? instanceOf(turn.model) : '';
  const live = turn.state === 'waiting' || turn.state === 'streaming';
  const stats = statsLine(turn.stats);
  return (
    <article className="turn turn-assistant" aria-label="Answer" aria-busy={live}>
      <div className="turn-head">
        <Icon name="sparkles" size={14} />
        <span className="mono">{turn.model}</span>
      </div>
      {turn.reasoning && (
        <details className="reasoning">
          <summary>Reasoning{live && !turn.content ? '…' : ''}</summary>
          <div className="reasoning-text">{turn.reasoning}</div>
        </details>
      )}
      {turn.state === 'waiting' && (
        <div className="turn-status">
          <Spinner label={isStarting(instance) ? `Starting ${inst}…` : `Waiting for ${inst}…`} />
        </div>
      )}
      {turn.content && <MarkdownText text={turn.content} />}
      {turn.state === 'streaming' && <span className="stream-cursor" aria-hidden="true" />}
      {turn.state === 'stopped' && (
        <p className="turn-note muted small">
          <Icon name="stop" size={12} /> Stopped{turn.content ? '' : ' before the first token'}
        </p>
      )}
      {turn.state === 'done' && turn.finishReason === 'length' && (
        <p className="turn-note muted small">
          The answer reached the token limit (max tokens or the context size).
        </p>
      )}
      {turn.error && (
        <div className="callout callout-danger" role="alert">
          <Icon name="alert" />
          <span>{turn.error}</span>
        </div>
      )}
      {stats && !live && (
        <p className="answer-stats" aria-label="Answer statistics">
          {stats}
        </p>
      )}
    </article>
  );
});
