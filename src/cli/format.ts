/**
 * Human-readable output of the CLI: aligned tables and indented text. Pure functions of the
 * results (and the terminal width, when there is one), so tests can call them directly.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The length of a string as shown (code points; good enough for a terminal table). */
function width(text: string): number {
  return [...text].length;
}

/** Cuts `text` to `max` columns, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The first line of a description, trimmed. */
export function firstLine(text: string | undefined): string {
  if (text === undefined) return '';
  return text.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
}

/**
 * An aligned table with a header row. Columns but the last are padded to their widest cell; with
 * `columns` (the terminal's width), the last column is cut to fit.
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  columns?: number,
): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string => {
    let out = '';
    cells.forEach((cell, i) => {
      const last = i === cells.length - 1;
      if (last) {
        out += columns === undefined ? cell : truncate(cell, columns - width(out));
      } else {
        out += cell + ' '.repeat((widths[i] ?? 0) - width(cell) + 2);
      }
    });
    return out.trimEnd();
  };
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Indents every line of `text`. */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

/** The arguments of a JSON Schema object, required ones starred: `a*, b*, c`. */
export function schemaArguments(schema: unknown): string {
  if (!isObject(schema) || !isObject(schema.properties)) return '';
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.keys(schema.properties)
    .map((name) => (required.has(name) ? `${name}*` : name))
    .join(', ');
}

/**
 * How wide the arguments column may be on a terminal `columns` wide: 40 at most, less on a narrow
 * terminal so that the description keeps 40 columns (the arguments keep 12 at least). With no
 * terminal (a pipe, a file) nothing is cut.
 */
function argumentsWidth(names: readonly string[], columns: number | undefined): number {
  if (columns === undefined) return Infinity;
  const name = Math.max(4, ...names.map(width));
  return Math.max(12, Math.min(40, columns - name - 4 - 40));
}

export function formatTools(tools: readonly Json[], columns?: number): string {
  if (tools.length === 0) return '(no tools)';
  const args = argumentsWidth(
    tools.map((t) => str(t.name) ?? '?'),
    columns,
  );
  return table(
    ['NAME', 'ARGUMENTS', 'DESCRIPTION'],
    tools.map((t) => [
      str(t.name) ?? '?',
      truncate(schemaArguments(t.inputSchema), args),
      firstLine(str(t.description) ?? str(t.title)),
    ]),
    columns,
  );
}

/** The tools of several servers, each with its server (`tools --config`). */
export function formatServerTools(
  tools: readonly (Json & { readonly server: string })[],
  columns?: number,
): string {
  if (tools.length === 0) return '(no tools)';
  const args = argumentsWidth(
    tools.map((t) => `${t.server}  ${str(t.name) ?? '?'}`),
    columns,
  );
  return table(
    ['SERVER', 'NAME', 'ARGUMENTS', 'DESCRIPTION'],
    tools.map((t) => [
      t.server,
      str(t.name) ?? '?',
      truncate(schemaArguments(t.inputSchema), args),
      firstLine(str(t.description) ?? str(t.title)),
    ]),
    columns,
  );
}

export function formatPrompts(prompts: readonly Json[], columns?: number): string {
  if (prompts.length === 0) return '(no prompts)';
  const args = argumentsWidth(
    prompts.map((p) => str(p.name) ?? '?'),
    columns,
  );
  return table(
    ['NAME', 'ARGUMENTS', 'DESCRIPTION'],
    prompts.map((p) => [
      str(p.name) ?? '?',
      truncate(
        (Array.isArray(p.arguments) ? p.arguments : [])
          .filter(isObject)
          .map((a) => `${str(a.name) ?? '?'}${a.required === true ? '*' : ''}`)
          .join(', '),
        args,
      ),
      firstLine(str(p.description) ?? str(p.title)),
    ]),
    columns,
  );
}

export function formatResources(
  resources: readonly Json[],
  templates: readonly Json[],
  columns?: number,
): string {
  const parts: string[] = [];
  parts.push(
    resources.length === 0
      ? '(no resources)'
      : table(
          ['URI', 'NAME', 'MIME TYPE'],
          resources.map((r) => [
            str(r.uri) ?? '?',
            str(r.title) ?? str(r.name) ?? '',
            str(r.mimeType) ?? '',
          ]),
          columns,
        ),
  );
  if (templates.length > 0) {
    parts.push(
      table(
        ['URI TEMPLATE', 'NAME', 'DESCRIPTION'],
        templates.map((t) => [
          str(t.uriTemplate) ?? '?',
          str(t.title) ?? str(t.name) ?? '',
          firstLine(str(t.description)),
        ]),
        columns,
      ),
    );
  }
  return parts.join('\n\n');
}

