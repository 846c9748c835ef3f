/**
 * `{{args.NAME}}` substitution into PromQL. A value is inserted as a value, never as syntax:
 * inside a string literal it may not contain the quote, a backslash or a newline (it could close
 * the string); outside one it must be a plain number or name-like token. Anything else is refused
 * with the argument's name, so an argument cannot change what the query asks.
 */
export class TemplateError extends Error {}

const placeholder = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const safeBare = /^(?:-?\d+(?:\.\d+)?(?:e-?\d+)?|\d+(?:ms|s|m|h|d|w|y)|[A-Za-z_][A-Za-z0-9_:.-]*)$/;

export function substituteArgs(query: string, args: Record<string, string | undefined>): string {
  let out = "";
  let last = 0;
  for (const m of query.matchAll(placeholder)) {
    const name = m[1]!;
    const value = args[name];
    if (value === undefined)
      throw new TemplateError(
        `argument "${name}" has no value (declare it in the template's args or pass it from the Rollout)`,
      );
    const before = query.slice(0, m.index);
    const quote = openQuote(before);
    if (quote) {
      if (value.includes(quote) || value.includes("\\") || /[\n\r]/.test(value)) {
        throw new TemplateError(
          `argument "${name}" contains ${quote}, a backslash or a newline, which could break out of the query's string`,
        );
      }
    } else if (!safeBare.test(value)) {
      throw new TemplateError(
        `argument "${name}" = ${JSON.stringify(value)} is used outside quotes and is not a plain number or name; quote it in the query`,
      );
    }
    out += query.slice(last, m.index) + value;
    last = m.index + m[0].length;
  }
  return out + query.slice(last);
}

/** The quote character of a string literal left open at the end of `text`, if any. */
function openQuote(text: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
  }
  return quote;
}
