import { render, screen } from '@testing-library/react';
import { fieldIndex } from '../../../../shared/backends';
import { OptionInput } from './option-input';

/** The text of the elements named by aria-describedby: what a screen reader reads as help. */
function describedText(el: HTMLElement): string {
  return (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

describe('OptionInput', () => {
  it("states a numeric field's range from the option table, the rule the server applies", () => {
    const ctx = fieldIndex('llama_cpp').byKey.get('ctx_size')!;
    render(<OptionInput field={ctx} value={undefined} onChange={() => {}} />);
    expect(describedText(screen.getByRole('textbox', { name: /ctx_size/ }))).toMatch(/≥ 0/);
  });

  it('shows a range with both ends for the port', () => {
    const port = fieldIndex('vllm').byKey.get('port')!;
    render(<OptionInput field={port} value={undefined} onChange={() => {}} />);
    expect(describedText(screen.getByRole('textbox', { name: /port/ }))).toMatch(
      /between 0 and 65535/,
    );
  });
});
