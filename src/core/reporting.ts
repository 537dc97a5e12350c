import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { DispatcherActor, LightActor } from './actors.js';
import {
  emitInspection,
  step,
  type BoundState,
  type InspectionSink,
  type LiteActorRef,
} from './compiled-machine.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import { reasonText } from '../errors/errors.js';

/**
 * What a dispatcher tells the world about itself: its diagnostics, to every listener and to the
 * inspector; the inspection of its actors (each one started, each step, each message written);
 * and the user callbacks it runs, whose throws become diagnostics. Every actor of a dispatcher is
 * stepped through `Reporter.drive`, which costs one `step` when nobody inspects.
 */

/** Receives a diagnostic. */
export type DiagnosticListener = (diagnostic: Diagnostic) => void | Promise<void>;

/** One dispatcher's reporting, attributed to its own actor (`self`). */
export class Reporter {
  readonly #self: DispatcherActor;
  readonly #listeners = new Set<DiagnosticListener>();
  #inspector: Inspector | undefined;

  constructor(self: DispatcherActor, onDiagnostic: DiagnosticListener | undefined) {
    this.#self = self;
    // Stryker disable next-line ConditionalExpression: an undefined listener would only throw a TypeError in report(), which swallows it
    if (onDiagnostic !== undefined) this.#listeners.add(onDiagnostic);
  }

  /** Reports to `sink` from now on (or stops, for `undefined`), the dispatcher as a child of `parent`. */
  inspect(sink: InspectionSink | undefined, parent: AnyActorRef | undefined): void {
    this.#inspector = sink === undefined ? undefined : new Inspector(sink);
    if (this.#inspector === undefined) return;
    this.#self._parent = parent as unknown as LiteActorRef | undefined;
    this.#inspector.actor(this.#self);
  }

  /** Makes a new actor a child of the dispatcher, announced to the inspector when there is one. */
  adopt(actor: LightActor): void {
    if (this.#inspector === undefined) return;
    actor._parent = this.#self;
    this.#inspector.actor(actor);
  }

  /** Steps one of the dispatcher's actors, reporting the event and the new snapshot when inspected. */
  drive<A extends LightActor & { state: BoundState<A, E> }, E extends { type: string }>(
    actor: A & { state: BoundState<A, E> },
    event: NoInfer<E>,
  ): void {
    const inspector = this.#inspector;
    if (inspector === undefined) {
      step(actor, event);
      return;
    }
    inspector.event(actor, event);
    step(actor, event);
    inspector.snapshot(actor, event);
  }

  /** A message written to the transport by `actor` (a request, or the dispatcher itself). */
  wrote(actor: LightActor, message: unknown): void {
    this.#inspector?.write(actor, message);
  }

  /** A message the dispatcher itself wrote (a response, a cancellation, a notification). */
  wroteSelf(message: unknown): void {
    this.#inspector?.write(this.#self, message);
  }

  onDiagnostic(listener: DiagnosticListener): () => boolean {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reports a diagnostic to the inspector and to every listener; a listener's throw is swallowed. */
  report(diagnostic: Diagnostic): void {
    this.#inspector?.diagnostic(this.#self, diagnostic);
    for (const listener of this.#listeners) {
      try {
        const result = listener(diagnostic);
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // A diagnostic listener that throws has nowhere left to report to.
      }
    }
  }

  /** Reports a diagnostic found by the dispatcher; builds nothing when nobody listens. */
  diagnose(code: DiagnosticCode, message: string, payload?: unknown): void {
    // Stryker disable next-line ConditionalExpression: with no listener and no inspector report() reaches no one; the return only skips building the diagnostic
    if (this.#listeners.size === 0 && this.#inspector === undefined) return;
    this.report(payload === undefined ? { code, message } : { code, message, payload });
  }

  /** Runs a user callback; a throw becomes a `CALLBACK_FAILED` diagnostic naming `what`. */
  callback(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.diagnose('CALLBACK_FAILED', `The ${what} threw: ${reasonText(error)}`, error);
    }
  }
}

/**
 * Reports light actors to an XState inspection observer in the shape XState's own actors use:
 * `@xstate.actor` when one starts, `@xstate.event` and `@xstate.snapshot` around each step.
 */
class Inspector {
  readonly #sink: InspectionSink;
  constructor(sink: InspectionSink) {
    this.#sink = sink;
  }

  actor(actor: LightActor): void {
    const sink = this.#sink;
    const actorRef = actor as unknown as AnyActorRef;
    emitInspection(sink, { type: '@xstate.actor', actorRef, rootId: sink.rootId });
    emitInspection(sink, {
      type: '@xstate.snapshot',
      actorRef,
      event: { type: 'xstate.init' },
      snapshot: actor.getSnapshot() as unknown as InspectionSnapshot,
      rootId: sink.rootId,
    });
  }

  event(actor: LightActor, event: { type: string }): void {
    const sink = this.#sink;
    emitInspection(sink, {
      type: '@xstate.event',
      sourceRef: actor._parent as unknown as AnyActorRef | undefined,
      actorRef: actor as unknown as AnyActorRef,
      event,
      rootId: sink.rootId,
    });
  }

  /**
   * A message written to the transport, as the `write` action of the actor that wrote it (a
   * request, or the dispatcher for notifications and responses), with the message as its params.
   */
  write(actor: LightActor, message: unknown): void {
    const sink = this.#sink;
    emitInspection(sink, {
      type: '@xstate.action',
      actorRef: actor as unknown as AnyActorRef,
      action: { type: 'write', params: { message } },
      rootId: sink.rootId,
    });
  }

  /**
   * A diagnostic, as a `diagnostic` action of the actor that found it (the dispatcher), with the
   * diagnostic as its params.
   */
  diagnostic(actor: LightActor, diagnostic: unknown): void {
    const sink = this.#sink;
    emitInspection(sink, {
      type: '@xstate.action',
      actorRef: actor as unknown as AnyActorRef,
      action: { type: 'diagnostic', params: { diagnostic } },
      rootId: sink.rootId,
    });
  }

  snapshot(actor: LightActor, event: { type: string }): void {
    const sink = this.#sink;
    emitInspection(sink, {
      type: '@xstate.snapshot',
      actorRef: actor as unknown as AnyActorRef,
      event,
      snapshot: actor.getSnapshot() as unknown as InspectionSnapshot,
      rootId: sink.rootId,
    });
  }
}

type InspectionSnapshot = Extract<InspectionEvent, { type: '@xstate.snapshot' }>['snapshot'];
