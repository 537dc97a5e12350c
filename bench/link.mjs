// The in-process link every contender talks over, and the canned responder at its other end.

// ------------------------------------------------------------------------------------------------
// The in-process duplex: what one end writes, the other receives in a later microtask, in
// batches. Bytes for the framed workloads; message objects (passed by reference) for W2o's floor.

export function createDuplex() {
  const make = () => ({ onData: undefined, queue: [], scheduled: false, peer: undefined });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  const drain = (end) => {
    end.scheduled = false;
    const q = end.queue;
    end.queue = [];
    for (const chunk of q) end.onData(chunk);
  };
  const api = (end) => ({
    write(chunk) {
      const peer = end.peer;
      peer.queue.push(chunk);
      if (!peer.scheduled) {
        peer.scheduled = true;
        queueMicrotask(() => drain(peer));
      }
    },
    set onData(fn) {
      end.onData = fn;
    },
  });
  return [api(a), api(b)];
}

/**
 * mcp-actors' `ByteChannel` over one end of the duplex, its text encoded by Node (`writeText`
 * with `Buffer.from`), as the floor's and the SDK contenders' framing and mcp-actors' own Node
 * stream channel encode.
 */
export function channelOf(end) {
  return {
    start(sink) {
      end.onData = (chunk) => sink.data(chunk);
    },
    write(chunk) {
      end.write(chunk);
    },
    writeText(text) {
      end.write(Buffer.from(text));
    },
    async close() {},
  };
}

/** Linear newline splitting over Buffers, shared by the responder and the floor. */
export function lineSplitter(onLine) {
  let parts = [];
  return (chunk) => {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl === -1) {
        if (start < buf.length) parts.push(buf.subarray(start));
        return;
      }
      let line;
      if (parts.length === 0) line = buf.toString('utf8', start, nl);
      else {
        parts.push(buf.subarray(start, nl));
        line = Buffer.concat(parts).toString('utf8');
        parts = [];
      }
      start = nl + 1;
      if (line.length > 0) onLine(line);
    }
  };
}

// ------------------------------------------------------------------------------------------------
// The canned responder: answers initialize, tools/list (one `echo` tool) and tools/call (echoing
// `arguments.text`); holds calls whose arguments say `hold: true` until released.

const ECHO_TOOL = {
  name: 'echo',
  description: 'Answers its text.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};

/**
 * The canned answer to a request `m` (parsed): initialize, tools/list, tools/call (echoing
 * `arguments.text`); a method-not-found error otherwise.
 */
export function cannedAnswer(m) {
  if (m.method === 'initialize') {
    return {
      jsonrpc: '2.0',
      id: m.id,
      result: {
        protocolVersion: m.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'canned', version: '1.0.0' },
      },
    };
  }
  if (m.method === 'tools/list')
    return { jsonrpc: '2.0', id: m.id, result: { tools: [ECHO_TOOL] } };
  if (m.method === 'tools/call') {
    return {
      jsonrpc: '2.0',
      id: m.id,
      result: { content: [{ type: 'text', text: m.params.arguments.text }] },
    };
  }
  return { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } };
}

export function startResponder(end) {
  const held = [];
  const reply = (msg) => end.write(Buffer.from(`${JSON.stringify(msg)}\n`));
  const answerCall = (id, args) =>
    reply({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: args.text }] } });
  end.onData = lineSplitter((line) => {
    const m = JSON.parse(line);
    if (m.id === undefined) return; // notifications
    if (m.method === 'tools/call' && m.params.arguments.hold)
      held.push(m.id, m.params.arguments.text);
    else reply(cannedAnswer(m));
  });
  return {
    get heldCount() {
      return held.length / 2;
    },
    releaseAll() {
      const all = held.splice(0);
      for (let i = 0; i < all.length; i += 2) answerCall(all[i], { text: all[i + 1] });
    },
  };
}
