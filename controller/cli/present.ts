/**
 * Text for people, as pure functions (test/unit/cli/present.test.ts): tables, the tree `get` draws and
 * measured values rounded to read at a glance. `-o json|yaml` never passes through here, so data
 * keeps its full precision.
 */

export interface TreeNode {
  label: string;
  children?: TreeNode[];
}

/**
 * The lines of a tree under a root drawn by the caller: ├─ for every child but the last, └─ for
 * the last; beneath a non-last child its subtree hangs from a │ bar, beneath the last from spaces
 * (nothing more follows there to connect to).
 */
export function drawTree(children: readonly TreeNode[], indent = ""): string[] {
  return children.flatMap((node, i) => {
    const last = i === children.length - 1;
    return [
      `${indent}${last ? "└─ " : "├─ "}${node.label}`,
      ...drawTree(node.children ?? [], `${indent}${last ? "   " : "│  "}`),
    ];
  });
}

/** Decimals shown to people: enough to compare with a threshold such as 0.95 or 0.005. */
export const shownDecimals = 4;

/**
 * Every decimal number in `text` with more than `shownDecimals` digits after the point, rounded
 * to that many (trailing zeros dropped): "0.7012987012987013" reads "0.7013". Numbers with fewer
 * digits, integers and dotted words (versions "1.25.3", images "app:1.2") are left as they are,
 * so a message or a vector value "[0.12345678,3]" can pass through whole.
 */
export function roundForPeople(text: string): string {
  const long = new RegExp(`(?<![\\d.])(-?\\d+\\.\\d{${shownDecimals + 1},})(?![\\d.])`, "g");
  return text.replace(long, (n) => {
    const rounded = Number(Number(n).toFixed(shownDecimals));
    return Object.is(rounded, -0) ? "0" : String(rounded);
  });
}

/** Rows as kubectl prints them: left-aligned columns two spaces apart, no trailing spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]! + 2))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}
