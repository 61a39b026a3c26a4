/**
 * Logging: pino, one JSON line per event carrying the process's node id; pretty output when stdout is a
 * terminal. Library code receives a logger and emits; only main.ts decides the level and destination.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; nodeId: string; pretty?: boolean }): Logger {
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  return pino({
    level: opts.level,
    base: { node: opts.nodeId },
    transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
  });
}

/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = pino({ level: 'silent' });
