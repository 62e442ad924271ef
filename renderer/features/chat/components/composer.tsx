import { useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { Icon } from '../../../components/icon';
import { toast } from '../../../components/toasts';
import { formatBytes } from '../../../lib/format';
import { MAX_IMAGE_BYTES, readAsDataUrl } from '../images';

/**
 * The message box: Enter sends, Shift+Enter starts a new line. Images can be attached or pasted
 * when the model takes them. While an answer streams, Send becomes Stop.
 */
export function Composer({
  answering,
  canSend,
  imagesAllowed,
  imagesHint,
  onSend,
  onStop,
  text,
  onText,
}: {
  answering: boolean;
  canSend: boolean;
  imagesAllowed: boolean;
  imagesHint: string;
  onSend(text: string, images: string[]): void;
  onStop(): void;
  text: string;
  onText(text: string): void;
}) {
  const [images, setImages] = useState<string[]>([]);
  const file = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  const add = async (files: Iterable<File>) => {
    for (const f of files) {
      if (!f.type.startsWith('image/')) continue;
      if (f.size > MAX_IMAGE_BYTES) {
        toast.error(
          `${f.name || 'The image'} is too large`,
          `Images up to ${formatBytes(MAX_IMAGE_BYTES)} can be attached.`,
        );
        continue;
      }
      const url = await readAsDataUrl(f);
      setImages((list) => [...list, url]);
    }
  };

  const send = () => {
    if (answering || !canSend) return;
    if (!text.trim() && images.length === 0) return;
    onSend(text, images);
    onText('');
    setImages([]);
    box.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an input method composes a character belongs to the input method
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    if (!imagesAllowed) return;
    const files = [...e.clipboardData.files].filter((f) => f.type.startsWith('image/'));
    if (files.length === 0) return;
    e.preventDefault();
    void add(files);
  };

  return (
    <div className="composer">
      {images.length > 0 && (
        <ul className="composer-images" aria-label="Attached images">
          {images.map((src, i) => (
            <li key={i}>
              <img src={src} alt={`Attachment ${i + 1}`} />
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={`Remove attachment ${i + 1}`}
                onClick={() => setImages((list) => list.filter((_, j) => j !== i))}
              >
                <Icon name="x" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <label className="sr-only" htmlFor="chat-message">
          Message
        </label>
        <textarea
          id="chat-message"
          ref={box}
          className="input composer-input"
          rows={2}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          value={text}
          onChange={(e) => onText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div className="composer-actions">
          <input
            ref={file}
            type="file"
            accept="image/*"
            multiple
            hidden
            onChange={(e) => {
              if (e.target.files) void add([...e.target.files]);
              e.target.value = '';
            }}
          />
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label="Attach images"
            title={imagesHint}
            disabled={!imagesAllowed}
            onClick={() => file.current?.click()}
          >
            <Icon name="upload" />
          </button>
          {answering ? (
            <button type="button" className="btn btn-secondary" onClick={onStop}>
              <Icon name="stop" size={14} />
              Stop
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              onClick={send}
              disabled={!canSend || (!text.trim() && images.length === 0)}
            >
              <Icon name="play" size={14} />
              Send
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
