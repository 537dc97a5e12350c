/**
 * The method tables of src/protocol/methods.ts against the official schemas: for each revision,
 * the methods of the `ClientRequest`, `ClientNotification`, `ServerRequest` and `ServerNotification`
 * unions (a union that is a single message type inline counts as that one method; a union the
 * revision does not define has no methods).
 */
import { describe, expect, it } from 'vitest';
import { METHOD_TABLES, type MethodTable } from '../src/protocol/methods.js';
import { REVISIONS } from '../src/protocol/revisions.js';
import { isObject, officialSchema, type JsonObject } from './support/spec.js';

const UNIONS: readonly (readonly [keyof MethodTable, string])[] = [
  ['clientRequests', 'ClientRequest'],
  ['clientNotifications', 'ClientNotification'],
  ['serverRequests', 'ServerRequest'],
  ['serverNotifications', 'ServerNotification'],
];

function methodOf(def: JsonObject, where: string): string {
  const properties = def['properties'];
  const method = isObject(properties) ? properties['method'] : undefined;
  const value = isObject(method) ? method['const'] : undefined;
  if (typeof value !== 'string') throw new Error(`${where} has no method constant`);
  return value;
}

describe.each(REVISIONS)('%s', (revision) => {
  const { defs } = officialSchema(revision);

  const methodsOf = (union: string): string[] => {
    const def = defs[union];
    if (def === undefined) return [];
    const members = def['anyOf'];
    if (!Array.isArray(members)) return [methodOf(def, union)];
    return members.map((member) => {
      const ref = isObject(member) ? member['$ref'] : undefined;
      if (typeof ref !== 'string') throw new Error(`${union}: a member is not a $ref`);
      const name = ref.split('/').at(-1) ?? '';
      const target = defs[name];
      if (target === undefined) throw new Error(`${union}: ${name} is not defined`);
      return methodOf(target, name);
    });
  };

  it.each(UNIONS)('%s are the methods of %s', (key, union) => {
    expect([...METHOD_TABLES[revision][key]].sort()).toEqual(methodsOf(union).sort());
  });
});
