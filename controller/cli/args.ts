/**
 * The plugin's command line as a pure function: argv in, one checked command out, or a
 * UsageError naming what is wrong and the verb's usage line. No I/O, so every form a user types
 * is table-tested (test/unit/cli/args.test.ts).
 */
import { parseArgs } from "node:util";
import { parseDurationMs } from "../api/duration.js";
import { UsageError } from "./args-error.js";
import {
  groupForms,
  isGroupVerb,
  namesGroup,
  releaseNumber,
  takeGroup,
  targetWords,
  type GroupVerb,
} from "./group-args.js";
import { parseCreateRun, parseRunName, type RunRequest } from "./run-args.js";

export const verbs = [
  "status",
  "history",
  "undo",
  "promote",
  "abort",
  "retry",
  "pause",
  "resume",
  "restart",
  "set",
  "list",
  "get",
  "create",
  "terminate",
  "version",
  "dashboard",
  "release",
] as const;
export type Verb = (typeof verbs)[number];

export interface Command {
  verb: Verb;
  /** The Rollout's name (the RolloutGroup's when `group`); "" for list and version. */
  name: string;
  /** history, undo, release start: the target is a RolloutGroup (group/NAME). */
  group: boolean;
  /** undo group/NAME --to-release=N; undefined: the last release before the newest that succeeded. */
  toRelease?: number;
  /** history group/NAME --release=N. */
  release?: number;
  /** set image: CONTAINER=IMAGE pairs, in order. */
  images: string[];
  namespace?: string;
  allNamespaces: boolean;
  context?: string;
  kubeconfig?: string;
  output?: "json" | "yaml";
  /** status: true unless --watch=false (as `kubectl rollout status`); get: only with --watch. */
  watch: boolean;
  /** As typed, for messages; undefined or "0" means no limit. */
  timeout?: string;
  /** 0 means no limit. */
  timeoutMs: number;
  /** undo: 0 means the previous revision. */
  toRevision: number;
  toLastGood: boolean;
  /** undo --dry-run=client: print the target template, change nothing. */
  dryRun: boolean;
  /** history --revision=N. */
  revision?: number;
  /** promote --full. */
  full: boolean;
  /** create analysisrun: the template, name and arguments. */
  run?: RunRequest;
  /** dashboard: the local port (0 picks a free one) and whether actions are hidden and refused. */
  port: number;
  readOnly: boolean;
}

/** help: the usage text; asked says whether -h asked for it (exit 0) or nothing was given (exit 2). */
export type Parsed = { help: string; asked: boolean } | { command: Command };

// Its own module so group-args.ts can throw it without importing this one (no cycle).
export { UsageError };

/** Words for the kind, as kubectl and Argo's plugin users type them: `get ro web`, `get rollout/web`. */
const kindWords = new Set([
  "ro",
  "rollout",
  "rollouts",
  "rollout.kestrel.dev",
  "rollouts.kestrel.dev",
  "rollouts.v1alpha1.kestrel.dev",
]);

const ROLLOUT = "[rollout] NAME";
/** Per verb: its usage line and the flags it takes besides the global ones. */
const spec: Record<Verb, { usage: string; flags: readonly string[] }> = {
  status: {
    usage: `status ${ROLLOUT} [--watch=false] [--timeout=D] [-o json|yaml]`,
    flags: ["watch", "timeout", "output"],
  },
  history: { usage: `history ${ROLLOUT} [--revision=N] [-o json|yaml]`, flags: ["revision", "output"] },
  undo: {
    usage: `undo ${ROLLOUT} [--to-revision=N | --to-last-good] [--dry-run=client] [-o json|yaml]`,
    flags: ["to-revision", "to-last-good", "dry-run", "output"],
  },
  promote: { usage: `promote ${ROLLOUT} [--full]`, flags: ["full"] },
  abort: { usage: `abort ${ROLLOUT}`, flags: [] },
  retry: { usage: `retry ${ROLLOUT}`, flags: [] },
  pause: { usage: `pause ${ROLLOUT}`, flags: [] },
  resume: { usage: `resume ${ROLLOUT}`, flags: [] },
  restart: { usage: `restart ${ROLLOUT}`, flags: [] },
  set: { usage: `set image ${ROLLOUT} CONTAINER=IMAGE...`, flags: [] },
  list: { usage: "list [rollouts] [-A] [-o json|yaml]", flags: ["all-namespaces", "output"] },
  get: {
    usage: `get ${ROLLOUT} [--watch] [--timeout=D] [-o json|yaml]`,
    flags: ["watch", "timeout", "output"],
  },
  create: {
    usage:
      "create analysisrun (--from TEMPLATE | --from-cluster-template TEMPLATE) [--name NAME | --generate-name PREFIX] [-a NAME=VALUE...]",
    flags: ["from", "from-cluster-template", "name", "generate-name", "argument"],
  },
  terminate: { usage: "terminate analysisrun NAME", flags: [] },
  version: { usage: "version [-o json|yaml]", flags: ["output"] },
  dashboard: {
    usage: "dashboard [--port=N] [-A] [--read-only]",
    flags: ["port", "all-namespaces", "read-only"],
  },
  // Only ever a group's verb: parseCommand takes its form from groupForms.
  release: groupForms.release,
};

