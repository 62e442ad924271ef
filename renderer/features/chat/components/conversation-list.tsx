import { useMemo, useState } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { Icon } from '../../../components/icon';
import { formatRelative } from '../../../lib/format';
import { useChatStore, useConversations } from '../store';
import type { Conversation } from '../types';

function RenameInput({ c, onDone }: { c: Conversation; onDone(): void }) {
  const [title, setTitle] = useState(c.title);
  const save = () => {
    useChatStore.getState().rename(c.id, title);
    onDone();
  };
  return (
    <input
      className="input conversation-rename"
      aria-label="Conversation name"
      value={title}
      autoFocus
      onChange={(e) => setTitle(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
        if (e.key === 'Escape') onDone();
      }}
    />
  );
}

/** The conversations kept in this browser, newest first: open, rename, delete. */
export function ConversationList() {
  const conversations = useConversations();
  const activeId = useChatStore((s) => s.activeId);
  const select = useChatStore((s) => s.select);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Conversation | null>(null);
  const list = useMemo(
    () => Object.values(conversations).sort((a, b) => b.updated - a.updated),
    [conversations],
  );
  return (
    <nav className="conversation-list" aria-label="Conversations">
      {list.length === 0 && <p className="muted small pad-sm">No conversations yet.</p>}
      <ul>
        {list.map((c) => (
          <li key={c.id} className={c.id === activeId ? 'active' : undefined}>
            {renaming === c.id ? (
              <RenameInput c={c} onDone={() => setRenaming(null)} />
            ) : (
              <button
                type="button"
                className="conversation-open"
                aria-current={c.id === activeId ? 'true' : undefined}
                onClick={() => select(c.id)}
              >
                <span className="truncate conversation-title">{c.title}</span>
                <span className="truncate muted small">
                  {c.model} · {formatRelative(Math.floor(c.updated / 1000))}
                </span>
              </button>
            )}
            <div className="conversation-actions">
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={`Rename ${c.title}`}
                title="Rename"
                onClick={() => setRenaming(c.id)}
              >
                <Icon name="edit" size={14} />
              </button>
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={`Delete ${c.title}`}
                title="Delete"
                onClick={() => setDeleting(c)}
              >
                <Icon name="trash" size={14} />
              </button>
            </div>
          </li>
        ))}
      </ul>
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.title}”?`}
          body={<p>The conversation is removed from this browser. This cannot be undone.</p>}
          confirmLabel="Delete conversation"
          destructive
          onConfirm={() => useChatStore.getState().remove(deleting.id)}
          onClose={() => setDeleting(null)}
        />
      )}
    </nav>
  );
}
