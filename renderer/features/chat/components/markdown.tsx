import { memo } from 'react';
import Markdown, { type Components, type ExtraProps } from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { CopyButton } from '../../../components/copy-button';

type Element = NonNullable<ExtraProps['node']>;
type ElementContent = Element['children'][number];

function textOf(nodes: ElementContent[]): string {
  return nodes
    .map((n) => (n.type === 'text' ? n.value : n.type === 'element' ? textOf(n.children) : ''))
    .join('');
}

function languageOf(node: Element | undefined): string {
  const code = node?.children.find(
    (c): c is Element => c.type === 'element' && c.tagName === 'code',
  );
  const cls = code?.properties?.className;
  const list = Array.isArray(cls) ? cls.map(String) : typeof cls === 'string' ? [cls] : [];
  return list.find((c) => c.startsWith('language-'))?.slice('language-'.length) ?? '';
}

interface HastNode {
  type: string;
  value?: string;
  children?: HastNode[];
}

/**
 * Raw HTML in an answer becomes visible text (a model explaining `<div>` must not lose it),
 * before sanitising, so no HTML from the model is ever parsed.
 */
function rehypeRawAsText() {
  const walk = (node: HastNode) => {
    if (node.type === 'raw') node.type = 'text';
    node.children?.forEach(walk);
  };
  return (tree: HastNode) => walk(tree);
}

const components: Components = {
  pre({ node, children }) {
    const text = node ? textOf(node.children).replace(/\n$/, '') : '';
    const lang = languageOf(node);
    return (
      <div className="md-code">
        <div className="md-code-head">
          <span>{lang || 'code'}</span>
          <CopyButton text={text} />
        </div>
        <pre>{children}</pre>
      </div>
    );
  },
  a({ href, children }) {
    return (
      <a href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  },
  // A model's image link is not fetched (it could track the reader); it stays a link.
  img({ src, alt }) {
    return typeof src === 'string' && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer">
        {alt || src}
      </a>
    ) : (
      <>{alt}</>
    );
  },
};

/**
 * A model's answer as Markdown (GitHub flavour). Raw HTML in the answer is shown as text, never
 * parsed (no rehype-raw), and the tree is sanitised with GitHub's schema (rehype-sanitize), so
 * no script, event handler or javascript: URL reaches the DOM.
 */
export const MarkdownText = memo(function MarkdownText({ text }: { text: string }) {
  return (
    <div className="md">
      <Markdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[rehypeRawAsText, rehypeSanitize]}
        components={components}
      >
        {text}
      </Markdown>
    </div>
  );
});