/** Every usage line, a verb's group form right after its rollout form. */
const usageLines = verbs.flatMap((v) =>
  v === "release" ? [spec[v].usage] : [spec[v].usage, ...(isGroupVerb(v) ? [groupForms[v].usage] : [])],
);

export const usage = `kubectl kestrel - progressive delivery with automatic rollback

${usageLines.map((u) => `  ${u}`).join("\n")}

NAME may also be written rollout/NAME (or ro/NAME); the kind word is optional.
A RolloutGroup is group/NAME (or rog/NAME, rolloutgroup NAME): history lists its releases with
each member's revision; undo asks the controller to undo every member to release N (default: the
last release before the newest that succeeded); release start moves a release now, without
waiting for more edits. Both write an annotation the controller acts on once; neither waits.
create analysisrun starts a one-off run from a template (named TEMPLATE-xxxxx unless --name or
--generate-name); terminate analysisrun stops one (it ends Successful unless a metric failed).
version prints the plugin's version and the version of every Kestrel controller you may list.
dashboard serves a web page on 127.0.0.1 (default port 3100) with your kubeconfig's rights; --read-only hides actions.
status watches until Healthy (exit 0), Degraded (exit 1) or --timeout (exit 1); --watch=false looks once.
Bad arguments exit 2.
flags: -n/--namespace, --context, --kubeconfig`;

const options = {
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  context: { type: "string" },
  kubeconfig: { type: "string" },
  output: { type: "string", short: "o" },
  "to-revision": { type: "string" },
  "to-last-good": { type: "boolean" },
  "dry-run": { type: "string" },
  revision: { type: "string" },
  "to-release": { type: "string" },
  release: { type: "string" },
  watch: { type: "boolean", short: "w" },
  timeout: { type: "string", short: "t" },
  full: { type: "boolean" },
  port: { type: "string" },
  "read-only": { type: "boolean" },
  from: { type: "string" },
  "from-cluster-template": { type: "string" },
  name: { type: "string" },
  "generate-name": { type: "string" },
  argument: { type: "string", short: "a", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;
const globalFlags = new Set(["namespace", "context", "kubeconfig", "help"]);
const booleanFlags = Object.entries(options)
  .filter(([, o]) => o.type === "boolean")
  .map(([k]) => k);

/** Go's strconv.ParseBool words, which kubectl and Argo's plugin accept in `--watch=false`. */
function parseBool(flag: string, text: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
  throw new UsageError(`--${flag} must be true or false, not "${text}"`);
}

type Values = ReturnType<typeof parseFlags>["values"];
/** A boolean flag's value, `--watch=false` form first; undefined when not given. */
type Flag = (name: keyof typeof options & string) => boolean | undefined;

export function parseCommand(argv: readonly string[]): Parsed {
  const { explicit, args } = takeBooleanValues(argv);
  const { values, positionals, tokens } = parseFlags(args);
  const given = new Set([
    ...tokens.filter((t) => t.kind === "option").map((t) => t.name),
    ...explicit.keys(),
  ]);
  const flag: Flag = (name) => explicit.get(name) ?? (values[name] as boolean | undefined);

  const [verbWord, ...rest] = positionals;
  if (flag("help") || !verbWord) return { help: usage, asked: flag("help") ?? false };
  const verb = verbOf(verbWord);
  const group =
    verb === "release" || namesGroup(targetWords(verb, rest, `kubectl kestrel ${spec[verb].usage}`));
  const form = groupFormOf(verb, group);
  const line = `kubectl kestrel ${form.usage}`;
  for (const name of given)
    if (!globalFlags.has(name) && !(form.flags as readonly string[]).includes(name))
      throw new UsageError(`${verb} does not take --${name}${otherFormHint(verb, group, name)}`, line);

  const { name, images, run } = group
    ? { name: takeGroup(verb as GroupVerb, targetWords(verb, rest, line), line), images: [] }
    : (targets[verb] ?? oneRollout)(rest, { verb, line, given, values });
  const output = outputOf(values, line);
  const { watch, timeout, timeoutMs } = waitOf(verb, values, flag, line);
  const { toRevision, toLastGood, dryRun } = undoOf(values, flag, line);
  return {
    command: {
      verb,
      name,
      group,
      toRelease: releaseNumber("to-release", values["to-release"], line),
      release: releaseNumber("release", values.release, line),
      images,
      namespace: values.namespace,
      allNamespaces: flag("all-namespaces") ?? false,
      context: values.context,
      kubeconfig: values.kubeconfig,
      output,
      watch,
      timeout,
      timeoutMs,
      toRevision,
      toLastGood,
      dryRun,
      revision: revisionOf(values, line),
      full: flag("full") ?? false,
      run,
      port: portOf(values, line),
      readOnly: flag("read-only") ?? false,
    },
  };
}

/**
 * node's parseArgs takes no value on a boolean flag; `--watch=false` is the kubectl form, so such
 * values are taken out here (and applied after), the rest of argv left for parseArgs.
 */
function takeBooleanValues(argv: readonly string[]): { explicit: Map<string, boolean>; args: string[] } {
  const explicit = new Map<string, boolean>();
  const args: string[] = [];
  for (const [i, a] of argv.entries()) {
    if (a === "--") {
      args.push(...argv.slice(i));
      break;
    }
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (m && booleanFlags.includes(m[1]!)) explicit.set(m[1]!, parseBool(m[1]!, m[2]!));
    else args.push(a);
  }
  return { explicit, args };
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, tokens: true, options });
  } catch (err) {
    // node's message for an unknown flag is about '--' terminators; say it the kubectl way.
    const m = /Unknown option '([^']+)'/.exec((err as Error).message);
    throw new UsageError(
      m ? `unknown flag: ${m[1]}` : (err as Error).message,
      "kubectl kestrel VERB ... (see --help)",
    );
  }
}

