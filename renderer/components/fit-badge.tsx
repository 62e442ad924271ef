import type { Fit } from '../../shared/api/library';
import { Badge, type BadgeTone } from './badge';

/** The server's memory verdicts (starter models, the memory estimate of an instance). */
export const FIT: Record<Fit, { label: string; tone: BadgeTone }> = {
  fits: { label: 'fits', tone: 'success' },
  tight: { label: 'tight', tone: 'warning' },
  wont_fit: { label: "won't fit", tone: 'danger' },
};

export function FitBadge({ fit, title }: { fit: Fit; title?: string }) {
  return (
    <Badge tone={FIT[fit].tone} title={title}>
      {FIT[fit].label}
    </Badge>
  );
}
