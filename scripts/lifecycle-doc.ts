/**
 * Generates docs/lifecycle.md from the machine definitions: one Mermaid statechart per machine,
 * drawn from the machines themselves, plus a table of each state's description and meta.
 *
 *   npm run docs:lifecycle          writes docs/lifecycle.md
 * test/docs.test.ts checks that the committed file matches what this generates.
 */
import type { AnyStateMachine } from 'xstate';
import {
  authorizationMachine,
  connectionMachine,
  dispatcherMachine,
  groupServerMachine,
  inboundRequestMachine,
  requestMachine,
  sessionGroupMachine,
  stdioProcessMachine,
} from '../machines/index.js';

const machines: { title: string; file: string; machine: AnyStateMachine; about: string }[] = [
  {
    title: 'Connection',
    file: 'machines/connection.ts',
    machine: connectionMachine,
    about:
      'One per session, run as a real XState actor (the root of the session’s actor system). Each state’s `meta` says what may be sent in it.',
  },
  {
    title: 'Dispatcher',
    file: 'machines/dispatcher.ts',
    machine: dispatcherMachine,
    about:
      'One per connection, the parent of every request actor. Runs compiled (see docs/architecture.md); every transport event is one of its events.',
  },
  {
    title: 'Request (outbound)',
    file: 'machines/request.ts',
    machine: requestMachine,
    about: 'One per request the client sends, from creation to exactly one outcome. Runs compiled.',
  },
  {
    title: 'Inbound request',
    file: 'machines/inbound-request.ts',
    machine: inboundRequestMachine,
    about: 'One per request the server sends. Runs compiled.',
  },
  {
    title: 'stdio server process',
    file: 'machines/stdio-process.ts',
    machine: stdioProcessMachine,
    about:
      'One per stdio transport, run as a real XState actor: the server process and its shutdown (close stdin, wait, SIGTERM, wait, SIGKILL, to the whole process group), on `close` or when the server closes its stdout and does not exit within `outputGrace` (200 ms). The shutdown waits are named delays (2 s each by default).',
  },
  {
    title: 'Authorization (OAuth)',
    file: 'machines/authorization.ts',
    machine: authorizationMachine,
    about:
      'One per OAuth client (one MCP server), run as a real XState actor by `OAuthClient` (see docs/authorization.md): the flow from the first `401` to a token, refresh, step-up and failure. Every request to the server waits on it; its context holds nothing secret.',
  },
  {
    title: 'Session group',
    file: 'machines/session-group.ts',
    machine: sessionGroupMachine,
    about:
      'One per `createSessionGroup` (see docs/groups.md), run as a real XState actor: the parent of one server actor per server (spawned with the server’s name as its id), open until `close`, then closing until every server has closed.',
  },
  {
    title: 'Group server',
    file: 'machines/session-group.ts',
    machine: groupServerMachine,
    about:
      'One per server of a session group, a child of the group’s actor: connects a fresh session, watches it while ready, and on a failed attempt or a drop waits a backoff delay and tries again while the restart budget allows (at most `maxRestarts` within `window`), else stays `failed` until `restart`.',
  },
];