/** The usage and flags of the verb's rollout form or group form; a group where the verb takes none is refused. */
function groupFormOf(verb: Verb, group: boolean): { usage: string; flags: readonly string[] } {
  if (!group) return spec[verb];
  if (!isGroupVerb(verb))
    throw new UsageError(
      `${verb} works on rollouts; a RolloutGroup takes history, undo and release start`,
      `kubectl kestrel ${spec[verb].usage}`,
    );
  return groupForms[verb];
}

/** A flag of the verb's other form (--release on a rollout, --to-revision on a group) says which it is for. */
function otherFormHint(verb: Verb, group: boolean, flag: string): string {
  // -o is not a form's own flag: pointing at the other form would mislead.
  if (!isGroupVerb(verb) || verb === "release" || flag === "output") return "";
  const other = group ? spec[verb] : groupForms[verb];
  if (!(other.flags as readonly string[]).includes(flag)) return "";
  return group
    ? ` for a rolloutgroup (it is for a rollout)`
    : ` for a rollout (it is for ${verb} group/NAME)`;
}

function verbOf(word: string): Verb {
  if (!(verbs as readonly string[]).includes(word))
    throw new UsageError(`unknown command "${word}"`, `kubectl kestrel ${verbs.join("|")} ... (see --help)`);
  return word as Verb;
}

/** What a verb's words (after the verb) name: the rollout, and for set image its pairs. */
type Target = { name: string; images: string[]; run?: RunRequest };
type TargetParser = (
  words: string[],
  at: { verb: Verb; line: string; given: Set<string>; values: Values },
) => Target;

/** The verbs whose words are not just one rollout. */
const targets: Partial<Record<Verb, TargetParser>> = {
  create: (words, { line, values }) => ({ name: "", images: [], run: parseCreateRun(words, values, line) }),
  terminate: (words, { line }) => ({ name: parseRunName(words, line), images: [] }),
  list: (words, { line }) => {
    if (words.length > 1 || (words[0] !== undefined && !kindWords.has(words[0])))
      throw new UsageError(`list takes no rollout name; unexpected "${words.join(" ")}"`, line);
    return { name: "", images: [] };
  },
  version: (words, { line }) => {
    if (words.length > 0)
      throw new UsageError(`version takes no arguments; unexpected "${words.join(" ")}"`, line);
    return { name: "", images: [] };
  },
  dashboard: (words, { line }) => {
    if (words.length > 0)
      throw new UsageError(`dashboard takes no arguments; unexpected "${words.join(" ")}"`, line);
    return { name: "", images: [] };
  },
  set: (words, { line }) => {
    if (words[0] !== "image") throw new UsageError(`set knows only "image"`, line);
    const target = takeRollout(words.slice(1), line, (w) => w.includes("="));
    if (target.rest.length === 0) throw new UsageError("set image needs at least one CONTAINER=IMAGE", line);
    for (const pair of target.rest) {
      const [container, image] = splitPair(pair);
      if (!container || !image) throw new UsageError(`"${pair}" is not CONTAINER=IMAGE`, line);
    }
    return { name: target.name, images: target.rest };
  },
};

