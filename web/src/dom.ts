/** Small DOM helpers: elements built from data (text, never HTML strings), messages, downloads. */

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; text children are text nodes, so nothing is parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    e.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`The page has no element #${id}.`);
  return e as T;
}

/** Shows a message in a message area: `error` as an alert, `info` and `ok` as status. */
export function showMessage(area: HTMLElement, text: string, kind: 'error' | 'info' | 'ok' = 'info'): void {
  area.replaceChildren();
  if (text === '') {
    area.hidden = true;
    return;
  }
  area.hidden = false;
  area.className = `message ${kind}`;
  area.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  area.textContent = text;
}

/** Offers a blob as a file download (an object URL, released afterwards). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A number with thousands separators, for counts. */
export function count(n: number): string {
  return n.toLocaleString('en-GB');
}

/** "1 line", "3 lines". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
