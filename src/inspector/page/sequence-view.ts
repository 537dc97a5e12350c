/**
 * The sequence view: the JSON-RPC exchange between the client and the server on a timeline,
 * two lifelines with the messages as arrows between them (requests solid, responses dashed,
 * notifications with an open head), each named by its method and id, the newest at the bottom.
 */
import { svg } from './diagram.js';
import { SEQUENCE_SHOWN, type Sequences } from './sequence.js';

function ms(d: number): string {
  return d < 1000 ? `${Math.round(d)} ms` : `${(d / 1000).toFixed(2)} s`;
}

export const sequenceStyle = `
.sequence { max-height: 460px; overflow: auto; }
svg.sequence-chart { display: block; width: 100%; font-family: ui-monospace, monospace; font-size: 11px; }
svg.sequence-chart .lifeline { stroke: #b8c0cc; stroke-dasharray: 4 3; }
svg.sequence-chart .actor rect { fill: #1d2430; }
svg.sequence-chart .actor text { fill: #fff; font-weight: 600; font-family: system-ui, sans-serif; font-size: 12px; }
svg.sequence-chart .message line { stroke: #2b6cb0; stroke-width: 1.3; }
svg.sequence-chart .message path { fill: #2b6cb0; stroke: #2b6cb0; stroke-width: 1.3; }
svg.sequence-chart .message.in line { stroke: #1f7a3a; }
svg.sequence-chart .message.in path { fill: #1f7a3a; stroke: #1f7a3a; }
svg.sequence-chart .message.result line, svg.sequence-chart .message.error line { stroke-dasharray: 5 3; }
svg.sequence-chart .message.notification path { fill: none; }
svg.sequence-chart .message.error line { stroke: #b42318; }
svg.sequence-chart .message.error path { fill: #b42318; stroke: #b42318; }
svg.sequence-chart .message .label { fill: #1d2430; }
svg.sequence-chart .message.error .label { fill: #b42318; }
svg.sequence-chart .time { fill: #8a93a3; font-size: 10px; }
`;

const ROW = 24;
const HEAD = 30;
const TIME_COLUMN = 70;

/** What was drawn last in each box, to draw again only when something changed. */
const drawnCount = new WeakMap<HTMLElement, string>();

/**
 * Draws the last SEQUENCE_SHOWN messages of a session into `box`: the client's lifeline on the
 * left, the server's on the right, a row per message with its time since the session's first
 * message. The box follows the newest message unless it was scrolled up.
 */
export function renderSequence(
  box: HTMLElement,
  session: string | undefined,
  sequences: Sequences,
): void {
  const { messages, count, start } = sequences.of(session);
  const signature = `${session ?? ''} ${count}`;
  if (drawnCount.get(box) === signature) return;
  drawnCount.set(box, signature);
  const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
  const shown = messages.slice(-SEQUENCE_SHOWN);
  const earlier = count - shown.length;
  const width = Math.max(box.clientWidth, 420);
  const client = TIME_COLUMN + 40;
  const server = width - 40;
  const height = HEAD + 12 + shown.length * ROW + 8;
  const chart = svg('svg', {
    class: 'sequence-chart',
    viewBox: `0 0 ${width} ${height}`,
    height,
    'data-shown': shown.length,
    'data-earlier': earlier,
  });
  chart.append(
    svg('line', { class: 'lifeline', x1: client, y1: HEAD, x2: client, y2: height }),
    svg('line', { class: 'lifeline', x1: server, y1: HEAD, x2: server, y2: height }),
  );
  for (const [x, name] of [
    [client, 'client'],
    [server, 'server'],
  ] as const) {
    chart.append(
      svg(
        'g',
        { class: `actor ${name}` },
        svg('rect', { x: x - 36, y: 4, width: 72, height: 22, rx: 4 }),
        svg('text', { x, y: 19, 'text-anchor': 'middle' }, name),
      ),
    );
  }
  shown.forEach((m, i) => {
    const y = HEAD + 22 + i * ROW;
    const [from, to] = m.direction === 'out' ? [client, server] : [server, client];
    const dir = Math.sign(to - from);
    const tip = to - dir * 1;
    const head =
      m.kind === 'notification'
        ? `M${tip - dir * 8},${y - 4} L${tip},${y} L${tip - dir * 8},${y + 4}`
        : `M${tip},${y} L${tip - dir * 8},${y - 4} L${tip - dir * 8},${y + 4} Z`;
    chart.append(
      svg(
        'g',
        {
          class: `message ${m.direction} ${m.kind}`,
          'data-n': m.n,
          'data-method': m.method,
          ...(m.id === undefined ? {} : { 'data-id': m.id }),
        },
        svg('text', { class: 'time', x: 4, y: y + 3 }, `+${ms(m.t - start)}`),
        svg('line', { x1: from, y1: y, x2: tip - dir * 2, y2: y }),
        svg('path', { d: head }),
        svg(
          'text',
          { class: 'label', x: (client + server) / 2, y: y - 4, 'text-anchor': 'middle' },
          m.label,
        ),
      ),
    );
  });
  const note = document.createElement('div');
  note.className = 'empty';
  note.textContent =
    count === 0
      ? 'no messages yet'
      : earlier > 0
        ? `${earlier} earlier message${earlier === 1 ? '' : 's'} not shown`
        : '';
  box.replaceChildren(...(note.textContent === '' ? [] : [note]), ...(count === 0 ? [] : [chart]));
  if (following) box.scrollTop = box.scrollHeight;
}
