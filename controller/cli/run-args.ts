/**
 * The AnalysisRun commands' words, as Argo's plugin spells them:
 *   create analysisrun (--from TEMPLATE | --from-cluster-template TEMPLATE) [--name N | --generate-name P] [-a NAME=VALUE...]
 *   terminate analysisrun NAME
 * Pure: parseCommand (args.ts) hands over the words after the verb and the flags it read.
 */
import { UsageError } from "./args.js";

/** What `create analysisrun` asks for. */
export interface RunRequest {
  template: string;
  clusterTemplate: boolean;
  name?: string;
  generateName?: string;
  /** NAME=VALUE pairs, in the order given. */
  args: [string, string][];
}

/** Words for the kind, as kubectl and Argo's plugin users type them. */
const runWords = new Set([
  "ar",
  "analysisrun",
  "analysisruns",
  "analysisrun.kestrel.dev",
  "analysisruns.kestrel.dev",
]);

export interface RunFlags {
  from?: string;
  "from-cluster-template"?: string;
  name?: string;
  "generate-name"?: string;
  argument?: string[];
}

export function parseCreateRun(words: readonly string[], flags: RunFlags, line: string): RunRequest {
  const [kind, ...rest] = words;
  if (kind === undefined || !runWords.has(kind))
    throw new UsageError(`create knows only "analysisrun"${kind ? `, not "${kind}"` : ""}`, line);
  if (rest.length > 0)
    throw new UsageError(
      `create analysisrun takes no name word; use --name (unexpected "${rest.join(" ")}")`,
      line,
    );
  const from = flags.from;
  const fromCluster = flags["from-cluster-template"];
  if ((from === undefined) === (fromCluster === undefined))
    throw new UsageError(
      "give the template with --from (AnalysisTemplate) or --from-cluster-template (ClusterAnalysisTemplate), one of them",
      line,
    );
  if (flags.name !== undefined && flags["generate-name"] !== undefined)
    throw new UsageError("give --name or --generate-name, not both", line);
  const args: [string, string][] = [];
  for (const pair of flags.argument ?? []) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new UsageError(`-a/--argument "${pair}" is not NAME=VALUE`, line);
    const name = pair.slice(0, i);
    if (args.some(([n]) => n === name)) throw new UsageError(`argument "${name}" is given twice`, line);
    args.push([name, pair.slice(i + 1)]);
  }
  return {
    template: (from ?? fromCluster)!,
    clusterTemplate: fromCluster !== undefined,
    name: flags.name,
    generateName: flags["generate-name"],
    args,
  };
}

/** `analysisrun NAME`, `ar NAME` or `ar/NAME`: the run's name. */
export function parseRunName(words: readonly string[], line: string): string {
  const [first, second, ...more] = words;
  let name: string | undefined;
  let extra: string[];
  const slash = first?.indexOf("/") ?? -1;
  if (first !== undefined && slash >= 0) {
    if (!runWords.has(first.slice(0, slash)))
      throw new UsageError(`"${first.slice(0, slash)}" is not an AnalysisRun`, line);
    name = first.slice(slash + 1);
    extra = words.slice(1);
  } else if (first !== undefined && runWords.has(first)) {
    name = second;
    extra = more;
  } else throw new UsageError(`terminate knows only "analysisrun"${first ? `, not "${first}"` : ""}`, line);
  if (!name) throw new UsageError("an analysisrun name is needed", line);
  if (extra.length > 0)
    throw new UsageError(`terminate takes one analysisrun; unexpected "${extra.join(" ")}"`, line);
  return name;
}