function label(eventType: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done(${done[1]})`;
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after(${after[1]})`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error(${error[1]})`;
  return eventType;
}

function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  const type = (a as { type?: unknown }).type;
  if (type === 'xstate.assign') return 'assign';
  return typeof type === 'string' ? type : 'inline';
}

function guardName(g: unknown): string | undefined {
  if (g === undefined) return undefined;
  if (typeof g === 'string') return g;
  const withParams = guardLabel(g);
  if (withParams !== undefined) return withParams;
  const type = (g as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'inline';
}

type Node = AnyStateMachine['root'];

function edges(node: Node, indent: string, lines: string[]): void {
  const key = node.key;
  const always = (
    node as unknown as { always?: { target?: Node[]; guard?: unknown; actions: unknown[] }[] }
  ).always;
  const all: [
    string,
    { target?: readonly Node[] | undefined; guard?: unknown; actions: readonly unknown[] }[],
  ][] = [...node.transitions];
  if (always !== undefined && always.length > 0) all.push(['always', always]);
  for (const [eventType, defs] of all) {
    for (const def of defs) {
      const target = def.target?.[0]?.key ?? key;
      const guard = guardName(def.guard);
      const actions = def.actions.map(actionName);
      let text = label(eventType);
      if (guard !== undefined) text += ` [${guard}]`;
      if (actions.length > 0) text += ` / ${actions.join(', ')}`;
      lines.push(`${indent}${key} --> ${target}: ${text}`);
    }
  }
}

function block(
  states: Node['states'],
  initial: string | undefined,
  indent: string,
  lines: string[],
): void {
  if (initial !== undefined) lines.push(`${indent}[*] --> ${initial}`);
  for (const node of Object.values(states)) {
    if (node.type === 'compound') {
      lines.push(`${indent}state ${node.key} {`);
      block(node.states, (node.config as { initial?: string }).initial, `${indent}  `, lines);
      lines.push(`${indent}}`);
    }
    edges(node, indent, lines);
    if (node.type === 'final') lines.push(`${indent}${node.key} --> [*]`);
  }
}

function guardLabel(g: unknown): string | undefined {
  if (typeof g === 'object' && g !== null && 'params' in g) {
    const { type, params } = g as { type: string; params: unknown };
    return `${type}(${String(params)})`;
  }
  return undefined;
}

export function chart(machine: AnyStateMachine): string {
  const lines = ['```mermaid', 'stateDiagram-v2'];
  block(machine.root.states, (machine.root.config as { initial?: string }).initial, '  ', lines);
  lines.push('```');
  return lines.join('\n');
}

export function stateTable(machine: AnyStateMachine): string {
  const rows = [
    '| state | kind | on entry | invokes | description / meta |',
    '|---|---|---|---|---|',
  ];
  const flat: [string, Node][] = [];
  const walk = (states: Node['states'], prefix: string) => {
    for (const [k, n] of Object.entries(states)) {
      flat.push([`${prefix}${k}`, n]);
      if (n.type === 'compound') walk(n.states, `${prefix}${k}.`);
    }
  };
  walk(machine.root.states, '');
  for (const [key, node] of flat) {
    // Delayed transitions schedule themselves with built-in entry actions; list only the machine's own.
    const entry =
      node.entry
        .map(actionName)
        .filter((a) => !a.startsWith('xstate.'))
        .join(', ') || '—';
    const invokes =
      node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)).join(', ') || '—';
    const meta = node.meta as { sends?: string; next?: string } | undefined;
    const parts = [node.description ?? ''];
    if (meta?.sends !== undefined) parts.push(`sends: \`${meta.sends}\``);
    if (meta?.next) parts.push(`otherwise: ${meta.next}`);
    rows.push(
      `| \`${key}\` | ${node.type} | ${entry} | ${invokes} | ${parts.filter(Boolean).join('; ') || '—'} |`,
    );
  }
  return rows.join('\n');
}

export function lifecycleDoc(): string {
  const out = [
    '# Lifecycle: the statecharts',
    '',
    '<!-- Generated by `npm run docs:lifecycle` from the machine definitions in machines/. Do not edit by hand: test/docs.test.ts fails when this file and the machines disagree. -->',
    '',
    'Every behaviour of a session is one of these machines. Edges read `event [guard] / actions`; `done(x)` and `error(x)` are the completion events of an invoked actor `x`.',
  ];
  for (const m of machines) {
    out.push(
      '',
      `## ${m.title}`,
      '',
      `Source: \`${m.file}\`. ${m.about}`,
      '',
      chart(m.machine),
      '',
      stateTable(m.machine),
    );
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('lifecycle-doc.ts')) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('../docs/lifecycle.md', import.meta.url), lifecycleDoc());
  console.log('wrote docs/lifecycle.md');
}
