import { argPlaceholderPattern } from "../api/arg-fields.js";

/**
 * `{{args.NAME}}` substitution. A value is inserted as a value, never as syntax: inside a string
 * literal it may not contain the quote, a backslash or a newline (it could close the string);
 * outside one each caller says what a value may be (for PromQL, a plain number or name-like
 * token). Anything else is refused with the argument's name, so an argument cannot change what a
 * query or condition asks.
 */
export class TemplateError extends Error {}

const placeholder = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const exactPlaceholder = new RegExp(argPlaceholderPattern);
const safeBare = /^(?:-?\d+(?:\.\d+)?(?:e-?\d+)?|\d+(?:ms|s|m|h|d|w|y)|[A-Za-z_][A-Za-z0-9_:.-]*)$/;

/** The argument's name when `text` is exactly one placeholder, as the int-or-string fields require. */
export function placeholderName(text: string): string | undefined {
  return exactPlaceholder.exec(text)?.[1];
}

/** The argument names `text` uses, in order. */
export const placeholderNames = (text: string): string[] => [...text.matchAll(placeholder)].map((m) => m[1]!);

/** Whether `text` holds any placeholder. */
export const hasPlaceholder = (text: string): boolean => /\{\{\s*args\./.test(text);

export const missingArgMessage = (name: string): string =>
  `argument "${name}" has no value (declare it in the template's args or pass it from the Rollout)`;

/**
 * Replaces every placeholder. `bare` judges a value used outside quotes: it returns why the
 * value is refused, or undefined to accept it.
 */
export function substitute(
  text: string,
  args: Record<string, string | undefined>,
  bare: (name: string, value: string) => string | undefined,
): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(placeholder)) {
    const name = m[1]!;
    const value = args[name];
    if (value === undefined) throw new TemplateError(missingArgMessage(name));
    const quote = openQuote(text.slice(0, m.index));
    if (quote) {
      if (value.includes(quote) || value.includes("\\") || /[\n\r]/.test(value)) {
        throw new TemplateError(
          `argument "${name}" contains ${quote}, a backslash or a newline, which could break out of the string it is inserted into`,
        );
      }
    } else {
      const problem = bare(name, value);
      if (problem) throw new TemplateError(problem);
    }
    out += text.slice(last, m.index) + value;
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

/** Into PromQL: outside quotes only a plain number, duration or name. */
export function substituteArgs(query: string, args: Record<string, string | undefined>): string {
  return substitute(query, args, (name, value) =>
    safeBare.test(value)
      ? undefined
      : `argument "${name}" = ${JSON.stringify(value)} is used outside quotes and is not a plain number or name; quote it in the query`,
  );
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

/**
 * Into an HTTP header value (a Secret's value may go here): any text without a control
 * character, since a newline would end the header and start another one.
 */
export function substituteHeader(text: string, args: Record<string, string | undefined>): string {
  // Checked whether or not the value sits inside quotes: a header has no quoting.
  for (const name of placeholderNames(text))
    if (/\p{Cc}/u.test(args[name] ?? ""))
      throw new TemplateError(
        `argument "${name}" contains a control character (a newline would start a new header)`,
      );
  return substitute(text, args, () => undefined);
}
