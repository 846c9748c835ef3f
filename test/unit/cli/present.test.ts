import assert from "node:assert/strict";
import { drawTree, roundForPeople, table, type TreeNode } from "../../../controller/cli/present.js";

describe("drawTree: the tree under `kubectl kestrel get`", () => {
  const leaf = (label: string): TreeNode => ({ label });
  const cases: { name: string; tree: TreeNode[]; want: string[] }[] = [
    { name: "nothing", tree: [], want: [] },
    { name: "one child is the last", tree: [leaf("a")], want: ["└─ a"] },
    {
      name: "all but the last child get ├─",
      tree: [leaf("a"), leaf("b"), leaf("c")],
      want: ["├─ a", "├─ b", "└─ c"],
    },
    {
      name: "a bar continues under a non-last parent, spaces under the last",
      tree: [
        { label: "rs2", children: [leaf("pod1"), leaf("pod2")] },
        { label: "rs1", children: [leaf("pod3"), leaf("run1")] },
      ],
      want: ["├─ rs2", "│  ├─ pod1", "│  └─ pod2", "└─ rs1", "   ├─ pod3", "   └─ run1"],
    },
    {
      name: "three levels",
      tree: [
        { label: "a", children: [{ label: "a1", children: [leaf("x")] }, leaf("a2")] },
        { label: "b", children: [{ label: "b1", children: [leaf("y"), leaf("z")] }] },
      ],
      want: ["├─ a", "│  ├─ a1", "│  │  └─ x", "│  └─ a2", "└─ b", "   └─ b1", "      ├─ y", "      └─ z"],
    },
    {
      name: "a parent without children draws no bar",
      tree: [{ label: "a", children: [] }, leaf("b")],
      want: ["├─ a", "└─ b"],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(drawTree(c.tree), c.want);
    });
});

describe("roundForPeople: measured values read at a glance", () => {
  const cases: [string, string][] = [
    ["0.7012987012987013", "0.7013"],
    ["success-rate=0.7012987012987013 latency=0.25", "success-rate=0.7013 latency=0.25"],
    ["0.12345", "0.1235"],
    ["0.12344", "0.1234"],
    ["0.500000001", "0.5"],
    ["0.00001", "0"],
    ["-0.00001", "0"],
    ["-3.141592653", "-3.1416"],
    ["1234.567891", "1234.5679"],
    ["[0.12345678,3]", "[0.1235,3]"],
    ["0.1234", "0.1234"],
    ["42", "42"],
    ["image app:1.25.33333 on node 10.0.0.12345", "image app:1.25.33333 on node 10.0.0.12345"],
    ["-", "-"],
  ];
  for (const [input, want] of cases)
    it(`"${input}" reads "${want}"`, () => {
      assert.equal(roundForPeople(input), want);
    });
});

describe("table: columns as kubectl prints them", () => {
  const cases: { name: string; rows: string[][]; want: string }[] = [
    { name: "a header alone", rows: [["NAME", "PHASE"]], want: "NAME  PHASE" },
    {
      name: "each column as wide as its widest cell plus two spaces",
      rows: [
        ["A", "BB", "C"],
        ["long", "x", "y"],
      ],
      want: "A     BB  C\nlong  x   y",
    },
    {
      name: "no trailing spaces after a short or empty last cell",
      rows: [
        ["NAME", "MESSAGE"],
        ["web", ""],
      ],
      want: "NAME  MESSAGE\nweb",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(table(c.rows), c.want);
    });
});
