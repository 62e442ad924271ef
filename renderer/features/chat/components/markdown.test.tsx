import { render } from '@testing-library/react';
import { MarkdownText } from './markdown';

describe('MarkdownText', () => {
  it('renders no HTML, script, event handler or javascript: link from the model', () => {
    const { container } = render(
      <MarkdownText
        text={[
          'Hi <img src=x onerror="alert(1)"> <b>bold?</b>',
          '',
          '<script>alert(2)</script>',
          '',
          '[click](javascript:alert(3)) and ![pic](http://tracker.example/p.png)',
        ].join('\n')}
      />,
    );
    expect(container.querySelector('img, script, b')).toBeNull();
    for (const el of container.querySelectorAll('*')) {
      for (const a of el.attributes) {
        expect(a.name).not.toMatch(/^on/i);
        expect(a.value).not.toMatch(/javascript:/i);
      }
    }
    // the raw HTML is shown as text, not dropped
    expect(container.textContent).toContain('<b>bold?</b>');
    // a model's image is a link, never fetched
    expect(container.querySelector('a[href="http://tracker.example/p.png"]')?.textContent).toBe(
      'pic',
    );
  });

  it('renders a fenced code block with its language and a Copy button', () => {
    const { getByRole, container } = render(
      <MarkdownText text={'Look:\n\n```python\nprint("hi")\n```\n'} />,
    );
    expect(container.querySelector('.md-code-head')?.textContent).toMatch(/^python/);
    expect(container.querySelector('pre code')?.textContent).toBe('print("hi")\n');
    expect(getByRole('button', { name: 'Copy' })).toBeTruthy();
  });
});
