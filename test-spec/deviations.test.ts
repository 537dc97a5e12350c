/**
 * Where our schemas deliberately differ from (or follow a doubtful detail of) the official JSON
 * Schemas. Each case pins both sides, so a change on either side shows up here.
 */
import { describe, expect, it } from 'vitest';
import { resultSchemaFor, schemasFor } from '../src/protocol/schemas/index.js';
import type { Revision } from '../src/protocol/revisions.js';
import { oracle, type Json } from './support/spec.js';

const zodAccepts = (revision: Revision, type: string, value: Json) =>
  schemasFor(revision).types[type]?.safeParse(value).success;

describe('format keywords are annotations in our schemas', () => {
  it('a relative resource uri: rejected by ajv-formats, accepted by zod', () => {
    const resource = { uri: 'docs/readme.md', name: 'readme' };
    expect(oracle('2025-11-25', true).validate('Resource', resource)).toBe(false);
    expect(oracle('2025-11-25', false).validate('Resource', resource)).toBe(true);
    expect(zodAccepts('2025-11-25', 'Resource', resource)).toBe(true);
  });

  it('non-base64 image data: rejected by ajv-formats, accepted by zod', () => {
    const image = { type: 'image', data: 'not base64!', mimeType: 'image/png' };
    expect(oracle('2026-07-28', true).validate('ImageContent', image)).toBe(false);
    expect(zodAccepts('2026-07-28', 'ImageContent', image)).toBe(true);
  });
});

describe('where schema.json is narrower than schema.ts (see ./support/narrower.ts)', () => {
  it('2026 JSON values may be null or fractional (capability settings), as schema.ts says', () => {
    for (const setting of [{ ratio: 0.5 }, { unset: null }, { list: [0.25, null] }]) {
      const caps = { extensions: { 'com.example/ext': setting } };
      expect(oracle('2026-07-28').validate('ClientCapabilities', caps)).toBe(false);
      expect(zodAccepts('2026-07-28', 'ClientCapabilities', caps)).toBe(true);
    }
    const fine = { extensions: { 'com.example/ext': { level: 2, on: true, tags: ['a'] } } };
    expect(oracle('2026-07-28').validate('ClientCapabilities', fine)).toBe(true);
    expect(zodAccepts('2026-07-28', 'ClientCapabilities', fine)).toBe(true);
  });

  it('numbers are any JSON number where schema.ts says number, however large', () => {
    const result = { resultType: 'complete', tools: [], ttlMs: 2 ** 60, cacheScope: 'public' };
    expect(oracle('2026-07-28').validate('ListToolsResult', result)).toBe(true);
    expect(zodAccepts('2026-07-28', 'ListToolsResult', result)).toBe(true);
  });
});

describe('deliberate differences', () => {
  it('elicitation answers may hold any number, received or sent (schema.ts says number)', () => {
    const answer = { action: 'accept', content: { ratio: 0.5 } };
    for (const revision of ['2025-06-18', '2025-11-25', '2026-07-28'] as const) {
      expect(oracle(revision).validate('ElicitResult', answer)).toBe(false);
      expect(zodAccepts(revision, 'ElicitResult', answer)).toBe(true);
      expect(
        schemasFor(revision).clientAnswers['elicitation/create']?.safeParse(answer).success,
      ).toBe(true);
    }
  });

  it('legacy request params keep the base `_meta` that the generated types omit', () => {
    const request = {
      method: 'sampling/createMessage',
      params: {
        _meta: { progressToken: 'p-1', 'com.example/trace': 'x' },
        messages: [],
        maxTokens: 10,
      },
    };
    expect(oracle('2024-11-05').validate('CreateMessageRequest', request)).toBe(true);
    expect(schemasFor('2024-11-05').types['CreateMessageRequest']?.parse(request)).toEqual(request);
  });

  it('JSON Schema fragments keep every keyword (elicitation property schemas)', () => {
    const property = { type: 'string', pattern: '^[a-z]+$', 'x-ui': { widget: 'text' } };
    expect(oracle('2025-11-25').validate('StringSchema', property)).toBe(true);
    expect(schemasFor('2025-11-25').types['StringSchema']?.parse(property)).toEqual(property);
  });

  it('result unions try the complete result before InputRequiredResult', () => {
    const response = {
      jsonrpc: '2.0',
      id: 1,
      result: { resultType: 'complete', content: [{ type: 'text', text: 'ok' }] },
    };
    expect(oracle('2026-07-28').validate('CallToolResultResponse', response)).toBe(true);
    expect(schemasFor('2026-07-28').types['CallToolResultResponse']?.parse(response)).toEqual(
      response,
    );
  });

  describe('resultSchemaFor (2026) vs the official result types', () => {
    const call = (value: Json) => resultSchemaFor('2026-07-28', 'tools/call')?.safeParse(value);
    it('absent resultType: official rejects, the client reads "complete"', () => {
      const result = { content: [] };
      expect(oracle('2026-07-28').validate('CallToolResult', result)).toBe(false);
      expect(call(result)?.data).toEqual({ content: [], resultType: 'complete' });
    });
    it('unknown resultType: official accepts (any string), the client rejects', () => {
      const result = { resultType: 'task', content: [] };
      expect(oracle('2026-07-28').validate('CallToolResult', result)).toBe(true);
      expect(call(result)?.success).toBe(false);
    });
    it('input_required with neither inputRequests nor requestState: the client rejects', () => {
      const result = { resultType: 'input_required' };
      expect(oracle('2026-07-28').validate('InputRequiredResult', result)).toBe(true);
      expect(call(result)?.success).toBe(false);
      expect(call({ ...result, requestState: 's' })?.success).toBe(true);
    });
    it('absent caching hints: official rejects, the client accepts', () => {
      const result = { resultType: 'complete', tools: [] };
      expect(oracle('2026-07-28').validate('ListToolsResult', result)).toBe(false);
      expect(resultSchemaFor('2026-07-28', 'tools/list')?.safeParse(result).success).toBe(true);
    });
  });
});
