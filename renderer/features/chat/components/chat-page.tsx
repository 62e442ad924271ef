import { useEffect, useMemo, useRef, useState } from 'react';
import { copyText } from '../../../components/copy-button';
import { ErrorCallout } from '../../../components/error-callout';
import { Icon } from '../../../components/icon';
import { PageHeader } from '../../../components/page-header';
import { toast } from '../../../components/toasts';
import { serverBase } from '../../../lib/api-client';
import { useAuthStore } from '../../../lib/auth-store';
import { useRouteQuery } from '../../../lib/router';
import { curlChat } from '../../../lib/snippets';
import { useInstances } from '../../instances/queries';
import { buildRequest } from '../completion';
import { instanceOf } from '../errors';
import { acceptsImages } from '../images';
import { useChatModels } from '../queries';
import { sendMessage, stopAnswer } from '../runner';
import { useActiveConversation, useChatStore } from '../store';
import { ChatSettingsPanel } from './chat-settings';
import { Composer } from './composer';
import { ConversationList } from './conversation-list';
import { TurnView } from './turn-view';
import '../../../styles/chat.css';

/**
 * Chat with any model this server routes to, through our own /v1/chat/completions with the
 * session's key: stopped instances start on demand, remote instances answer through their node.
 */
export function ChatPage() {
  const loaded = useChatStore((s) => s.loaded);
  const storageError = useChatStore((s) => s.storageError);
  const conversation = useActiveConversation();
  const draftModel = useChatStore((s) => s.draftModel);
  const draftSettings = useChatStore((s) => s.draftSettings);
  const models = useChatModels();
  const instances = useInstances();
  const query = useRouteQuery();
  const [text, setText] = useState('');
  const [showSettings, setShowSettings] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  // whether the reader is at the end of the messages (then new text keeps it there)
  const stick = useRef(true);

  useEffect(() => {
    if (!loaded) void useChatStore.getState().load();
  }, [loaded]);

  // #/chat?model=alpha (the instance page's "Open chat"): a new conversation with that model
  useEffect(() => {
    const wanted = new URLSearchParams(query).get('model');
    if (!wanted) return;
    useChatStore.getState().select(null);
    useChatStore.getState().setDraftModel(wanted);
  }, [query]);

  const ids = useMemo(() => (models.data ?? []).map((m) => m.id), [models.data]);
  // the first model is preselected until the user picks one
  useEffect(() => {
    if (!draftModel && ids.length > 0) useChatStore.getState().setDraftModel(ids[0]);
  }, [draftModel, ids]);

  const model = conversation?.model ?? draftModel;
  const settings = conversation?.settings ?? draftSettings;
  const turns = conversation?.turns ?? [];
  const last = turns[turns.length - 1];
  const answering = last?.state === 'waiting' || last?.state === 'streaming';
  const instance = instances.data?.find((i) => i.name === instanceOf(model));
  const imagesAllowed = acceptsImages(instance);

  // keep the newest text in view while it streams, unless the reader scrolled up
  const lastLength = (last?.content.length ?? 0) + (last?.reasoning?.length ?? 0);
  useEffect(() => {
    const el = log.current;
    if (!el) return;
    if (last?.state === 'waiting') stick.current = true;
    if (stick.current) el.scrollTop = el.scrollHeight;
  }, [turns.length, lastLength, last?.state]);

  const copyCurl = async () => {
    const finished = turns.filter((t) => t.state !== 'waiting' && t.state !== 'streaming');
    const next = text.trim()
      ? [...finished, { id: 'next', role: 'user' as const, content: text }]
      : finished;
    const body = buildRequest(model, settings, next);
    await copyText(curlChat(serverBase(), useAuthStore.getState().key ?? '', body));
    toast.success('Copied the request as curl', 'It includes your key: keep it to yourself.');
  };

  const modelKnown = ids.includes(model);
  return (
    <div className="page chat-page">
      <PageHeader
        title="Chat"
        subtitle="Talk to any model Llamactl serves. Conversations are kept in this browser only."
        actions={
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => {
              useChatStore.getState().select(null);
              setText('');
            }}
          >
            <Icon name="plus" />
            New chat
          </button>
        }
      />
      {storageError && <ErrorCallout>{storageError}</ErrorCallout>}
      <div className="chat-layout">
        <aside className="card chat-sidebar">
          <ConversationList />
        </aside>
        <section className="card chat-main" aria-label="Conversation">
          <div className="chat-toolbar">
            <div className="chat-model">
              <label className="field-label" htmlFor="chat-model">
                Model
              </label>
              <select
                id="chat-model"
                className="select"
                value={model}
                onChange={(e) => useChatStore.getState().setModel(e.target.value)}
                disabled={answering}
              >
                {!modelKnown && <option value={model}>{model || 'No model'}</option>}
                {ids.map((id) => (
                  <option key={id} value={id}>
                    {id}
                  </option>
                ))}
              </select>
            </div>
            <div className="chat-toolbar-actions">
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                aria-expanded={showSettings}
                onClick={() => setShowSettings((v) => !v)}
              >
                <Icon name="settings" size={14} />
                Settings
              </button>
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                onClick={() => void copyCurl()}
                disabled={!model}
              >
                <Icon name="copy" size={14} />
                Copy as curl
              </button>
            </div>
          </div>
          {showSettings && (
            <ChatSettingsPanel
              key={conversation?.id ?? 'draft'}
              settings={settings}
              onChange={(s) => useChatStore.getState().setSettings(s)}
            />
          )}
          {models.error && (
            <ErrorCallout>Could not list the models: {models.error.message}</ErrorCallout>
          )}
          {models.data && ids.length === 0 && (
            <p className="chat-empty muted">
              No models yet. <a href="#/instances">Create an instance</a> first: each instance is a
              model here.
            </p>
          )}
          <div
            className="chat-log"
            ref={log}
            role="log"
            aria-label="Messages"
            onScroll={(e) => {
              const el = e.currentTarget;
              stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
            }}
          >
            {turns.length === 0 && ids.length > 0 && (
              <p className="chat-empty muted">
                Send a message to start. A stopped instance is started for it.
              </p>
            )}
            {turns.map((t) => (
              <TurnView
                key={t.id}
                turn={t}
                instance={t.state === 'waiting' ? instance : undefined}
              />
            ))}
          </div>
          <Composer
            answering={answering}
            canSend={!!model && loaded}
            imagesAllowed={imagesAllowed}
            imagesHint={
              imagesAllowed
                ? 'Attach images (you can also paste them)'
                : 'Images need a model with a multimodal projector (mmproj)'
            }
            text={text}
            onText={setText}
            onSend={(t, images) => void sendMessage(t, images)}
            onStop={() => conversation && stopAnswer(conversation.id)}
          />
        </section>
      </div>
    </div>
  );
}
