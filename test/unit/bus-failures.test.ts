import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { BusFailures } from '../../src/bus/failures.ts';
import { BUS_FAILURE_KINDS, isBusFailureKind, type BusFailureContext } from '../../src/bus/types.ts';
import { formatPrometheus, type MetricSample } from '../../src/lib/metrics.ts';

function captured() {
  const lines: Array<Record<string, any>> = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, failures: new BusFailures(log) };
}

describe('BusFailures', () => {
  it('has one fixed list of distinct kinds', () => {
    assert.equal(new Set(BUS_FAILURE_KINDS).size, BUS_FAILURE_KINDS.length);
    for (const kind of ['disconnect', 'reconnect', 'slow-consumer', 'subscriber', 'responder', 'dead-letter', 'request-timeout', 'publish']) {
      assert.ok(isBusFailureKind(kind), kind);
    }
    assert.equal(isBusFailureKind('dead letter'), false);
  });

  it('starts every kind at zero, in counts and in metrics', () => {
    const { failures } = captured();
    assert.deepEqual(Object.keys(failures.counts()).sort(), [...BUS_FAILURE_KINDS].sort());
    assert.ok(Object.values(failures.counts()).every((n) => n === 0));
    const samples: MetricSample[] = failures.metrics(); // the bus floor's samples are lib's MetricSample
    assert.deepEqual(samples.map((s) => s.labels?.kind), [...BUS_FAILURE_KINDS]);
    assert.ok(samples.every((s) => s.name === 'bus_failures_total' && s.type === 'counter' && s.value === 0));
    const text = formatPrometheus(samples);
    assert.match(text, /^# TYPE accord_bus_failures_total counter$/m);
    assert.match(text, /^accord_bus_failures_total\{kind="request-timeout"\} 0$/m);
  });

  it('logs each failure once with its fields and counts it: warn, info for a reconnect', () => {
    const { failures, lines } = captured();
    failures.handler(new Error('bug'), { subject: 'a.b', what: 'subscriber' });
    failures.handler(new Error('back'), { what: 'reconnect' });
    failures.handler(new Error('moved'), { queue: 'push', what: 'dead-letter' });
    assert.equal(lines.length, 3);
    assert.equal(lines[0].level, 40);
    assert.equal(lines[0].kind, 'subscriber');
    assert.equal(lines[0].subject, 'a.b');
    assert.equal(lines[0].err.message, 'bug');
    assert.equal(lines[1].level, 30);
    assert.equal(lines[1].kind, 'reconnect');
    assert.equal(lines[2].queue, 'push');
    const counts = failures.counts();
    assert.equal(counts.subscriber, 1);
    assert.equal(counts.reconnect, 1);
    assert.equal(counts['dead-letter'], 1);
    assert.equal(counts.disconnect, 0);
    assert.equal(failures.metrics().find((s) => s.labels?.kind === 'subscriber')?.value, 1);
  });

  it('never throws: not for a broken logger, nor for a kind outside the list', () => {
    const broken = pino({ level: 'trace' }, { write: () => { throw new Error('disk full'); } });
    const failures = new BusFailures(broken);
    assert.doesNotThrow(() => failures.handler(new Error('x'), { what: 'publish' }));
    assert.equal(failures.counts().publish, 1);

    const { failures: f2, lines } = captured();
    assert.doesNotThrow(() => f2.handler(new Error('odd'), { what: 'martian' } as unknown as BusFailureContext));
    assert.doesNotThrow(() => f2.handler('not an error' as unknown as Error, undefined as unknown as BusFailureContext));
    assert.equal(lines.length, 2);
    assert.ok(Object.values(f2.counts()).every((n) => n === 0));
  });
});
