import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../machines/index.js';
import { connectionPaths, replay, ToolPanel } from '../examples/model-check.js';

/**
 * The examples run as a user runs them (`node --import tsx examples/<name>.ts`), against
 * @modelcontextprotocol/server-everything (a devDependency) or in memory; each test waits for
 * output or exit, never for a fixed time.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an example to its end; `onLine` sees each stdout line as it arrives, with the child. */
function runExample(
  file: string,
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

// Each example is its own process: they run side by side.
describe.concurrent('examples', () => {
  it('embed.ts: connects over stdio, lists tools, and shuts down cleanly on SIGINT', async ({
    expect,
  }) => {
    let interrupted = false;
    const run = await runExample('examples/embed.ts', (line, child) => {
      if (!interrupted && line.endsWith('ready; press Ctrl+C to stop')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(run.stderr).toBe('');
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(/connected to mcp-servers\/everything \(pid \d+\), legacy era/);
    expect(run.stdout).toMatch(/tools \(\d+\): echo, .*get-sum/);
    const tail = lines(run.stdout).slice(-2);
    expect(tail[0]).toMatch(/SIGINT: closing the session$/);
    expect(tail[1]).toMatch(/closed: session closed, server process exited$/);
    // The server process is gone, not orphaned.
    const pid = Number(/\(pid (\d+)\)/.exec(run.stdout)?.[1]);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 60_000);

  it('tool-loop.ts: the fake model calls get-sum twice and echo once, then answers', async ({
    expect,
  }) => {
    const run = await runExample('examples/tool-loop.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout).slice(1)).toEqual([
      'user: Add 2 and 3, then add 7 to that, and echo the result.',
      'step 1: call get-sum {"a":2,"b":3}',
      'step 1: get-sum returned "The sum of 2 and 3 is 5."',
      'step 2: call get-sum {"a":5,"b":7}',
      'step 2: get-sum returned "The sum of 5 and 7 is 12."',
      'step 3: call echo {"message":"The total is 12"}',
      'step 3: echo returned "Echo: The total is 12"',
      'answer: Echo: The total is 12',
    ]);
  }, 60_000);

  it('ai-sdk-tool-loop.ts: the AI SDK runs the loop, the mock model reads the results and answers', async ({
    expect,
  }) => {
    const run = await runExample('examples/ai-sdk-tool-loop.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      'user: Add 2 and 3, echo the total, and show me the tiny image.',
      'step 1: call get-sum {"a":2,"b":3}',
      'step 1: call get-tiny-image {}',
      'step 1: get-sum gave the model text "The sum of 2 and 3 is 5."',
      expect.stringMatching(
        /^step 1: get-tiny-image gave the model content ".*" \[image-data image\/png\]/,
      ),
      'step 2: call echo {"message":"The total is 5"}',
      'step 2: echo gave the model text "Echo: The total is 5"',
      'answer: Echo: The total is 5; I also saw an image (image/png).',
    ]);
  }, 60_000);

  it('input-rounds.ts: three 2026 input rounds answered through the callbacks', async ({
    expect,
  }) => {
    const run = await runExample('examples/input-rounds.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      'connected: modern era, protocol 2026-07-28',
      "server, round 1: asks for the party and the client's roots",
      'client: elicitation "Who is the booking for?" (input request party)',
      'client: roots (input request roots)',
      'server, round 2: got Ada, party of 4 (roots: file:///home/ada); asks to confirm',
      'client: elicitation "Book a table for 4 under Ada at 19:00?" (input request confirm)',
      'server, round 3: confirmed',
      'result: Booked: a table for 4 under Ada at 19:00.',
      'rounds: 3',
    ]);
  }, 60_000);

  it('model-check.ts: runs as a script, every path passing', async ({ expect }) => {
    const run = await runExample('examples/model-check.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout).at(-1)).toBe('every path passed');
    expect(lines(run.stdout).filter((l) => l.startsWith('ok '))).toHaveLength(
      connectionPaths().length,
    );
  }, 60_000);

  it('demo.ts: the in-process demo runs to closed', async ({ expect }) => {
    const run = await runExample('examples/demo.ts');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tools/slow: REQUEST_TIMEOUT');
    expect(lines(run.stdout).at(-1)).toBe('final state: closed');
  }, 60_000);

  it('main.ts: the main job runs against server-everything', async ({ expect }) => {
    const run = await runExample('examples/main.ts');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/negotiated: legacy era, protocol 2025-11-25/);
    expect(run.stdout).toMatch(/trigger-long-running-operation: /);
    expect(lines(run.stdout).at(-1)).toBe('final state: closed');
  }, 60_000);
});

describe('examples/model-check.ts: every path of the connection machine, on a live session', () => {
  const paths = connectionPaths();

  it('covers every top-level state', () => {
    const states = new Set(paths.map((p) => p.state));
    expect([...states].sort()).toEqual(
      (
        ['closed', 'closing', 'initializing', 'preconnect', 'ready'] satisfies ConnectionState[]
      ).sort(),
    );
  });

  for (const p of paths) it(p.label, () => replay(p));

  it('catches a panel that keeps showing tools after the connection dropped', async () => {
    class StalePanel extends ToolPanel {
      protected override onState(state: ConnectionState): void {
        const tools = this.tools;
        super.onState(state);
        this.tools = tools; // the bug: the list outlives the connection
      }
    }
    const failures: string[] = [];
    for (const p of paths) {
      await replay(p, (s) => new StalePanel(s)).catch(() => failures.push(p.label));
    }
    // Exactly the paths through ready fail: there the panel listed tools, and then kept them.
    expect(failures.sort()).toEqual(
      paths
        .map((p) => p.label)
        .filter((l) => l.includes('done(handshake)'))
        .sort(),
    );
  });
});

describe('docs/model-checking.md', () => {
  it('quotes examples/model-check.ts and this file verbatim (up to indentation)', () => {
    const flat = (text: string): string =>
      text
        .split('\n')
        .map((l) => l.trimStart())
        .join('\n');
    const guide = readFileSync(path.join(root, 'docs/model-checking.md'), 'utf8');
    const source = flat(
      ['examples/model-check.ts', 'test/examples.test.ts']
        .map((f) => readFileSync(path.join(root, f), 'utf8'))
        .join('\n'),
    );
    const quoted = [...guide.matchAll(/```ts fragment\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(quoted.length).toBeGreaterThan(5);
    for (const block of quoted) expect(source).toContain(flat(block));
  });
});
