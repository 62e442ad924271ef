import type { ReactNode } from 'react';
import { Icon } from './icon';

/** A danger callout announced as an alert; `action` (e.g. a Retry button) follows the message. */
export function ErrorCallout({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <div className="callout callout-danger" role="alert">
      <Icon name="alert" />
      <span>{children}</span>
      {action}
    </div>
  );
}