const oneRollout: TargetParser = (words, { verb, line, given }) => {
  const target = takeRollout(words, line, () => false);
  if (target.rest.length > 0) {
    // `status web --watch false` (as Argo's docs write it) gives "false" as a word.
    const hint =
      ["true", "false"].includes(target.rest[0]!) && given.has("watch") ? "; write --watch=false" : "";
    throw new UsageError(`${verb} takes one rollout; unexpected "${target.rest.join(" ")}"${hint}`, line);
  }
  return { name: target.name, images: [] };
};

function outputOf(values: Values, line: string): Command["output"] {
  const output = values.output;
  if (output !== undefined && output !== "json" && output !== "yaml")
    throw new UsageError(`-o/--output must be json or yaml, not "${output}"`, line);
  return output;
}

/** --watch and --timeout: status watches unless told not to, get only when told to. */
function waitOf(
  verb: Verb,
  values: Values,
  flag: Flag,
  line: string,
): Pick<Command, "watch" | "timeout" | "timeoutMs"> {
  const timeout = values.timeout;
  let timeoutMs = 0;
  if (timeout !== undefined) {
    const ms = parseDurationMs(timeout);
    if (ms === undefined)
      throw new UsageError(
        `--timeout must be a duration such as 30s, 5m or 0 (no limit), not "${timeout}"`,
        line,
      );
    timeoutMs = ms;
  }
  const watch = flag("watch") ?? verb === "status";
  if (verb === "status" && !watch && timeout !== undefined)
    throw new UsageError("--timeout limits the wait; with --watch=false there is none", line);
  if (verb === "get" && !watch && timeout !== undefined)
    throw new UsageError("--timeout limits --watch; get without --watch looks once", line);
  return { watch, timeout, timeoutMs };
}

/** undo's target (--to-revision, --to-last-good) and --dry-run. */
function undoOf(
  values: Values,
  flag: Flag,
  line: string,
): Pick<Command, "toRevision" | "toLastGood" | "dryRun"> {
  let toRevision = 0;
  if (values["to-revision"] !== undefined) {
    toRevision = Number(values["to-revision"]);
    if (!/^\d+$/.test(values["to-revision"]))
      throw new UsageError(
        `--to-revision must be a non-negative integer, not "${values["to-revision"]}"`,
        line,
      );
  }
  const toLastGood = flag("to-last-good") ?? false;
  if (toLastGood && toRevision > 0)
    throw new UsageError("give --to-revision or --to-last-good, not both", line);

  const dryRun = values["dry-run"];
  if (dryRun !== undefined && dryRun !== "client" && dryRun !== "none")
    throw new UsageError(`--dry-run must be "client" or "none", not "${dryRun}"`, line);
  return { toRevision, toLastGood, dryRun: dryRun === "client" };
}

/** The dashboard's port as Argo's plugin: 3100 unless --port names another (0: any free port). */
export const defaultDashboardPort = 3100;
function portOf(values: Values, line: string): number {
  if (values.port === undefined) return defaultDashboardPort;
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new UsageError(`--port must be a port number from 0 to 65535, not "${values.port}"`, line);
  return port;
}

/** history --revision=N. */
function revisionOf(values: Values, line: string): number | undefined {
  if (values.revision === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(values.revision))
    throw new UsageError(`--revision must be a positive integer, not "${values.revision}"`, line);
  return Number(values.revision);
}

/**
 * The rollout named by the leading words: NAME, KIND NAME or KIND/NAME, KIND being one of the
 * Rollout's kind words. A lone kind word is a missing name, as `kubectl get rollout` lists rather
 * than looks up a Rollout called "rollout" (write `rollout/rollout` for that one).
 */
function takeRollout(
  words: readonly string[],
  line: string,
  isNotName: (w: string) => boolean,
): { name: string; rest: string[] } {
  const [first, second, ...more] = words;
  if (first === undefined || isNotName(first)) throw new UsageError("a rollout name is needed", line);
  const slash = first.indexOf("/");
  if (slash >= 0) {
    const kind = first.slice(0, slash);
    const name = first.slice(slash + 1);
    if (!kindWords.has(kind))
      throw new UsageError(
        `"${kind}" is not a Rollout; kubectl kestrel works on rollouts (ro, rollout/NAME)`,
        line,
      );
    if (!name) throw new UsageError(`"${first}" names no rollout`, line);
    return { name, rest: words.slice(1) };
  }
  if (kindWords.has(first)) {
    if (second === undefined || isNotName(second))
      throw new UsageError(`a rollout name is needed after "${first}"`, line);
    return { name: second, rest: more };
  }
  return { name: first, rest: words.slice(1) };
}

/** CONTAINER=IMAGE; the image may itself hold no "=", but split at the first one only. */
export function splitPair(pair: string): [string, string] {
  const i = pair.indexOf("=");
  return i < 0 ? [pair, ""] : [pair.slice(0, i), pair.slice(i + 1)];
}
