import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import {
  belowBar,
  MUTATION_GROUPS,
  raisedFloors,
  scoresOf,
  survivorsOf,
  withoutStatic,
  withoutStaticSurvivors,
  withoutTimeouts,
} from '../scripts/mutation.js';
import { LEFT_OUT } from '../vitest.mutation.config.js';

const mutants = (...statuses: string[]) => statuses.map((status) => ({ status }));

describe('scripts/mutation.ts: the per-file check of npm run test:mutation', () => {
  it('scores detected over valid mutants: killed and timed out count, errors and ignored do not', () => {
    const [a, b, c] = scoresOf({
      files: {
        'src/b.ts': { mutants: mutants('Killed', 'Survived', 'NoCoverage', 'Timeout') },
        'src/a.ts': { mutants: mutants('Killed', 'Ignored', 'RuntimeError', 'CompileError') },
        'src/c.ts': { mutants: mutants('Ignored') },
      },
    });
    expect(a).toEqual({
      file: 'src/a.ts',
      mutants: 4,
      killed: 1,
      timeout: 0,
      survived: 0,
      noCoverage: 0,
      excluded: 3,
      score: 100,
    });
    expect(b).toMatchObject({ file: 'src/b.ts', survived: 1, noCoverage: 1, score: 50 });
    expect(c).toMatchObject({ file: 'src/c.ts', score: undefined });
  });

  it('holds every file to 90 %, or to its floor when it has one, never above 90 %', () => {
    const scores = scoresOf({
      files: {
        'at-target.ts': { mutants: mutants(...Array<string>(9).fill('Killed'), 'Survived') },
        'below.ts': { mutants: mutants('Killed', 'Killed', 'Killed', 'Survived') },
        'floored.ts': { mutants: mutants('Killed', 'Killed', 'Killed', 'Survived') },
        'fell.ts': { mutants: mutants('Killed', 'Survived') },
        'high-floor.ts': { mutants: mutants(...Array<string>(9).fill('Killed'), 'Survived') },
        'empty.ts': { mutants: [] },
      },
    });
    expect(belowBar(scores, { 'floored.ts': 75, 'fell.ts': 60, 'high-floor.ts': 95 })).toEqual([
      'below.ts: 75.0 % is below the target, 90 %',
      'fell.ts: 50.0 % is below its floor, 60 %',
    ]);
  });

  it('drops only the timed-out mutants from a recorded state, keeping the rest of it', () => {
    const state = {
      schemaVersion: '2',
      files: {
        'a.ts': { language: 'typescript', mutants: mutants('Killed', 'Timeout', 'Survived') },
        'b.ts': { language: 'typescript', mutants: mutants('Timeout') },
      },
    };
    expect(withoutTimeouts(state)).toEqual({
      schemaVersion: '2',
      files: {
        'a.ts': { language: 'typescript', mutants: mutants('Killed', 'Survived') },
        'b.ts': { language: 'typescript', mutants: [] },
      },
    });
  });

  it('drops the static mutants of a recorded state, whatever their result, and keeps the rest', () => {
    const state = {
      files: {
        'a.ts': {
          mutants: [
            { status: 'Survived', static: true },
            { status: 'Killed', static: false },
            { status: 'Killed', static: true },
            { status: 'Survived' },
          ],
        },
      },
    };
    expect(withoutStatic(state).files['a.ts']?.mutants).toEqual([
      { status: 'Killed', static: false },
      { status: 'Survived' },
    ]);
  });

  it('drops only the static mutants that survived, so that new tests run against them', () => {
    const state = {
      files: {
        'a.ts': {
          mutants: [
            { status: 'Survived', static: true },
            { status: 'Survived', static: false },
            { status: 'Killed', static: true },
            { status: 'Timeout', static: true },
            { status: 'Survived' },
          ],
        },
      },
    };
    expect(withoutStaticSurvivors(state).files['a.ts']?.mutants).toEqual([
      { status: 'Survived', static: false },
      { status: 'Killed', static: true },
      { status: 'Timeout', static: true },
      { status: 'Survived' },
    ]);
  });

  it('mutates, in a bare StrykerJS run, exactly what the groups mutate together', async () => {
    const configFile: string = '../stryker.config.mjs'; // plain JavaScript: typed by hand here
    const { default: strykerConfig } = (await import(configFile)) as {
      default: { mutate: string[] };
    };
    const groups = Object.values(MUTATION_GROUPS).flatMap((g) => g.mutate);
    expect(new Set(groups).size).toBe(groups.length);
    expect(new Set(strykerConfig.mutate)).toEqual(new Set(groups));
  });

  it('mutates each file of the core in exactly one group', () => {
    // The globs the groups use: `*` within one path segment, `**/` for any directories.
    const matcher = (glob: string) =>
      new RegExp(
        `^${glob
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '\u0000')
          .replace(/\*/g, '[^/]*')
          .replace(/\u0000/g, '(?:.*/)?')}$`,
      );
    const groups = Object.entries(MUTATION_GROUPS).map(([name, g]) => ({
      name,
      take: g.mutate.filter((m) => !m.startsWith('!')).map(matcher),
      leave: g.mutate.filter((m) => m.startsWith('!')).map((m) => matcher(m.slice(1))),
    }));
    const core = ['machines', 'src/core', 'src/wire', 'src/transports']
      .flatMap((dir) =>
        readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`),
      )
      .filter((f) => f.endsWith('.ts') && f !== 'machines/index.ts')
      .concat('src/auth/flow.ts');
    expect(core.length).toBeGreaterThan(40);
    for (const file of core) {
      const owners = groups
        .filter((g) => g.take.some((r) => r.test(file)) && !g.leave.some((r) => r.test(file)))
        .map((g) => g.name);
      expect({ file, owners: owners.length }).toEqual({ file, owners: 1 });
    }
  });

  it('names, for a group that runs its own tests, test files that exist and mutation runs keep', () => {
    const named = Object.values(MUTATION_GROUPS).flatMap((g) => g.tests ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) {
      expect({ file, exists: existsSync(file), leftOut: LEFT_OUT.includes(file) }).toEqual({
        file,
        exists: true,
        leftOut: false,
      });
    }
  });

  it('lists the surviving and uncovered mutants by file and line, in line order', () => {
    const at = (line: number, column: number) => ({ start: { line, column } });
    const report = {
      files: {
        'src/x.ts': {
          mutants: [
            {
              status: 'Survived',
              mutatorName: 'BooleanLiteral',
              replacement: 'true',
              location: at(10, 5),
            },
            {
              status: 'Killed',
              mutatorName: 'BooleanLiteral',
              replacement: 'false',
              location: at(3, 1),
            },
            {
              status: 'NoCoverage',
              mutatorName: 'BlockStatement',
              replacement: '{\n}',
              location: at(9, 2),
            },
          ],
        },
      },
    };
    expect(survivorsOf(report)).toEqual([
      'src/x.ts:9:2 NoCoverage BlockStatement { }',
      'src/x.ts:10:5 Survived BooleanLiteral true',
    ]);
  });

  it('only ever raises a floor, and drops it once the file reaches 90 %', () => {
    const score = (file: string, value: number) => ({
      file,
      mutants: 10,
      killed: 0,
      timeout: 0,
      survived: 0,
      noCoverage: 0,
      excluded: 0,
      score: value,
    });
    const scores = [
      score('new.ts', 71.26),
      score('raised.ts', 80.05),
      score('fell.ts', 60),
      score('done.ts', 90),
      { ...score('empty.ts', 0), score: undefined },
    ];
    expect(raisedFloors(scores, { 'raised.ts': 75, 'fell.ts': 65, 'done.ts': 85 })).toEqual({
      'fell.ts': 65,
      'new.ts': 71.2,
      'raised.ts': 80,
    });
  });
});
