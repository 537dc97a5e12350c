/**
 * The inspector page's layout: the requests first in their column, so that they are in view
 * without scrolling however tall the statecharts are, and sections that fold to their title
 * (and their `.path` line, a statechart's one-line summary) with a click on it, the page
 * remembering what is folded.
 */

const style = `
main { align-items: start; }
main > div { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
section h2 button.fold { all: unset; cursor: pointer; }
section h2 button.fold::before { content: '▾'; display: inline-block; width: 1.2em; }
section.folded h2 button.fold::before { content: '▸'; }
section h2 button.fold:focus-visible { outline: 2px solid #2b6cb0; }
section.folded > :not(h2):not(.path) { display: none; }
section.folded > .path { margin-bottom: 0; }
#history { max-height: 30vh; overflow: auto; }
`;

let styled = false;

/** Adds the layout's rules to the page (once). */
function addStyle(): void {
  if (styled) return;
  styled = true;
  const node = document.createElement('style');
  node.textContent = style;
  document.head.append(node);
}

/** Where the page remembers that the section `key` is folded. */
const storageKey = (key: string): string => `mcp-actors.inspector.folded.${key}`;

function remember(key: string, folded: boolean): void {
  try {
    if (folded) localStorage.setItem(storageKey(key), '1');
    else localStorage.removeItem(storageKey(key));
  } catch {
    // Storage refused (a private window, a policy): the fold lasts as long as the page.
  }
}

function remembered(key: string): boolean {
  try {
    return localStorage.getItem(storageKey(key)) === '1';
  } catch {
    return false;
  }
}

/**
 * Puts `sections` first in their column, in the order given (the requests, above the
 * statecharts).
 */
export function putFirst(...sections: HTMLElement[]): void {
  addStyle();
  for (const section of sections.reverse()) section.parentElement?.prepend(section);
}

/**
 * Makes `section` fold to its title: the `h2` becomes a button (with `aria-expanded`) that hides
 * all but the title and a `.path` line. `key` names the section where the page remembers it
 * folded, so that it stays folded after a reload.
 */
export function foldable(section: HTMLElement, key: string): void {
  addStyle();
  const title = section.querySelector(':scope > h2');
  if (title === null) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'fold';
  button.append(...title.childNodes);
  title.replaceChildren(button);
  const set = (folded: boolean): void => {
    section.classList.toggle('folded', folded);
    button.setAttribute('aria-expanded', String(!folded));
  };
  set(remembered(key));
  button.addEventListener('click', () => {
    const folded = !section.classList.contains('folded');
    set(folded);
    remember(key, folded);
  });
}
