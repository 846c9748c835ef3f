/**
 * Where a chart's marks go: measured values as points on a line and the threshold as a
 * horizontal line, in an SVG's coordinates. Pure (no DOM), so the page only draws what this says.
 */
import type { MetricChart } from "./view-analysis.js";

export interface Geometry {
  width: number;
  height: number;
  points: { x: number; y: number; value: number; phase: string }[];
  /** The threshold's y, when the chart has one. */
  thresholdY?: number;
  /** The values at the top and bottom edges, for the axis labels. */
  max: number;
  min: number;
}

/**
 * The y range holds every value and the threshold, with a margin, so the line the values crossed
 * is always in view; a flat series gets a range around its value.
 */
export function geometry(
  chart: Pick<MetricChart, "points" | "threshold">,
  width: number,
  height: number,
  pad = 8,
): Geometry {
  const values = chart.points.map((p) => p.value);
  const all = chart.threshold ? [...values, chart.threshold.value] : values;
  let lo = all.length > 0 ? Math.min(...all) : 0;
  let hi = all.length > 0 ? Math.max(...all) : 1;
  if (hi === lo) {
    const spread = Math.abs(hi) > 0 ? Math.abs(hi) * 0.5 : 1;
    lo -= spread;
    hi += spread;
  }
  const margin = (hi - lo) * 0.1;
  const min = lo - margin;
  const max = hi + margin;
  const y = (v: number): number => round(pad + ((max - v) / (max - min)) * (height - 2 * pad));
  const n = chart.points.length;
  const x = (i: number): number => round(n <= 1 ? width / 2 : pad + (i / (n - 1)) * (width - 2 * pad));
  return {
    width,
    height,
    points: chart.points.map((p, i) => ({ x: x(i), y: y(p.value), value: p.value, phase: p.phase })),
    thresholdY: chart.threshold ? y(chart.threshold.value) : undefined,
    max,
    min,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
