import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusNoRespondersError, BusRemoteError, BusTimeoutError, type Bus } from '../../src/bus/types.ts';
import { RoleClient, RoleUnavailableError } from '../../src/contracts/role-client.ts';

/** A bus whose request outcome the test decides; everything else is unused. */
function fakeBus() {
  const calls: Array<{ subject: string; timeoutMs: number }> = [];
  let next: () => Promise<unknown> = async () => ({ ok: true });
  const bus = {
    kind: 'memory',
    request: (subject: string, _payload: unknown, opts: { timeoutMs: number }) => {
      calls.push({ subject, timeoutMs: opts.timeoutMs });
      return next();
    },
  } as unknown as Bus;
  return {
    bus,
    calls,
    answer: (v: unknown = { ok: true }) => (next = async () => v),
    timeout: () => (next = async () => Promise.reject(new BusTimeoutError('x', 10))),
    noResponders: () => (next = async () => Promise.reject(new BusNoRespondersError('x'))),
    remote: () => (next = async () => Promise.reject(new BusRemoteError('x', 'boom'))),
  };
}

function setup(opts: { jitter?: number; random?: number } = {}) {
  const clock = { t: 1_000 };
  const f = fakeBus();
  const client = new RoleClient({
    bus: f.bus,
    role: 'presence',
    timeoutMs: 50,
    failureThreshold: 3,
    backoffInitialMs: 1000,
    backoffMaxMs: 4000,
    jitter: opts.jitter ?? 0,
    now: () => clock.t,
    random: () => opts.random ?? 0.5,
  });
  return { clock, f, client };
}

describe('RoleClient', () => {
  it('passes requests through with the default timeout, or the one given', async () => {
    const { f, client } = setup();
    assert.deepEqual(await client.request('presence.query', {}), { ok: true });
    await client.request('presence.query', {}, { timeoutMs: 7 });
    assert.deepEqual(f.calls.map((c) => c.timeoutMs), [50, 7]);
    assert.equal(client.state(), 'closed');
  });

  it('opens after N consecutive failures and then fails fast without touching the bus', async () => {
    const { f, client } = setup();
    f.timeout();
    for (let i = 0; i < 2; i++) await assert.rejects(client.request('presence.query', {}), BusTimeoutError);
    assert.equal(client.state(), 'closed');
    f.noResponders();
    await assert.rejects(client.request('presence.query', {}), BusNoRespondersError);
    assert.equal(client.state(), 'open');
    const before = f.calls.length;
    const err: any = await client.request('presence.query', {}).catch((e) => e);
    assert.ok(err instanceof RoleUnavailableError);
    assert.equal(err.role, 'presence');
    assert.equal(err.retryInMs, 1000);
    assert.equal(f.calls.length, before);
  });

  it('a success in between resets the failure count', async () => {
    const { f, client } = setup();
    f.timeout();
    await assert.rejects(client.request('presence.query', {}));
    await assert.rejects(client.request('presence.query', {}));
    f.answer();
    await client.request('presence.query', {});
    f.timeout();
    await assert.rejects(client.request('presence.query', {}));
    await assert.rejects(client.request('presence.query', {}));
    assert.equal(client.state(), 'closed');
  });

  it('a remote error means the role is up: it does not count', async () => {
    const { f, client } = setup();
    f.remote();
    for (let i = 0; i < 5; i++) await assert.rejects(client.request('presence.query', {}), BusRemoteError);
    assert.equal(client.state(), 'closed');
  });

  it('half-opens after the backoff, lets one probe through, and closes on success', async () => {
    const { clock, f, client } = setup();
    f.timeout();
    for (let i = 0; i < 3; i++) await assert.rejects(client.request('presence.query', {}));
    clock.t += 999;
    await assert.rejects(client.request('presence.query', {}), RoleUnavailableError);
    clock.t += 1;
    assert.equal(client.state(), 'half-open');
    f.answer();
    // The probe is the one call in flight: a concurrent call fails fast.
    const probe = client.request('presence.query', {});
    await assert.rejects(client.request('presence.query', {}), RoleUnavailableError);
    assert.deepEqual(await probe, { ok: true });
    assert.equal(client.state(), 'closed');
  });

  it('a failed probe reopens with a doubled period, capped', async () => {
    const { clock, f, client } = setup();
    f.timeout();
    for (let i = 0; i < 3; i++) await assert.rejects(client.request('presence.query', {}));
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      const err: any = await client.request('presence.query', {}).catch((e) => e);
      assert.ok(err instanceof RoleUnavailableError);
      periods.push(err.retryInMs);
      clock.t += err.retryInMs;
      await assert.rejects(client.request('presence.query', {}), BusTimeoutError); // the probe
    }
    assert.deepEqual(periods, [1000, 2000, 4000, 4000]);
    // Recovery resets the backoff.
    clock.t += 4000;
    f.answer();
    await client.request('presence.query', {});
    f.timeout();
    for (let i = 0; i < 3; i++) await assert.rejects(client.request('presence.query', {}));
    const err: any = await client.request('presence.query', {}).catch((e) => e);
    assert.equal(err.retryInMs, 1000);
  });

  it('jitters the open period within ±jitter', async () => {
    for (const [random, expected] of [[0, 500], [0.5, 1000], [0.999999, 1500]] as const) {
      const { f, client } = setup({ jitter: 0.5, random });
      f.timeout();
      for (let i = 0; i < 3; i++) await assert.rejects(client.request('presence.query', {}));
      const err: any = await client.request('presence.query', {}).catch((e) => e);
      assert.equal(err.retryInMs, expected);
    }
  });

  it('a call that started before the breaker opened does not extend the open period', async () => {
    const { clock, f, client } = setup();
    let rejectLate!: (e: Error) => void;
    const pending = new Promise<unknown>((_, rej) => (rejectLate = rej));
    const bus = (client as any).bus;
    const orig = bus.request;
    bus.request = () => pending;
    const hanging = client.request('presence.query', {});
    bus.request = orig;
    f.timeout();
    for (let i = 0; i < 3; i++) await assert.rejects(client.request('presence.query', {}));
    const opened = (client as any).openUntil;
    clock.t += 10;
    rejectLate(new BusTimeoutError('s', 50));
    await assert.rejects(hanging);
    assert.equal((client as any).openUntil, opened);
  });
});
