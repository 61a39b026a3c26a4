/**
 * `ACCORD_WORKERS=N`: one `accord start` runs N node processes on this machine, so all of its cores serve.
 *
 * The primary process runs no role. It forks N workers with node:cluster; each worker starts the server as a
 * single start would, and node:cluster shares the listening port between them, handing each new connection
 * (an HTTP keep-alive connection or a gateway WebSocket) to the next worker in turn. The workers meet only on the
 * bus, exactly as nodes on separate machines do, which is why more than one worker needs NATS (config refuses
 * it otherwise). Each worker gets its own node id (`<ACCORD_NODE_ID>-<n>`) and snowflake process id.
 *
 * A worker that exits unasked is forked again after a backoff (1 s, doubling to 30 s; reset once a worker has
 * stayed up for a minute), so a crash costs its sessions a RESUME on another worker, not the service.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/schema.ts';
import type { Logger } from './lib/log.ts';

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export interface WorkerPool {
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Set in a worker's environment: its index among the N. */
export const WORKER_INDEX_ENV = 'ACCORD_WORKER_INDEX';

/**
 * What worker `index` changes in the configuration it loaded (the primary's): its node id and snowflake process id,
 * distinct among the N. Applied as overrides, above flags, so a `--node-id` on the command line cannot give every
 * worker the same name.
 */
export function workerOverrides(config: Pick<Config, 'nodeId' | 'processId'>, index: number): { nodeId: string; processId: number; workers: number } {
  const suffix = `-${index}`;
  return { nodeId: config.nodeId.slice(0, 64 - suffix.length) + suffix, processId: (config.processId + index) % 32, workers: 1 };
}

/**
 * How long a worker slot waits before forking again: RESTART_MIN_MS after the first exit, doubling with each exit
 * that comes soon after its start, up to RESTART_MAX_MS; a worker that stayed up HEALTHY_AFTER_MS starts over.
 */
export class RestartBackoff {
  #startedAt = 0;
  #nextMs = RESTART_MIN_MS;

  started(now: number): void {
    this.#startedAt = now;
  }

  /** The worker exited at `now`: the delay before the next fork. */
  exited(now: number): number {
    if (now - this.#startedAt > HEALTHY_AFTER_MS) this.#nextMs = RESTART_MIN_MS;
    const delay = this.#nextMs;
    this.#nextMs = Math.min(RESTART_MAX_MS, this.#nextMs * 2);
    return delay;
  }
}

export function startWorkers(config: Config, log: Logger): WorkerPool {
  let stopping = false;
  const slots: Array<{ worker: Worker | null; backoff: RestartBackoff; timer?: NodeJS.Timeout }> = [];

  const fork = (index: number) => {
    const slot = slots[index]!;
    slot.timer = undefined;
    if (stopping) return;
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    slot.worker = worker;
    slot.backoff.started(Date.now());
    worker.on('exit', (code, signal) => {
      slot.worker = null;
      if (stopping) return;
      const restartInMs = slot.backoff.exited(Date.now());
      log.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs }, 'worker exited; forking it again');
      slot.timer = setTimeout(() => fork(index), restartInMs);
    });
  };

  for (let i = 0; i < config.workers; i++) {
    slots.push({ worker: null, backoff: new RestartBackoff() });
    fork(i);
  }
  log.info({ workers: config.workers, port: config.port }, `started ${config.workers} workers sharing port ${config.port}`);

  return {
    async stop(signal) {
      stopping = true;
      for (const slot of slots) clearTimeout(slot.timer);
      const live = slots.map((s) => s.worker).filter((w): w is Worker => w !== null && !w.isDead());
      const exited = live.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
      for (const w of live) w.process.kill(signal);
      const timer = setTimeout(() => {
        for (const w of live) if (!w.isDead()) w.process.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      await Promise.all(exited);
      clearTimeout(timer);
    },
  };
}
