import assert from "node:assert/strict";
import { geometry } from "../../../controller/dashboard/chart.js";

const pts = (...values: number[]) => values.map((value) => ({ at: "", value, phase: "Failed" }));

describe("dashboard: chart geometry", () => {
  it("values above a threshold sit above its line (smaller y), and the line is inside the chart", () => {
    // range 0.1..0.3 with a 10% margin: min 0.08, max 0.32; height 100, pad 10 -> 80 px for 0.24.
    const g = geometry(
      { points: pts(0.3, 0.2), threshold: { value: 0.1, op: "<=", kind: "success", condition: "" } },
      200,
      100,
      10,
    );
    assert.deepEqual(
      g.points.map((p) => [p.x, p.y]),
      [
        [10, 16.7],
        [190, 50],
      ],
    );
    assert.equal(g.thresholdY, 83.3);
    assert.ok(g.points.every((p) => p.y < g.thresholdY!));
  });
  it("a threshold far from the values still widens the range to show it", () => {
    const g = geometry(
      { points: pts(5, 6), threshold: { value: 100, op: "<", kind: "success", condition: "" } },
      100,
      100,
      0,
    );
    assert.ok(g.thresholdY! >= 0 && g.thresholdY! < g.points[0]!.y);
    assert.ok(g.max > 100);
  });
  it("one value is centred; a flat series gets a range around it", () => {
    const g = geometry({ points: pts(2) }, 100, 100, 0);
    assert.deepEqual([g.points[0]!.x, g.points[0]!.y], [50, 50]);
    assert.ok(g.min < 2 && g.max > 2);
  });
});
