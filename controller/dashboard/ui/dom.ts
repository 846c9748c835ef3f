/** A tiny element builder: text goes in as text nodes, never as HTML, so nothing read is markup. */
type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  return fill(document.createElement(tag), attrs, children);
}

const svgNs = "http://www.w3.org/2000/svg";
export function s(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): SVGElement {
  return fill(document.createElementNS(svgNs, tag), attrs, children);
}

function fill<E extends Element>(el: E, attrs: Attrs, children: (Child | Child[])[]): E {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  return el;
}
