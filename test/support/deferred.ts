/** A promise and the function that resolves it: a test settles it when it chooses. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

/** A promise a test resolves itself (an answer held back, a step to wait for). */
export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What a send failed with; undefined if it did not. */
export function failure(sent: void | Promise<void>): Promise<unknown> {
  return Promise.resolve(sent).then(
    () => undefined,
    (e: unknown) => e,
  );
}
