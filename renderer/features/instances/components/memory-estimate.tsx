import type { MemoryEstimateResponse } from '../../../../shared/api/memory';
import { FitBadge } from '../../../components/fit-badge';
import { formatBytes } from '../../../lib/format';

/**
 * The memory line of the create/edit dialog: what the instance would need by the server's
 * estimate and whether it fits the free memory now (fits / tight / won't fit), updated as the
 * options change. Nothing while there is no estimate to show.
 */
export function MemoryEstimate({ estimate }: { estimate: MemoryEstimateResponse | undefined }) {
  if (!estimate || estimate.estimate_bytes === null || !estimate.verdict) return null;
  const b = estimate.breakdown;
  const where = estimate.memory === 'vram' ? ' of GPU memory' : '';
  const parts = b
    ? `weights ${formatBytes(b.weights_bytes)}, KV cache ${formatBytes(b.kv_cache_bytes)} (context ${estimate.context_size ?? '?'}), compute ${formatBytes(b.compute_bytes)}, base ${formatBytes(b.overhead_bytes)}`
    : '';
  return (
    <section
      className="memory-estimate small"
      aria-label="Memory estimate"
      data-verdict={estimate.verdict}
    >
      <FitBadge fit={estimate.verdict} title={parts} />{' '}
      <span>
        Needs about {formatBytes(estimate.estimate_bytes)}
        {where}; {formatBytes(estimate.free_bytes)} free
        {estimate.evictable_bytes > 0
          ? `, ${formatBytes(estimate.evictable_bytes)} of it by stopping idle instances`
          : ''}
        .
      </span>
      {estimate.verdict === 'wont_fit' && (
        <span className="muted">
          {' '}
          {estimate.check_enabled
            ? 'A start will be refused: lower the context size or the cache types, or skip the memory check.'
            : 'The memory check is off: it will be started anyway.'}
        </span>
      )}
    </section>
  );
}
