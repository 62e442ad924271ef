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
    // none while recording is off (metrics.activity_size 0, setRecording): the proxy then taps
    // nothing; read per request, so a switch applies to the next one
    get activity() {
      return services.observability.recorder;
    },
    startBackoff: services.startBackoff,
  };
}
