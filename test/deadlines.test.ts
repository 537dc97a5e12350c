import { describe, expect, it } from 'vitest';
import type { OutboundRequest } from '../src/core/actors.js';
import { Deadlines } from '../src/core/deadlines.js';
import type { Reporter } from '../src/core/reporting.js';
import { steppingClock } from './support/clock.js';

/**
 * The deadlines of the requests in flight, on their own: requests that are plain objects, a
 * reporter that records each timeout and takes the request out of flight, and a clock that shows
 * its pending timers. Times are read from the moment the deadlines were made.
 */

const START = 1_000_000;

function harness() {
  const clock = steppingClock(START);
  let reads = 0;
  const counted = {
    now: () => {
      reads++;
      return clock.now();
    },
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
  };
  const inFlight = new Set<OutboundRequest>();
  const timedOut: string[] = [];
  const names = new Map<OutboundRequest, string>();
  const drive = (req: OutboundRequest, event: { type: string; kind?: string }) => {
    timedOut.push(`${names.get(req)}:${event.kind}@${clock.now() - START}`);
    inFlight.delete(req);
    deadlines.settled();
  };
  const deadlines = new Deadlines(counted, inFlight, {
    drive: drive as Pick<Reporter, 'drive'>['drive'],
  });
  return {
    clock,
    deadlines,
    timedOut,
    get reads() {
      return reads;
    },
    /** When the pending timers fall due, on the deadlines' scale. */
    get due() {
      return clock.dueTimes.map((t) => t - START);
    },
    /** Puts a request in flight and starts its deadlines. */
    send(name: string, timeout: number, maxTotalTimeout = Infinity): OutboundRequest {
      const req = {
        policy: { timeout, maxTotalTimeout, resetTimeoutOnProgress: false },
        idleDeadline: undefined,
        totalDeadline: undefined,
      } as unknown as OutboundRequest;
      names.set(req, name);
      inFlight.add(req);
      deadlines.start(req);
      return req;
    },
    /** The request's answer arrived: it leaves the flight. */
    answer(req: OutboundRequest): void {
      inFlight.delete(req);
      deadlines.settled();
    },
  };
}

describe('Deadlines: starting a request', () => {
  it('times a request out at its idle deadline and leaves no timer behind', () => {
    const h = harness();
    h.send('a', 100);
    expect(h.due).toEqual([100]);
    h.clock.advance(99);
    expect(h.timedOut).toEqual([]);
    h.clock.advance(1);
    expect(h.timedOut).toEqual(['a:idle@100']);
    expect({ pending: h.clock.pending, armed: h.deadlines.armed }).toEqual({
      pending: 0,
      armed: false,
    });
  });

  it('times a request with a timeout of 0 out at once', () => {
    const h = harness();
    h.send('a', 0);
    expect(h.due).toEqual([0]);
    h.clock.advance(0);
    expect({ timedOut: h.timedOut, pending: h.clock.pending }).toEqual({
      timedOut: ['a:idle@0'],
      pending: 0,
    });
  });

  it('costs a request with no deadline neither a clock read nor a timer', () => {
    const h = harness();
    const readsBefore = h.reads;
    const req = h.send('a', Infinity, Infinity);
    expect({
      reads: h.reads - readsBefore,
      timersSet: h.clock.timersSet,
      idle: req.idleDeadline,
      total: req.totalDeadline,
    }).toEqual({ reads: 0, timersSet: 0, idle: undefined, total: undefined });
    h.clock.advance(1e9);
    expect(h.timedOut).toEqual([]);
  });

  it('with timeout Infinity and a finite maxTotalTimeout, keeps the total deadline alone', () => {
    const h = harness();
    const req = h.send('a', Infinity, 100);
    expect(req.idleDeadline).toBeUndefined();
    expect(req.totalDeadline).toBe(100);
    h.clock.advance(50);
    h.deadlines.restartIdle(req);
    expect(req.idleDeadline).toBeUndefined();
    h.clock.advance(49);
    expect(h.timedOut).toEqual([]);
    h.clock.advance(1);
    expect(h.timedOut).toEqual(['a:total@100']);
  });

  it('with a finite timeout and maxTotalTimeout Infinity, keeps the idle deadline alone', () => {
    const h = harness();
    const req = h.send('a', 100, Infinity);
    expect({ idle: req.idleDeadline, total: req.totalDeadline }).toEqual({
      idle: 100,
      total: undefined,
    });
  });

  it("keeps deadlines in ms since the deadlines were made, not on the clock's own scale", () => {
    const h = harness();
    h.clock.advance(50);
    const req = h.send('a', 100, 300);
    expect({ idle: req.idleDeadline, total: req.totalDeadline }).toEqual({ idle: 150, total: 350 });
  });

  it('reports an idle timeout when the idle and total deadlines fall together', () => {
    const h = harness();
    h.send('a', 100, 100);
    h.clock.advance(100);
    expect(h.timedOut).toEqual(['a:idle@100']);
  });

  it('restarting the idle deadline moves it on; the timer catches up at its scan', () => {
    const h = harness();
    const req = h.send('a', 100);
    h.clock.advance(60);
    h.deadlines.restartIdle(req);
    expect(req.idleDeadline).toBe(160);
    expect(h.due).toEqual([100]);
    h.clock.advance(40);
    expect({ timedOut: h.timedOut, due: h.due }).toEqual({ timedOut: [], due: [160] });
    h.clock.advance(60);
    expect(h.timedOut).toEqual(['a:idle@160']);
  });
});

