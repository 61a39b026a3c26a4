/**
 * Retained logs of the in-memory bus (what a JetStream stream with limits retention holds): entries in publish
 * order, pruned by age, total bytes (their JSON size) and count per subject.
 */
import { assertPattern, subjectMatches } from './subjects.ts';
import type { LogEntry, ReadLogOptions, RetainOptions } from './types.ts';

interface Stored extends LogEntry {
  bytes: number;
}

export class MemoryLog {
  entries: Stored[] = [];
  bytes = 0;

  constructor(
    public opts: RetainOptions,
    private readonly now: () => number,
  ) {}

  captures(subject: string): boolean {
    return this.opts.subjects.some((p) => subjectMatches(p, subject));
  }

  store(subject: string, payload: unknown): void {
    const bytes = payload === undefined ? 0 : JSON.stringify(payload)?.length ?? 0;
    this.entries.push({ subject, payload, at: this.now(), bytes });
    this.bytes += bytes;
    const perSubject = this.opts.maxMsgsPerSubject;
    if (perSubject !== undefined && perSubject > 0) {
      let n = 0;
      for (const e of this.entries) if (e.subject === subject) n++;
      if (n > perSubject) {
        const i = this.entries.findIndex((e) => e.subject === subject);
        this.bytes -= this.entries[i].bytes;
        this.entries.splice(i, 1);
      }
    }
    this.prune();
  }

  prune(): void {
    const oldest = this.now() - this.opts.maxAgeMs;
    let drop = 0;
    let bytes = this.bytes;
    while (drop < this.entries.length && (this.entries[drop].at < oldest || bytes > this.opts.maxBytes)) bytes -= this.entries[drop++].bytes;
    if (drop) {
      this.entries = this.entries.slice(drop);
      this.bytes = bytes;
    }
  }

  read(opts: ReadLogOptions): LogEntry[] {
    for (const s of opts.subjects) assertPattern(s);
    this.prune();
    const since = opts.sinceMs ?? 0;
    return this.entries
      .filter((e) => e.at >= since && opts.subjects.some((p) => subjectMatches(p, e.subject)))
      .map(({ subject, payload, at }) => ({ subject, payload, at }));
  }
}
