import type { DownloadJob } from '../../shared/api/models';
import type { Instance } from '../../shared/api/instances';
import { EventOverlay } from './event-overlay';

/** The lists the event stream keeps current, with what it changed while a fetch was on its way. */
export const instanceOverlay = new EventOverlay<Instance>((i) => i.name);
export const jobOverlay = new EventOverlay<DownloadJob>((j) => j.id);
