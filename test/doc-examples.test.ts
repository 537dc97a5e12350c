import { describe, expect, it } from 'vitest';
import {
  checkDocExamples,
  examplesOfMarkdown,
  examplesOfSource,
  type Found,
} from '../scripts/check-doc-examples.js';

const empty = (): Found => ({ examples: [], fragments: 0, errors: [] });

describe('the doc example checker', () => {
  it('finds the ```ts blocks of @example tags, with their lines, and skips fragments', () => {
    const found = empty();
    examplesOfSource(
      'src/x.ts',
      [
        '/**', // line 1
        ' * Does x.',
        ' *',
        ' * @example',
        ' * ```ts',
        " * import { x } from 'mcp-actors';", // line 6
        ' * x();',
        ' * ```',
        ' * @example',
        ' * ```ts fragment',
        ' * x(1);',
        ' * ```',
        ' * @example',
        ' * no code block here',
        ' * @returns nothing',
        ' */',
        'export function x(): void {}',
      ].join('\n'),
      found,
    );
    expect(found.examples).toEqual([
      { file: 'src/x.ts', line: 6, code: "import { x } from 'mcp-actors';\nx();", kind: 'tsdoc' },
    ]);
    expect(found.fragments).toBe(1);
    expect(found.errors).toEqual([
      'src/x.ts:13: @example without a ```ts block (nothing would check it)',
    ]);
  });

  it('finds the ```ts blocks of Markdown, leaving other languages and fragments alone', () => {
    const found = empty();
    examplesOfMarkdown(
      'docs/x.md',
      [
        '# X',
        '```sh',
        'npm test',
        '```',
        '```ts',
        'const a = 1;',
        '```',
        '```ts fragment',
        'a;',
        '```',
      ].join('\n'),
      found,
    );
    expect(found.examples).toEqual([
      { file: 'docs/x.md', line: 6, code: 'const a = 1;', kind: 'markdown' },
    ]);
    expect(found.fragments).toBe(1);
  });
});

describe('the examples of the docs (TSDoc @example blocks and docs/*.md)', () => {
  it('type-check against the source entry points, in one program', () => {
    // One deliberately wrong example rides along, to prove that errors are found and placed.
    const report = checkDocExamples([
      {
        file: 'probe.ts',
        line: 10,
        kind: 'markdown',
        code: "import { createClientSession } from 'mcp-actors';\n\ncreateClientSession({ transport: 42 });",
      },
    ]);
    const probe = report.errors.filter((e) => e.startsWith('probe.ts:'));
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatch(/^probe\.ts:12:\d+: error TS2322: /);
    expect(report.errors.filter((e) => !e.startsWith('probe.ts:'))).toEqual([]);
    expect(report.examples.filter((e) => e.kind === 'tsdoc').length).toBeGreaterThan(0);
    expect(report.examples.filter((e) => e.kind === 'markdown').length).toBeGreaterThan(1);
  }, 60_000);
});
