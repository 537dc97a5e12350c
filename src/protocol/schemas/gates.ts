/**
 * Revision gates and the small helpers every schema module uses: each definition is written
 * once and asks the gates whether a field, a variant or a whole type exists in the revision
 * being built.
 *
 * Static types describe what a value may hold in any revision: `fields()` adds keys to the static
 * type as they are (they exist in the newest revision), `legacyFields()` adds them as optional
 * keys (fields a later revision removed, so absent there), and `newer()` picks between two
 * variants while typing the result as the newer one (used where every older value is also a value
 * of the newer type). The named types of `../types.ts` document which revisions have each member.
 */
import type * as z from './zod.js';
import type { Revision } from '../revisions.js';

export interface Gates {
  readonly revision: Revision;
  /** The revision is `from` or later. */
  since(from: Revision): boolean;
  /** The revision is exactly `rev`. */
  is(rev: Revision): boolean;
}

export function gatesFor(revision: Revision): Gates {
  return {
    revision,
    since: (from) => revision >= from,
    is: (rev) => revision === rev,
  };
}

type Shape = Readonly<Record<string, z.ZodMiniType>>;

/** Keys that exist only when `present`; statically always there (they exist in the newest revision). */
export function fields<S extends Shape>(present: boolean, shape: () => S): S {
  return present ? shape() : ({} as S);
}

/** `S` with each member optional, as zod schemas. */
export type OptionalShape<S extends Shape> = {
  readonly [K in keyof S]: S[K] extends z.ZodMiniOptional ? S[K] : z.ZodMiniOptional<S[K]>;
};

/**
 * Keys of older revisions only (removed later): present at run time where `present`, and optional
 * in the static type (a value of the newest revision has none).
 */
export function legacyFields<S extends Shape>(present: boolean, shape: () => S): OptionalShape<S> {
  return (present ? shape() : {}) as OptionalShape<S>;
}

/** `newest()` when `useNewest`, else `older()`; statically typed as the newest variant. */
export function newer<N extends z.ZodMiniType>(
  useNewest: boolean,
  newest: () => N,
  older: () => z.ZodMiniType,
): N {
  return useNewest ? newest() : (older() as N);
}

/** A schema that exists only when `present`. */
export function only<T>(present: boolean, make: () => T): T | undefined {
  return present ? make() : undefined;
}

/** A schema the caller knows exists in this revision (a bug in the gates otherwise). */
export function must<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`schema ${name} does not exist in this revision`);
  return value;
}

/**
 * Members of a union that vary per revision: entries are `false` where absent. Statically typed
 * as the full tuple (the newest revision's members).
 */
export function gated<const T extends readonly unknown[]>(items: {
  readonly [K in keyof T]: T[K] | false | undefined;
}): T {
  return items.filter((item) => item !== false && item !== undefined) as unknown as T;
}

/** Collects the official type names of one revision (`definitions` / `$defs` keys). */
export class Registry {
  readonly types: Record<string, z.ZodMiniType> = Object.create(null) as Record<
    string,
    z.ZodMiniType
  >;

  /** Registers `schema` under an official name (skipped when the schema does not exist). */
  def<T extends z.ZodMiniType | undefined>(name: string, schema: T): T {
    if (schema !== undefined) {
      if (name in this.types) throw new Error(`schema ${name} defined twice`);
      this.types[name] = schema;
    }
    return schema;
  }

  /** Registers `schema` only when the revision names it (the shape may exist inline earlier). */
  defIf<T extends z.ZodMiniType>(named: boolean, name: string, schema: T): T {
    if (named) this.def(name, schema);
    return schema;
  }
}
