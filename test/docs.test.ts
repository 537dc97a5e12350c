import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lifecycleDoc } from '../scripts/lifecycle-doc.js';

describe('docs', () => {
  it('docs/lifecycle.md matches the machines (regenerate with npm run docs:lifecycle)', () => {
    const committed = readFileSync(new URL('../docs/lifecycle.md', import.meta.url), 'utf8');
    expect(committed).toBe(lifecycleDoc());
  });
});
