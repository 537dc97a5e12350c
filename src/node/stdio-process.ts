import type { ChildProcess } from 'node:child_process';
import { createActor, type Actor } from 'xstate';
import { stdioProcessMachine } from '../../machines/stdio-process.js';
import type { TransportHandlers } from '../wire/transport.js';
import { SystemOwners } from '../core/system-owners.js';
import { ServerExitedError, StdoutClosedError } from './stdio-errors.js';
import { signalGroup, type StderrTail, type StdioServerParameters } from './stdio-spawn.js';

/**
 * A spawned stdio server's life, driven by the `stdioProcessMachine` actor: the machine's actions
 * on the process (close stdin, SIGTERM and SIGKILL to its group), its spawn, exit and closed
 * pipes as the machine's events, and the one report to the session that the connection is over
 * (with a `ServerExitedError` or a `StdoutClosedError` when nobody asked for it).
 */

/** How the process ended: its exit code or signal, or why it could not start. */
interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: unknown;
}

/** The actions of the process machine, run on a process by {@link ServerProcess.act}. */
type ProcessAction =
  'closeStdin' | 'terminateGroup' | 'killGroup' | 'reapAndReport' | 'reportOutputClosed';

/** The process of each process actor's system (see `SystemOwners`). */
const processes = new SystemOwners<ServerProcess>('A process actor ran outside its transport.');
const processOf = (system: object): ServerProcess => processes.of(system);

const act =
  (action: ProcessAction) =>
  ({ system }: { system: object }): void =>
    processOf(system).act(action);

/** The process machine, with its actions on the process of its system and its grace periods. */
const processMachine = stdioProcessMachine.provide({
  actions: {
    closeStdin: act('closeStdin'),
    terminateGroup: act('terminateGroup'),
    killGroup: act('killGroup'),
    reapAndReport: act('reapAndReport'),
    reportOutputClosed: act('reportOutputClosed'),
  },
  delays: {
    stdinGrace: ({ system }) => processOf(system).grace.stdinGrace,
    termGrace: ({ system }) => processOf(system).grace.termGrace,
  },
});

/** The server process, as the process machine sees it. */
export class ServerProcess {
  readonly #proc: ChildProcess;
  readonly #command: string;
  readonly #stderr: StderrTail;
  /** Where the end of the connection is told, once. */
  readonly #handlers: Pick<TransportHandlers, 'closed'>;
  readonly #actor: Actor<typeof stdioProcessMachine>;
  #closeRequested = false;
  #exit: Exit | undefined;
  #streamsClosed = false;
  /** Whether `handlers.closed` was called. */
  #reported = false;
  /** Why the input ended, when it failed (a read or write error) rather than ending. */
  #inputFailure: Error | undefined;
  #finished: () => void = () => {};
  /** Settles once the process has exited and its pipes have closed. */
  readonly done: Promise<void>;

  /** The machine's grace periods for this process, in ms. */
  readonly grace: { readonly stdinGrace: number; readonly termGrace: number };

  /** Starts the process machine on `proc`, whose end is told to `handlers.closed`. */
  constructor(
    proc: ChildProcess,
    params: StdioServerParameters,
    stderr: StderrTail,
    handlers: Pick<TransportHandlers, 'closed'>,
  ) {
    this.#proc = proc;
    this.#command = params.command;
    this.#stderr = stderr;
    this.#handlers = handlers;
    this.done = new Promise<void>((resolve) => {
      this.#finished = resolve;
    });
    this.grace = {
      stdinGrace: params.stdinGraceMs ?? 2_000,
      termGrace: params.termGraceMs ?? 2_000,
    };
    const actor = createActor(processMachine);
    processes.claim(actor.system, this);
    this.#actor = actor;
    actor.start();
    proc.on('exit', (code, signal) => {
      this.#exit ??= { code, signal };
      actor.send({ type: 'exited', code, signal });
    });
    proc.on('close', () => {
      this.#streamsClosed = true;
      this.#report();
    });
  }

  /** The process machine's state. */
  get state(): string {
    return String(this.#actor.getSnapshot().value);
  }

  /**
   * Resolves once the process has spawned, after `started` (which starts reading its pipes);
   * rejects with a {@link ServerExitedError} when it could not start.
   */
  whenSpawned(started: () => void): Promise<void> {
    const proc = this.#proc;
    const actor = this.#actor;
    return new Promise<void>((resolve, reject) => {
      proc.once('spawn', () => {
        actor.send({ type: 'spawned' });
        started();
        resolve();
      });
      proc.once('error', (error) => {
        if (proc.pid !== undefined) return; // errors after spawn come with an exit
        this.#exit = { code: null, signal: null, error };
        this.#streamsClosed = true;
        actor.send({ type: 'spawnFailed', error });
        reject(new ServerExitedError(this.#command, null, null, [], error));
      });
    });
  }

  /**
   * The server's stdout ended (or a pipe failed, `reason`): the process's exit, if it comes now,
   * says why; if not, the machine reports the closed output after its grace.
   */
  outputEnded(reason: Error | undefined): void {
    this.#inputFailure = reason;
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'outputEnded' });
  }

  /**
   * The connection is over while the process runs (its output closed, or its stream lost its
   * framing): the shutdown starts, and the session is told at once, so that nothing pending waits
   * for the process to go.
   */
  fail(reason: Error): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'close' });
    this.#tell(reason);
  }

  /** Asks the process to go (stdin closed, then SIGTERM, then SIGKILL); settles once it has. */
  close(): Promise<void> {
    this.#closeRequested = true;
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'close' });
    return this.done;
  }

  /** Runs one action of the process machine on this process (see {@link processMachine}). */
  act(action: ProcessAction): void {
    const proc = this.#proc;
    switch (action) {
      case 'closeStdin':
        proc.stdin?.end();
        return;
      case 'terminateGroup':
        signalGroup(proc, 'SIGTERM');
        return;
      case 'killGroup':
        signalGroup(proc, 'SIGKILL');
        return;
      case 'reapAndReport':
        // Grandchildren outlive a crashed wrapper unless the group is killed.
        signalGroup(proc, 'SIGKILL');
        this.#report();
        return;
      case 'reportOutputClosed':
        // An exit already waiting to be read still wins: decide after the next poll phase, and
        // only then close stdin (which would make the server exit).
        setImmediate(() => {
          if (this.#exit !== undefined) return;
          this.fail(
            new StdoutClosedError(
              this.#command,
              proc.pid,
              this.#stderr.lines(),
              this.#inputFailure,
            ),
          );
        });
        return;
    }
  }

  /** Tells the session that the connection is over, once. */
  #tell(reason: Error | undefined): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#handlers.closed(reason);
  }

  /** The process exited and its output was read to the end: tells the session (if not told yet) and ends `close()`. */
  #report(): void {
    const exit = this.#exit;
    if (exit === undefined || !this.#streamsClosed) return;
    this.#tell(
      this.#closeRequested && exit.error === undefined
        ? undefined
        : new ServerExitedError(
            this.#command,
            exit.code,
            exit.signal,
            this.#stderr.lines(),
            exit.error,
          ),
    );
    this.#finished();
  }
}
