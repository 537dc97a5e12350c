/**
 * Messages the client writes, in each revision, are valid for that revision's official schema
 * (ajv, formats asserted) as a `JSONRPCMessage` and as their specific type, and parse with our
 * zod schemas of the same types and with the method table entry of their method.
 */
import { describe, expect, it } from 'vitest';
import { REVISIONS } from '../src/protocol/revisions.js';
import { schemasFor } from '../src/protocol/schemas/index.js';
import { clientMessages } from './support/client-messages.js';
import { oracle } from './support/spec.js';

describe.each(REVISIONS)('%s', (revision) => {
  const messages = clientMessages(revision);
  const official = oracle(revision);
  const schemas = schemasFor(revision);
  const zod = (type: string) => {
    const schema = schemas.types[type];
    if (!schema) throw new Error(`${revision} has no zod schema ${type}`);
    return schema;
  };

  it('covers the methods the client sends in this revision', () => {
    const requests = new Set(
      messages.filter((m) => m.table === 'clientRequests').map((m) => m.method),
    );
    expect([...requests].sort()).toEqual(
      Object.keys(schemas.clientRequests)
        .sort()
        .filter((method) => !method.startsWith('tasks/')),
    );
    const notifications = new Set(
      messages.filter((m) => m.table === 'clientNotifications').map((m) => m.method),
    );
    expect([...notifications].sort()).toEqual(
      Object.keys(schemas.clientNotifications)
        .filter((method) => method !== 'notifications/tasks/status')
        .sort(),
    );
  });

  it.each(messages.map((m) => [m.label, m] as const))('%s', (_label, m) => {
    for (const type of ['JSONRPCMessage', m.type]) {
      const validate = official.validator(type);
      expect(validate(m.message), `${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const parsed = zod(type).safeParse(m.message);
      expect(parsed.success, `${type}: ${parsed.error?.message}`).toBe(true);
    }
    const union =
      m.table === 'serverRequests'
        ? 'ClientResult'
        : m.table === 'clientNotifications'
          ? 'ClientNotification'
          : 'ClientRequest';
    const body = m.table === 'serverRequests' ? m.message['result'] : m.message;
    expect(official.validate(union, body)).toBe(true);
    expect(zod(union).safeParse(body).success).toBe(true);

    if (m.resultType) {
      expect(official.validate(m.resultType, m.message['result'])).toBe(true);
      const parsed = zod(m.resultType).safeParse(m.message['result']);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(m.message['result']);
    }
    if (m.table && m.method) {
      const entry = schemas[m.table][m.method];
      if (!entry) throw new Error(`${m.method} missing from ${m.table}`);
      if (m.table === 'serverRequests') {
        expect(entry.result?.safeParse(m.message['result']).data).toEqual(m.message['result']);
      } else {
        const parsed = entry.params.safeParse(m.message['params']);
        expect(parsed.success, parsed.error?.message).toBe(true);
        // Nothing the client wrote is lost by its own revision's schema.
        expect(parsed.data).toEqual(m.message['params']);
      }
    }
  });
});
