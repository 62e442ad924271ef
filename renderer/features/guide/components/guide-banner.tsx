import { Icon } from '../../../components/icon';
import { routeHref } from '../../../lib/router';
import { useInstances } from '../../instances/queries';
import { useGuideBanner } from '../ui-store';
import '../../../styles/setup.css';

/** Above the instances page while there are none: points at the guide, never in the way. */
export function GuideBanner() {
  const { data } = useInstances();
  const dismissed = useGuideBanner((s) => s.dismissed);
  const dismiss = useGuideBanner((s) => s.dismiss);
  if (dismissed || !data || data.length > 0) return null;
  return (
    <div className="callout guide-banner" role="region" aria-label="Getting started">
      <Icon name="sparkles" />
      <span>
        <strong>New here?</strong> The setup guide goes from a llama.cpp runtime to a running model
        and a chat in a few clicks.
      </span>
      <a className="btn btn-primary btn-sm" href={routeHref('welcome')}>
        Open the setup guide
      </a>
      <button
        type="button"
        className="btn btn-ghost btn-icon"
        aria-label="Hide the setup guide banner"
        title="Hide"
        onClick={dismiss}
      >
        <Icon name="x" size={14} />
      </button>
    </div>
  );
}
