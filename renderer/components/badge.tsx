import type { ReactNode } from 'react';

export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'accent' | 'purple';

export function Badge({
  tone = 'neutral',
  dot,
  pulse,
  children,
  title,
}: {
  tone?: BadgeTone;
  dot?: boolean;
  pulse?: boolean;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {dot && <span className={`badge-dot${pulse ? ' pulse' : ''}`} aria-hidden="true" />}
      {children}
    </span>
  );
}
