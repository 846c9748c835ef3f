import jsep, { type Expression } from "jsep";
import { hasPlaceholder, placeholderNames, substitute } from "./template.js";

/**
 * Conditions such as `result[0] >= 0.95`, `len(result) == 0`, `isNaN(result[0])`,
 * `all(result, {# >= 0.9})` or `default(result[0], 0) < 0.05`, in Argo's (expr-lang) forms.
 * jsep parses them; this walker evaluates the tree against a whitelist of operators and
 * functions. Nothing is ever compiled to JavaScript, so a condition can only compute.
 */

jsep.addIdentifierChar("#");
// expr-lang's word forms, which Argo users write: `a and b`, `a or b`, `not a`, with the same
// precedence as &&, || and !.
jsep.addBinaryOp("or", 1);
jsep.addBinaryOp("and", 2);
jsep.addUnaryOp("not");

/** What a condition sees: Prometheus gives numbers; a Web metric gives any JSON value. */
export type Value = number | boolean | string | null | Value[] | { [key: string]: Value } | undefined;

export class ConditionError extends Error {}

/** Argo writes closures as `{# > 0.9}`; jsep knows parentheses, so braces outside strings become them. */
function normalise(source: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      out += ch;
      if (ch === "\\") out += source[++i] ?? "";
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
    } else out += ch === "{" ? "(" : ch === "}" ? ")" : ch;
  }
  return out;
}

const cache = new Map<string, Expression>();

/** Parses once (cached); throws ConditionError naming the position of a syntax error. */
export function parseCondition(source: string): Expression {
  const hit = cache.get(source);
  if (hit) return hit;
  try {
    const ast = jsep(normalise(source));
    validate(ast);
    if (cache.size > 1000) cache.clear();
    cache.set(source, ast);
    return ast;
  } catch (err) {
    if (err instanceof ConditionError) throw err;
    const e = err as { description?: string; index?: number; message?: string };
    throw new ConditionError(
      `cannot parse "${source}": ${e.description ?? e.message ?? String(err)}${e.index !== undefined ? ` at position ${e.index}` : ""}`,
    );
  }
}

/**
 * Returns a message when the condition cannot be evaluated by this evaluator, else undefined.
 * A template's `{{args.NAME}}` is checked with a stand-in value (0, or text inside quotes): its
 * real value is known and checked only when a run resolves it, so a templated condition is
 * never judged invalid before then.
 */
