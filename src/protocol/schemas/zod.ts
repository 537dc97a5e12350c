/**
 * zod as the schemas use it: `zod/mini`, zod's functional build, whose schemas carry no methods
 * (JSON Schema output, chaining) that a bundler would have to keep; with two differences:
 *
 * - Objects parse with zod's compiled object parser (`$ZodObjectJIT`), as the full build's objects
 *   do, not with mini's interpreted one: a result is parsed on every call's path, and the
 *   interpreted parser took about 2.5× the time on a `tools/call` result. Where code generation is
 *   not allowed (a page whose Content-Security-Policy lacks `'unsafe-eval'`), zod falls back to
 *   interpreting by itself.
 * - `setDefaults()` sets what the full build sets on its first schema: English messages (the
 *   issues' texts reach `InvalidResultError`) and the memoizer that parses a value with reference
 *   cycles, where the application has not set its own.
 *
 * Every schema module imports zod as `import * as z from './zod.js'`.
 */
import en from 'zod/v4/locales/en.js';
import * as mini from 'zod/mini';
import { $constructor, $ZodObjectJIT } from 'zod/v4/core';

export * from 'zod/mini';

/** The two initialisers an object is made of, typed as plain calls. */
interface Trait {
  init(inst: mini.ZodMiniObject, def: mini.ZodMiniObject['_zod']['def']): void;
}
const compiledObject: Trait = $ZodObjectJIT;
const miniObject: Trait = mini.ZodMiniObject;

/** Mini's object, parsed by the compiled parser (initialised first, so its `parse` is kept). */
const ZodMiniObjectJIT = /* @__PURE__ */ $constructor<mini.ZodMiniObject>(
  'ZodMiniObjectJIT',
  (inst, def) => {
    compiledObject.init(inst, def);
    miniObject.init(inst, def);
  },
);

/** `z.object`: unknown members are stripped. */
export const object: typeof mini.object = (shape) =>
  new ZodMiniObjectJIT({ type: 'object', shape: shape ?? {} }) as never;

/** `z.looseObject`: unknown members are kept. */
export const looseObject: typeof mini.looseObject = (shape) =>
  new ZodMiniObjectJIT({ type: 'object', shape, catchall: mini.unknown() }) as never;

/** zod's defaults, for the schemas built after it (see the module's comment). */
export function setDefaults(): void {
  const config = mini.config();
  if (!config.localeError) mini.config(en());
  if (!config.memoizer) mini.config({ memoizer: mini.memoizer() });
}
