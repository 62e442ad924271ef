import { useState } from 'react';
import type { Instance } from '../../../../shared/api/instances';
import { CopyButton } from '../../../components/copy-button';
import { serverBase } from '../../../lib/api-client';
import { useAuthStore } from '../../../lib/auth-store';
import { curlChat, javascriptOpenAi, maskKey, pythonOpenAi } from '../../../lib/snippets';
import { isRouterMode } from '../labels';
import { useRouterModels } from '../queries';

function Snippet({ title, text, shown }: { title: string; text: string; shown: string }) {
  return (
    <div className="code-block">
      <div className="code-block-head">
        <span>{title}</span>
        <CopyButton text={text} label={`Copy ${title}`} />
      </div>
      <pre className="mono" data-snippet={title}>
        {shown}
      </pre>
    </div>
  );
}

/**
 * How to call this instance: base URL, model name and ready-to-run snippets. The snippets carry
 * the key this dashboard signed in with, so a copied one works as-is; on screen the key is
 * masked until asked for.
 */
export function InstanceEndpoint({ instance }: { instance: Instance }) {
  const key = useAuthStore((s) => s.key) ?? '';
  const [reveal, setReveal] = useState(false);
  const router = isRouterMode(instance);
  const running = instance.status === 'running';
  const models = useRouterModels(instance.name, router && running);
  const firstRouterModel = models.data?.data?.[0]?.id;
  const model = router ? `${instance.name}/${firstRouterModel ?? '<model>'}` : instance.name;
  const base = serverBase();
  const shownKey = reveal ? key : maskKey(key);
  const body = { model, messages: [{ role: 'user', content: 'Hello!' }] };
  const snippets = [
    { title: 'curl', make: (k: string) => curlChat(base, k, body) },
    { title: 'Python', make: (k: string) => pythonOpenAi(base, k, model) },
    { title: 'JavaScript', make: (k: string) => javascriptOpenAi(base, k, model) },
  ];
  return (
    <section className="card" aria-labelledby="endpoint-title">
      <div className="card-head">
        <h2 id="endpoint-title">Endpoint</h2>
      </div>
      <div className="card-pad stack">
        <dl className="kv">
          <dt>Base URL</dt>
          <dd className="kv-copy">
            <code>{`${base}v1`}</code>
            <CopyButton text={`${base}v1`} label="Copy base URL" />
          </dd>
          <dt>Model name</dt>
          <dd className="kv-copy">
            <code>{model}</code>
            <CopyButton text={model} label="Copy model name" />
          </dd>
        </dl>
        {router && (
          <p className="muted small">
            Router mode: the model is <code>{instance.name}/&lt;model&gt;</code>, one of the models
            this llama-server offers{running ? '' : ' (listed once it runs)'}.
          </p>
        )}
        {key && (
          <div className="endpoint-key">
            <p className="muted small">
              The snippets use the key you signed in with, a management key that may do everything.
              For an application, create an API key for this instance on the{' '}
              <a href="#/keys">API keys</a> page.
            </p>
            <label className="checkbox-inline small">
              <input
                type="checkbox"
                checked={reveal}
                onChange={(e) => setReveal(e.target.checked)}
              />
              Show key
            </label>
          </div>
        )}
        {snippets.map((s) => (
          <Snippet key={s.title} title={s.title} text={s.make(key)} shown={s.make(shownKey)} />
        ))}
      </div>
    </section>
  );
}