describe('Deadlines: one timer for every request', () => {
  it('requests with the same deadline share one timer', () => {
    const h = harness();
    h.send('a', 100);
    h.send('b', 100);
    expect({ timersSet: h.clock.timersSet, due: h.due }).toEqual({ timersSet: 1, due: [100] });
    h.clock.advance(100);
    expect(h.timedOut).toEqual(['a:idle@100', 'b:idle@100']);
  });

  it('a later deadline leaves the timer; an earlier one replaces it, clearing the old one', () => {
    const h = harness();
    h.send('a', 200);
    h.send('b', 300);
    expect({ timersSet: h.clock.timersSet, due: h.due }).toEqual({ timersSet: 1, due: [200] });
    h.send('c', 100);
    expect({ timersSet: h.clock.timersSet, due: h.due, strays: h.clock.strayClears }).toEqual({
      timersSet: 2,
      due: [100],
      strays: 0,
    });
  });

  it.each([
    ['ascending', [100, 200, 300, 400]],
    ['descending', [400, 300, 200, 100]],
    ['mixed', [300, 100, 400, 150, 200]],
  ])('after each scan, arms the earliest deadline left (%s order)', (_order, timeouts) => {
    const h = harness();
    timeouts.forEach((t) => h.send(`t${t}`, t));
    const sorted = [...timeouts].sort((a, b) => a - b);
    for (const t of sorted) {
      expect(h.due).toEqual([t]);
      h.clock.advance(t - (h.clock.now() - START));
      expect(h.timedOut.at(-1)).toBe(`t${t}:idle@${t}`);
    }
    expect({ count: h.timedOut.length, pending: h.clock.pending }).toEqual({
      count: timeouts.length,
      pending: 0,
    });
  });

  it('scans at least 1 ms apart, reporting then the deadline that fell first', () => {
    const h = harness();
    h.send('a', 10);
    h.send('b', 10.7, 10.5);
    h.clock.advance(10);
    expect({ timedOut: h.timedOut, due: h.due }).toEqual({ timedOut: ['a:idle@10'], due: [11] });
    h.clock.advance(0.9);
    expect(h.timedOut).toEqual(['a:idle@10']);
    h.clock.advance(0.1);
    expect(h.timedOut).toEqual(['a:idle@10', 'b:total@11']);
  });
});

describe('Deadlines: settling', () => {
  it('keeps the timer while a request is in flight, and clears it with the last answer', () => {
    const h = harness();
    const a = h.send('a', 100);
    const b = h.send('b', 200);
    h.answer(a);
    expect({ pending: h.clock.pending, due: h.due }).toEqual({ pending: 1, due: [100] });
    h.clock.advance(100);
    expect({ timedOut: h.timedOut, due: h.due }).toEqual({ timedOut: [], due: [200] });
    h.answer(b);
    expect({
      pending: h.clock.pending,
      armed: h.deadlines.armed,
      strays: h.clock.strayClears,
    }).toEqual({ pending: 0, armed: false, strays: 0 });
  });

  it('clears no timer it never set', () => {
    const h = harness();
    const a = h.send('a', Infinity);
    h.answer(a);
    h.deadlines.disarm();
    h.deadlines.hold(true);
    h.deadlines.hold(false);
    expect({ strays: h.clock.strayClears, timersSet: h.clock.timersSet }).toEqual({
      strays: 0,
      timersSet: 0,
    });
  });

  it('disarm() clears the pending timer', () => {
    const h = harness();
    h.send('a', 100);
    h.deadlines.disarm();
    expect({ pending: h.clock.pending, strays: h.clock.strayClears }).toEqual({
      pending: 0,
      strays: 0,
    });
    h.clock.advance(1000);
    expect(h.timedOut).toEqual([]);
  });
});

