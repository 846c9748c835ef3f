/**
 * The RolloutGroup forms of the command line (history, undo, release start), pure as args.ts:
 * which words name a group, and the group's name out of them.
 */
import { UsageError } from "./args-error.js";

/** Words for the kind as kubectl users type it: `rog/shop`, `rolloutgroup shop`; `group/shop` for short. */
export const groupKindWords = new Set([
  "group",
  "rog",
  "rolloutgroup",
  "rolloutgroups",
  "rolloutgroup.kestrel.dev",
  "rolloutgroups.kestrel.dev",
  "rolloutgroups.v1alpha1.kestrel.dev",
]);

/** The verbs that take a RolloutGroup, and the flags each takes then besides the global ones. */
export const groupForms = {
  history: { usage: "history group/NAME [--release=N] [-o json|yaml]", flags: ["release", "output"] },
  undo: { usage: "undo group/NAME [--to-release=N]", flags: ["to-release"] },
  release: { usage: "release start group/NAME", flags: [] },
} as const satisfies Record<string, { usage: string; flags: readonly string[] }>;
export type GroupVerb = keyof typeof groupForms;

export const isGroupVerb = (verb: string): verb is GroupVerb => verb in groupForms;

/** The words after the verb that name the target: release's come after "start". */
export function targetWords(verb: string, words: readonly string[], line: string): readonly string[] {
  if (verb !== "release") return words;
  if (words[0] !== "start") throw new UsageError(`release knows only "start"`, line);
  return words.slice(1);
}

/** The words name a group: KIND/NAME or a lone or leading KIND, KIND being a group word. */
export function namesGroup(words: readonly string[]): boolean {
  const first = words[0];
  if (first === undefined) return false;
  const slash = first.indexOf("/");
  return groupKindWords.has(slash >= 0 ? first.slice(0, slash) : first);
}

/**
 * The group's name: KIND/NAME, KIND NAME, or (release start only, which takes nothing else) a bare
 * NAME. A lone kind word is a missing name, as for rollouts.
 */
export function takeGroup(verb: GroupVerb, words: readonly string[], line: string): string {
  const said = verb === "release" ? "release start" : verb;
  const [first, second, ...more] = words;
  if (first === undefined) throw new UsageError("a rolloutgroup name is needed", line);
  let name = first;
  let rest = words.slice(1);
  const slash = first.indexOf("/");
  if (slash >= 0) {
    const kind = first.slice(0, slash);
    name = first.slice(slash + 1);
    if (!groupKindWords.has(kind))
      throw new UsageError(`"${kind}" is not a RolloutGroup; ${said} takes group/NAME here`, line);
    if (!name) throw new UsageError(`"${first}" names no rolloutgroup`, line);
  } else if (groupKindWords.has(first)) {
    if (second === undefined) throw new UsageError(`a rolloutgroup name is needed after "${first}"`, line);
    name = second;
    rest = more;
  }
  if (rest.length > 0)
    throw new UsageError(`${said} takes one rolloutgroup; unexpected "${rest.join(" ")}"`, line);
  return name;
}

/** history --release=N and undo --to-release=N: a release number, 1 or more. */
export function releaseNumber(flag: "release" | "to-release", text: string | undefined, line: string) {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text))
    throw new UsageError(`--${flag} must be a release number (1 or more), not "${text}"`, line);
  return Number(text);
}
