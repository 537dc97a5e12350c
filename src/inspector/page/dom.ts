/**
 * Small DOM and text helpers of the inspector page: an element with its attributes and children,
 * any value as text, a duration as text.
 */

/** A new `tag` element with `attrs` set and `children` appended. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** A string as it is, anything else as JSON. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** A duration: `340 ms`, `2.5 s`, `3 min 12 s`. */
export function ago(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