export function validateCondition(source: string): string | undefined {
  try {
    parseCondition(withStandIns(source));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const binaryOps = new Set([
  "==",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "and",
  "or",
]);

function validate(node: Expression): void {
  switch (node.type) {
    case "Literal":
      return;
    case "Identifier":
      if (!["result", "#", "true", "false", "nil"].includes(node.name as string)) {
        throw new ConditionError(
          `unknown name "${String(node.name)}": conditions can use result (and # inside all/any)`,
        );
      }
      return;
    case "MemberExpression":
      validate(node.object as Expression);
      // result.ok names a key of a JSON object (a Web metric); the key is not a variable.
      if (node.computed) validate(node.property as Expression);
      return;
    case "CallExpression": {
      const callee = node.callee as Expression;
      if (callee.type !== "Identifier" || !functions.has(callee.name as string)) {
        throw new ConditionError(`unknown function; available: ${[...functions.keys()].join(", ")}`);
      }
      (node.arguments as Expression[]).forEach(validate);
      return;
    }
    case "BinaryExpression":
      if (!binaryOps.has(node.operator as string))
        throw new ConditionError(`unsupported operator ${String(node.operator)}`);
      validate(node.left as Expression);
      validate(node.right as Expression);
      return;
    case "UnaryExpression":
      if (!["!", "-", "+", "not"].includes(node.operator as string))
        throw new ConditionError(`unsupported operator ${String(node.operator)}`);
      validate(node.argument as Expression);
      return;
    case "Compound":
      throw new ConditionError("a condition is a single expression");
    default:
      throw new ConditionError(`unsupported syntax (${node.type})`);
  }
}

function withStandIns(source: string): string {
  if (!hasPlaceholder(source)) return source;
  const args = Object.fromEntries(placeholderNames(source).map((n) => [n, "0"]));
  return substitute(source, args, () => undefined);
}

export interface Evaluation {
  value: boolean;
  /** A comparison met NaN or a missing element: the data, not the version, is at fault. */
  noData: boolean;
}

/**
 * Evaluates a condition against a measured result: a number for a scalar, numbers for a vector,
 * any JSON value for a Web metric.
 */
export function evaluateCondition(source: string, result: Value): Evaluation {
  const ast = parseCondition(source);
  const ctx = { noData: false };
  const value = evaluate(ast, result, undefined, ctx);
  if (typeof value !== "boolean")
    throw new ConditionError(`"${source}" gives ${JSON.stringify(value)}, not true or false`);
  return { value, noData: ctx.noData };
}

class MissingValue extends Error {}

function evaluate(node: Expression, result: Value, it: Value, ctx: { noData: boolean }): Value {
  const sub = (n: Expression): Value => evaluate(n, result, it, ctx);
  switch (node.type) {
    case "Literal":
      return node.value as Value;
    case "Identifier":
      if (node.name === "result") return result;
      if (node.name === "#") return it;
      if (node.name === "true") return true;
      if (node.name === "false") return false;
      return null; // nil: JSON's null, e.g. result.error == nil
    case "MemberExpression":
      return member(node, sub);
    case "UnaryExpression": {
      const v = sub(node.argument as Expression);
      if (node.operator === "!" || node.operator === "not") return !truthy(v);
      return node.operator === "-" ? -num(v) : num(v);
    }
    case "BinaryExpression":
      return binary(node, sub, ctx);
    case "CallExpression":
      return call(node, result, it, ctx);
  }
  throw new ConditionError(`unsupported syntax (${node.type})`);
}

/** `result[0]`, `result.ok`, `result["a b"]`: an element of a vector or a key of a JSON object. */
function member(node: Expression, sub: (n: Expression) => Value): Value {
  const obj = sub(node.object as Expression);
  const index = node.computed
    ? sub(node.property as Expression)
    : ((node.property as Expression).name as string);
  if (isObject(obj)) {
    if (typeof index !== "string") throw new ConditionError("a key of an object must be text");
    // Own keys only: a condition must not reach the prototype (constructor, __proto__).
    if (!Object.hasOwn(obj, index)) throw new MissingValue(`the key "${index}" does not exist`);
    return obj[index];
  }
  // A scalar reads as a one-element vector, so result[0] works whichever the query returns.
  if (typeof obj === "number" && index === 0) return obj;
  if (!Array.isArray(obj)) throw new ConditionError(`cannot index ${JSON.stringify(obj)}`);
  if (typeof index !== "number") throw new ConditionError("an index must be a number");
  if (index < 0 || index >= obj.length)
    throw new MissingValue(`result[${index}] does not exist (${obj.length} values)`);
  return obj[index];
}

/** Operators on two evaluated sides; == and != compare the values as they are, the rest as numbers. */
const operators = new Map<string, (l: Value, r: Value) => Value>([
  ["==", (l, r) => l === r],
  ["!=", (l, r) => l !== r],
  ["<", (l, r) => num(l) < num(r)],
  ["<=", (l, r) => num(l) <= num(r)],
  [">", (l, r) => num(l) > num(r)],
  [">=", (l, r) => num(l) >= num(r)],
  ["+", (l, r) => num(l) + num(r)],
  ["-", (l, r) => num(l) - num(r)],
  ["*", (l, r) => num(l) * num(r)],
  ["/", (l, r) => num(l) / num(r)],
  ["%", (l, r) => num(l) % num(r)],
]);
const comparisons = new Set(["<", "<=", ">", ">=", "==", "!="]);

function binary(node: Expression, sub: (n: Expression) => Value, ctx: { noData: boolean }): Value {
  const op = node.operator as string;
  // and/or short-circuit: the right side is not evaluated (and cannot fail) once the left decides.
  if (op === "&&" || op === "and")
    return truthy(sub(node.left as Expression)) && truthy(sub(node.right as Expression));
  if (op === "||" || op === "or")
    return truthy(sub(node.left as Expression)) || truthy(sub(node.right as Expression));
  const l = sub(node.left as Expression);
  const r = sub(node.right as Expression);
  if (comparisons.has(op) && (Number.isNaN(l) || Number.isNaN(r))) ctx.noData = true;
  const apply = operators.get(op);
  if (!apply) throw new ConditionError(`unsupported operator ${op}`);
  return apply(l, r);
}

/** What a function of the condition language is given: its arguments, evaluated on demand. */
interface CallArgs {
  /** The i-th argument's value (a function like default() may not need every one). */
  arg(i: number): Value;
  /** The i-th argument as a list of numbers: a scalar is a list of one. */
  list(i: number): number[];
  /** Evaluates the predicate (the second argument) with `#` bound to each item. */
  each(items: number[], fn: (v: boolean, x: number) => void): void;
  /** Evaluates the expression (the second argument) with `#` bound to x. */
  mapOne(x: number): number;
}

/** A missing value (result[5] of 3, an absent key) read by fn() counts as `fallback` instead. */
function orWhenMissing(fn: () => Value, fallback: () => Value): Value {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MissingValue) return fallback();
    throw err;
  }
}

