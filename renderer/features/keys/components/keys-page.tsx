import { Fragment, useState } from 'react';
import { Badge } from '../../../components/badge';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { CopyButton } from '../../../components/copy-button';
import { EmptyState } from '../../../components/empty-state';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { Spinner } from '../../../components/spinner';
import { ActionsHeader, ExpandButton } from '../../../components/table-parts';
import { toast } from '../../../components/toasts';
import { serverBase } from '../../../lib/api-client';
import { useServerReachable } from '../../../lib/connection';
import { formatDate, formatRelative } from '../../../lib/format';
import { useNow } from '../../../lib/use-now';
import type { ApiKey, CreatedApiKey } from '../api';
import { useApiKeys, useDeleteApiKey, useKeyPermissions } from '../queries';
import { CreateKeyDialog } from './create-key-dialog';

export function openAiSnippet(base: string, key: string): string {
  return `from openai import OpenAI

client = OpenAI(base_url="${base}v1", api_key="${key}")
reply = client.chat.completions.create(
    model="<instance name>",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`;
}

export function KeysPage() {
  const { data, isPending, error } = useApiKeys();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [expanded, setExpanded] = useState<number | null>(null);
  const del = useDeleteApiKey();
  const online = useServerReachable();
  const base = serverBase();
  const now = useNow();
  const curlModels = `curl '${base}v1/models' -H 'Authorization: Bearer ${created?.key ?? '<your API key>'}'`;
  return (
    <div className="page">
      <PageHeader
        title="API keys"
        subtitle={
          <>
            Keys for OpenAI-compatible clients calling {base}v1. Each key can reach all instances or
            only chosen ones.
          </>
        }
        actions={
          <button
            type="button"
            className="btn btn-primary"
            disabled={!online}
            onClick={() => setCreating(true)}
          >
            <Icon name="plus" />
            Create API key
          </button>
        }
      />

      {created && (
        <div className="card new-key" role="status">
          <div className="new-key-head">
            <Icon name="check" />
            <div>
              <strong>Key “{created.name}” created.</strong>
              <p className="small">Copy it now: it is shown only once.</p>
            </div>
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              onClick={() => setCreated(null)}
              aria-label="Dismiss new key"
            >
              <Icon name="x" />
            </button>
          </div>
          <div className="secret-row">
            <code className="secret" data-testid="new-api-key">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy key" />
          </div>
        </div>
      )}

      <section className="card table-card" aria-label="API keys">
        {isPending && (
          <div className="card-pad center">
            <Spinner label="Loading keys…" />
          </div>
        )}
        {error && <ErrorCallout>{error.message}</ErrorCallout>}
        {data && data.length === 0 && (
          <EmptyState icon="key" title="No API keys yet">
            <p>
              Create a key to let applications call your models through the OpenAI-compatible
              endpoint.
            </p>
          </EmptyState>
        )}
        {data && data.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Access</th>
                <th scope="col" className="hide-sm">
                  Created
                </th>
                <th scope="col">Expires</th>
                <th scope="col" className="hide-md">
                  Last used
                </th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {data.map((k) => {
                const expired = k.expires_at !== null && k.expires_at * 1000 < now;
                const open = expanded === k.id;
                return (
                  <Fragment key={k.id}>
                    <tr>
                      <td>
                        <ExpandButton open={open} onToggle={() => setExpanded(open ? null : k.id)}>
                          <strong>{k.name}</strong>
                        </ExpandButton>
                      </td>
                      <td>
                        {k.permission_mode === 'allow_all' ? (
                          <Badge tone="accent">All instances</Badge>
                        ) : (
                          <Badge tone="purple">Chosen instances</Badge>
                        )}
                      </td>
                      <td className="hide-sm">{formatDate(k.created_at)}</td>
                      <td>
                        {expired ? (
                          <Badge tone="danger">Expired</Badge>
                        ) : k.expires_at ? (
                          formatDate(k.expires_at)
                        ) : (
                          <span className="muted">Never</span>
                        )}
                      </td>
                      <td className="hide-md">{formatRelative(k.last_used_at)}</td>
                      <td className="actions-col">
                        <button
                          type="button"
                          className="btn btn-ghost btn-icon"
                          disabled={!online}
                          onClick={() => setDeleting(k)}
                          aria-label={`Delete key ${k.name}`}
                          title="Delete"
                        >
                          <Icon name="trash" />
                        </button>
                      </td>
                    </tr>
                    {open && (
                      <tr className="expanded-row">
                        <td colSpan={6}>
                          <KeyPermissions apiKey={k} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <div className="card-head">
          <h2>Use a key from an OpenAI client</h2>
        </div>
        <div className="card-pad stack">
          <p className="muted">
            Point any OpenAI SDK at <code>{base}v1</code> and use an instance name as the model.
            Stopped instances with on-demand start are started by the first request.
          </p>
          <div className="code-block">
            <div className="code-block-head">
              <span>Python</span>
              <CopyButton
                text={openAiSnippet(base, created?.key ?? '<your API key>')}
                label="Copy Python"
              />
            </div>
            <pre className="mono">{openAiSnippet(base, created?.key ?? '<your API key>')}</pre>
          </div>
          <div className="code-block">
            <div className="code-block-head">
              <span>curl</span>
              <CopyButton text={curlModels} label="Copy curl" />
            </div>
            <pre className="mono">{curlModels}</pre>
          </div>
        </div>
      </section>

      {creating && (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(k) => {
            setCreated(k);
            setCreating(false);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete key “${deleting.name}”?`}
          body={<p>Applications using this key lose access immediately. This cannot be undone.</p>}
          confirmLabel="Delete key"
          destructive
          onConfirm={async () => {
            await del.mutateAsync(deleting.id);
            if (created?.id === deleting.id) setCreated(null);
            toast.success('Key deleted');
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}

function KeyPermissions({ apiKey }: { apiKey: ApiKey }) {
  const { data, isPending } = useKeyPermissions(
    apiKey.id,
    apiKey.permission_mode === 'per_instance',
  );
  if (apiKey.permission_mode === 'allow_all')
    return (
      <p className="small muted">This key can call every instance, including ones created later.</p>
    );
  if (isPending) return <Spinner size={14} label="Loading permissions…" />;
  return (
    <div className="small">
      Allowed instances:{' '}
      {(data ?? []).map((p) => (
        <span key={p.instance_id} className="tag-chip">
          {p.instance_name || `#${p.instance_id} (deleted)`}
        </span>
      ))}
    </div>
  );
}
