/** What each part of the cdn role gives back to index.ts. */
import type { MetricSample } from '../lib/metrics.ts';

export interface CdnPart {
  metrics?(): MetricSample[];
  close?(): Promise<void>;
}