/** How many items satisfy the predicate, then what each quantifier makes of it. */
const quantifier =
  (verdict: (yes: number, total: number) => boolean) =>
  (a: CallArgs): Value => {
    let yes = 0;
    const items = a.list(0);
    a.each(items, (v) => (yes += v ? 1 : 0));
    return verdict(yes, items.length);
  };

const functions = new Map<string, (a: CallArgs) => Value>([
  [
    "len",
    (a) => {
      const v = a.arg(0);
      return Array.isArray(v) ? v.length : typeof v === "string" ? v.length : 1;
    },
  ],
  [
    "isNaN",
    (a) =>
      orWhenMissing(
        () => Number.isNaN(a.arg(0)),
        () => true,
      ),
  ],
  [
    "default",
    (a) =>
      orWhenMissing(
        () => {
          const v = a.arg(0);
          return v === undefined || v === null || Number.isNaN(v) ? a.arg(1) : v;
        },
        () => a.arg(1),
      ),
  ],
  ["all", quantifier((yes, total) => yes === total)],
  ["any", quantifier((yes) => yes > 0)],
  ["none", quantifier((yes) => yes === 0)],
  ["one", quantifier((yes) => yes === 1)],
  [
    "filter",
    (a) => {
      const out: number[] = [];
      a.each(a.list(0), (v, x) => v && out.push(x));
      return out;
    },
  ],
  ["map", (a) => a.list(0).map((x) => a.mapOne(x))],
  ["abs", (a) => Math.abs(num(a.arg(0)))],
  ["min", (a) => Math.min(...a.list(0))],
  ["max", (a) => Math.max(...a.list(0))],
  ["sum", (a) => a.list(0).reduce((x, y) => x + y, 0)],
  [
    "avg",
    (a) => {
      const xs = a.list(0);
      return xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : Number.NaN;
    },
  ],
]);

function call(node: Expression, result: Value, it: Value, ctx: { noData: boolean }): Value {
  const name = (node.callee as Expression).name as string;
  const fn = functions.get(name);
  if (!fn) throw new ConditionError(`unknown function ${name}`);
  const args = node.arguments as Expression[];
  const arg = (i: number): Value => {
    const a = args[i];
    if (!a) throw new ConditionError(`${name}() needs ${i + 1} argument(s)`);
    return evaluate(a, result, it, ctx);
  };
  const body = (what: string): Expression => {
    const b = args[1];
    if (!b) throw new ConditionError(`${name}() needs ${what}`);
    return b;
  };
  return fn({
    arg,
    list: (i) => {
      const v = arg(i);
      return Array.isArray(v) ? (v as number[]) : [num(v)];
    },
    each: (items, each) => {
      const predicate = body("a predicate like {# > 0.9}");
      for (const x of items) each(truthy(evaluate(predicate, result, x, ctx)), x);
    },
    mapOne: (x) => num(evaluate(body("an expression like {# * 100}"), result, x, ctx)),
  });
}

const isObject = (v: Value): v is { [key: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const truthy = (v: Value): boolean => v === true || (typeof v === "number" && v !== 0 && !Number.isNaN(v));

function num(v: Value): number {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "number") return v[0];
  if (Array.isArray(v) && v.length === 0) throw new MissingValue("the result is empty");
  throw new ConditionError(`expected a number, got ${JSON.stringify(v)}`);
}

/** Evaluation failed because data was missing (empty vector, index out of range), not because the condition is wrong. */
export const isMissingValue = (err: unknown): boolean => err instanceof MissingValue;
