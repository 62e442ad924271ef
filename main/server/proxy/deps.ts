import { extractKey } from '../../auth/extract-key';
import type { Services } from '../../services';
import type { RoutingDeps } from './types';

/** The routing layer's view of the services. */
export function routingDeps(services: Services): RoutingDeps {
  return {
    config: services.config,
    log: services.log.child('proxy'),
    // local and remote instances; remote ones are forwarded to their node by `remote`
    instances: services.directory,
    remote: services.nodes,
    auth: services.auth,
    extractKey,
    // none when recording is off (metrics.activity_size 0): the proxy then taps nothing
    activity: services.observability.recorder,
    startBackoff: services.startBackoff,
  };
}