/** The size of base64 data, in bytes. */
function base64Bytes(data: string): number {
  const clean = data.replace(/\s/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/** One resource's contents (`text` or `blob`). */
export function formatResourceContents(contents: Json): string {
  const text = str(contents.text);
  if (text !== undefined) return text;
  const blob = str(contents.blob);
  const mime = str(contents.mimeType) ?? 'binary';
  return `[${mime}, ${blob === undefined ? '?' : base64Bytes(blob)} bytes; use --json for the data]`;
}

/** One content block of a tool result or prompt message. */
export function formatContentBlock(block: unknown): string {
  if (!isObject(block)) return JSON.stringify(block);
  switch (block.type) {
    case 'text':
      return str(block.text) ?? '';
    case 'image':
    case 'audio': {
      const data = str(block.data) ?? '';
      return `[${String(block.type)} ${str(block.mimeType) ?? '?'}, ${base64Bytes(data)} bytes]`;
    }
    case 'resource_link': {
      const name = str(block.title) ?? str(block.name);
      return `[resource link] ${str(block.uri) ?? '?'}${name === undefined ? '' : ` (${name})`}`;
    }
    case 'resource': {
      const resource = isObject(block.resource) ? block.resource : {};
      return `[resource ${str(resource.uri) ?? '?'}]\n${indent(formatResourceContents(resource))}`;
    }
    default:
      return JSON.stringify(block, null, 2);
  }
}

export function formatContent(blocks: unknown): string {
  return (Array.isArray(blocks) ? blocks : []).map(formatContentBlock).join('\n');
}

/** A tool result: its content, then its structured content when there is any. */
export function formatToolResult(result: Json): string {
  const parts: string[] = [];
  const content = Array.isArray(result.content) ? result.content : [];
  if (content.length > 0) parts.push(formatContent(content));
  if (result.structuredContent !== undefined) {
    parts.push(`structured content:\n${indent(JSON.stringify(result.structuredContent, null, 2))}`);
  }
  if (parts.length === 0) parts.push('(no content)');
  return parts.join('\n');
}

export function formatPromptResult(result: Json): string {
  const parts: string[] = [];
  const description = str(result.description);
  if (description !== undefined) parts.push(description, '');
  const messages = Array.isArray(result.messages) ? result.messages.filter(isObject) : [];
  for (const m of messages) {
    parts.push(`[${str(m.role) ?? '?'}]`);
    const content = Array.isArray(m.content) ? m.content : [m.content];
    parts.push(indent(content.map(formatContentBlock).join('\n')));
  }
  if (messages.length === 0) parts.push('(no messages)');
  return parts.join('\n');
}

export function formatReadResult(result: Json): string {
  const contents = Array.isArray(result.contents) ? result.contents.filter(isObject) : [];
  if (contents.length === 0) return '(no contents)';
  const [only] = contents;
  if (contents.length === 1 && only !== undefined) return formatResourceContents(only);
  return contents
    .map(
      (c) =>
        `[${str(c.uri) ?? '?'}${str(c.mimeType) === undefined ? '' : ` ${str(c.mimeType)}`}]\n${indent(formatResourceContents(c))}`,
    )
    .join('\n');
}

/** The names of a capabilities object, with their sub-flags: `tools (listChanged)`. */
export function capabilityList(capabilities: unknown): string[] {
  if (!isObject(capabilities)) return [];
  return Object.entries(capabilities).map(([name, value]) => {
    const flags = isObject(value)
      ? Object.entries(value)
          .filter(([, v]) => v === true || isObject(v))
          .map(([k]) => k)
      : [];
    return flags.length === 0 ? name : `${name} (${flags.join(', ')})`;
  });
}

export interface InfoView {
  readonly protocolVersion: string;
  readonly era: 'legacy' | 'modern';
  readonly transport: string;
  readonly negotiation: string;
  readonly serverInfo: Json | undefined;
  readonly capabilities: unknown;
  readonly instructions: string | undefined;
  readonly supportedVersions?: readonly string[] | undefined;
}

export function formatInfo(info: InfoView): string {
  const server = info.serverInfo;
  const name =
    server === undefined
      ? '(not given)'
      : `${str(server.name) ?? '?'} ${str(server.version) ?? ''}`.trim() +
        (str(server.title) === undefined ? '' : ` (${str(server.title)})`);
  const rows: [string, string][] = [
    ['server', name],
    [
      'protocol',
      `${info.protocolVersion} (${info.era === 'modern' ? '2026 era: server/discover, stateless' : 'legacy era: initialize handshake'})`,
    ],
  ];
  if (info.supportedVersions !== undefined) {
    rows.push(['server supports', info.supportedVersions.join(', ')]);
  }
  rows.push(['negotiation', info.negotiation], ['transport', info.transport]);
  const caps = capabilityList(info.capabilities);
  rows.push(['capabilities', caps.length === 0 ? '(none)' : caps.join(', ')]);
  const label = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => `${k.padEnd(label)}${v}`);
  const instructions = info.instructions?.trim();
  lines.push(
    instructions === undefined || instructions === ''
      ? `${'instructions'.padEnd(label)}(none)`
      : `instructions\n${indent(instructions)}`,
  );
  return lines.join('\n');
}

/** One notification, for `listen`: time, method and what matters of its params. */
export function formatNotification(method: string, params: unknown, at: Date): string {
  const time = at.toTimeString().slice(0, 8);
  const p = isObject(params) ? { ...params } : {};
  delete p._meta;
  let detail = '';
  if (method === 'notifications/resources/updated') detail = str(p.uri) ?? '';
  else if (method === 'notifications/message') {
    detail = `${str(p.level) ?? ''}${str(p.logger) === undefined ? '' : ` ${str(p.logger)}`}: ${
      typeof p.data === 'string' ? p.data : JSON.stringify(p.data)
    }`;
  } else if (Object.keys(p).length > 0) detail = JSON.stringify(p);
  return `${time}  ${method}${detail === '' ? '' : `  ${detail}`}`;
}
