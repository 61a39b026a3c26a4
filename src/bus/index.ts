/**
 * The bus package's public entry. Roles import the interface (types.ts) and call it through the typed helpers of
 * src/contracts; only the process opens a bus, through openBus, which loads the NATS client only when it is used.
 */
import { MemoryBroker, MemoryBus } from './memory.ts';
import type { Bus, BusErrorHandler } from './types.ts';

export * from './types.ts';
export { InvalidSubjectError, subjectMatches } from './subjects.ts';
export { BUS_DEFAULTS } from './defaults.ts';
export { BusFailures } from './failures.ts';
export { MemoryBroker, MemoryBus, type MemoryBrokerOptions, type MemoryBusOptions } from './memory.ts';
export type { NatsBus, NatsBusOptions } from './nats.ts';

export interface OpenBusConfig {
  /** NATS servers (comma-separated); absent means the in-memory bus (one process). */
  natsUrl?: string;
  /** Names the NATS connection `accord-<nodeId>`. */
  nodeId: string;
  /** JetStream stream prefix; default `ACCORD`. */
  streamPrefix?: string;
  onError?: BusErrorHandler;
  /** In-memory bus only: check that every payload is JSON-serialisable (MemoryBusOptions.checkPayloads). Default off. */
  checkPayloads?: boolean;
  /** Jobs one durable queue may hold before enqueue rejects (both buses). */
  maxQueueJobs?: number;
  /** In-memory bus only: messages one subscriber may fall behind before new ones are dropped. */
  maxPendingMessages?: number;
}

export async function openBus(config: OpenBusConfig): Promise<Bus> {
  if (!config.natsUrl) return new MemoryBus({
      onError: config.onError,
      checkPayloads: config.checkPayloads ?? false,
      broker: new MemoryBroker({ maxQueueJobs: config.maxQueueJobs, maxPendingMessages: config.maxPendingMessages }),
    });
  const { NatsBus } = await import('./nats.ts');
  return NatsBus.connect({
    servers: config.natsUrl,
    name: `accord-${config.nodeId}`,
    streamPrefix: config.streamPrefix,
    onError: config.onError,
    maxQueueJobs: config.maxQueueJobs,
  });
}
