import type { ReactNode } from 'react';
import { Icon } from './icon';

/** Header cell of the row-actions column: no visible text, but screen readers hear "Actions". */
export function ActionsHeader() {
  return (
    <th scope="col" className="actions-col">
      <span className="sr-only">Actions</span>
    </th>
  );
}

/** The first cell's toggle of a table row that opens a detail row below it. */
export function ExpandButton({
  open,
  onToggle,
  children,
}: {
  open: boolean;
  onToggle(): void;
  children: ReactNode;
}) {
  return (
    <button type="button" className="expand-button" aria-expanded={open} onClick={onToggle}>
      <Icon name={open ? 'chevronDown' : 'chevronRight'} size={14} />
      {children}
    </button>
  );
}