describe('Deadlines: holds', () => {
  it('while held, nothing times out and no timer is armed; released, every deadline moves on by the time held', () => {
    const h = harness();
    const a = h.send('a', 100);
    const c = h.send('c', Infinity, 120);
    h.clock.advance(20);
    h.deadlines.hold(true);
    expect(h.clock.pending).toBe(0);
    h.clock.advance(10);
    const b = h.send('b', 50, 60);
    expect({ pending: h.clock.pending, timersSet: h.clock.timersSet }).toEqual({
      pending: 0,
      timersSet: 1,
    });
    h.clock.advance(1000);
    expect(h.timedOut).toEqual([]);
    h.deadlines.hold(false);
    // Held from 20 to 1030: 1010 ms.
    expect([a, b, c].map((r) => [r.idleDeadline, r.totalDeadline])).toEqual([
      [1110, undefined],
      [1090, 1100],
      [undefined, 1130],
    ]);
    expect(h.due).toEqual([1090]);
    h.clock.advance(200);
    expect(h.timedOut).toEqual(['b:idle@1090', 'a:idle@1110', 'c:total@1130']);
  });

  it.each([
    ['ascending', [100, 200, 300]],
    ['descending', [300, 200, 100]],
    ['mixed', [200, 100, 300]],
  ])('released, arms the earliest deadline (%s order)', (_order, timeouts) => {
    const h = harness();
    timeouts.forEach((t) => h.send(`t${t}`, t));
    h.deadlines.hold(true);
    h.clock.advance(50);
    h.deadlines.hold(false);
    expect(h.due).toEqual([150]);
    h.clock.advance(300);
    expect(h.timedOut).toEqual(['t100:idle@150', 't200:idle@250', 't300:idle@350']);
  });

  it('the time left stands still while held', () => {
    const h = harness();
    const req = h.send('a', 100);
    h.clock.advance(30);
    expect(h.deadlines.timeLeft(req)).toBe(70);
    h.deadlines.hold(true);
    h.clock.advance(40);
    expect(h.deadlines.timeLeft(req)).toBe(70);
    h.deadlines.hold(false);
    expect(h.deadlines.timeLeft(req)).toBe(70);
    h.clock.advance(10);
    expect(h.deadlines.timeLeft(req)).toBe(60);
  });

  it('gives no time left for no request, and Infinity for a request without deadlines', () => {
    const h = harness();
    const req = h.send('a', Infinity);
    expect([h.deadlines.timeLeft(undefined), h.deadlines.timeLeft(req)]).toEqual([0, Infinity]);
  });

  it('holds nest: the deadlines move on only when the last hold is released', () => {
    const h = harness();
    const req = h.send('a', 100);
    h.deadlines.hold(true);
    h.deadlines.hold(true);
    h.clock.advance(50);
    h.deadlines.hold(false);
    expect({ pending: h.clock.pending, idle: req.idleDeadline }).toEqual({ pending: 0, idle: 100 });
    h.clock.advance(50);
    h.deadlines.hold(false);
    expect({ due: h.due, idle: req.idleDeadline }).toEqual({ due: [200], idle: 200 });
  });

  it('a release without a hold (the transport stopped) moves nothing', () => {
    const h = harness();
    const req = h.send('a', 100);
    h.clock.advance(50);
    h.deadlines.hold(false);
    expect({ idle: req.idleDeadline, due: h.due }).toEqual({ idle: 100, due: [100] });
    // A hold after it still holds.
    h.deadlines.hold(true);
    h.clock.advance(100);
    expect({ timedOut: h.timedOut, pending: h.clock.pending }).toEqual({
      timedOut: [],
      pending: 0,
    });
    h.deadlines.hold(false);
    h.clock.advance(50);
    expect(h.timedOut).toEqual(['a:idle@200']);
  });
});
