/** Inline SVG charts: a measurement chart with its threshold line, and a list row's sparkline. */
import { geometry } from "../chart.js";
import type { MetricChart } from "../view-analysis.js";
import { h, s } from "./dom.js";

const fmt = (v: number): string => String(Math.round(v * 1000) / 1000);

export function chart(c: MetricChart): HTMLElement {
  const g = geometry(c, 480, 160, 12);
  const line = g.points.map((p) => `${p.x},${p.y}`).join(" ");
  const t = c.threshold;
  const summary = `${c.metric}: ${c.points.map((p) => fmt(p.value)).join(", ") || "no values yet"}${
    t ? `; ${t.kind} threshold ${t.op} ${fmt(t.value)}` : ""
  }; ${c.phase}`;
  const svg = s(
    "svg",
    { viewBox: `0 0 ${g.width} ${g.height}`, role: "img", "aria-label": summary, class: "chart" },
    s("title", {}, summary),
    t && g.thresholdY !== undefined
      ? s("line", {
          x1: 0,
          x2: g.width,
          y1: g.thresholdY,
          y2: g.thresholdY,
          class: `threshold ${t.kind}`,
          "data-threshold": t.value,
        })
      : null,
    t && g.thresholdY !== undefined
      ? s(
          "text",
          { x: g.width - 4, y: g.thresholdY - 4, class: "threshold-label" },
          `${t.op} ${fmt(t.value)}`,
        )
      : null,
    g.points.length > 1 ? s("polyline", { points: line, class: "values" }) : null,
    g.points.map((p) =>
      s(
        "circle",
        { cx: p.x, cy: p.y, r: 4, class: `point ${p.phase}`, "data-value": p.value },
        s("title", {}, `${fmt(p.value)} ${p.phase}`),
      ),
    ),
    s("text", { x: 2, y: 10, class: "axis" }, fmt(g.max)),
    s("text", { x: 2, y: g.height - 2, class: "axis" }, fmt(g.min)),
  );
  return h(
    "figure",
    { class: `metric ${c.phase}`, "data-metric": c.metric },
    svg,
    h(
      "figcaption",
      {},
      h("strong", {}, c.metric),
      ` ${c.phase}`,
      t ? ` · ${t.kind} when ${t.condition}` : " · no single threshold in its condition",
      c.message ? h("div", { class: "muted" }, c.message) : null,
    ),
  );
}

export function sparkline(values: number[], phase: string): Element {
  if (values.length === 0) return h("span", { class: "muted" }, "–");
  const g = geometry({ points: values.map((value) => ({ at: "", value, phase: "" })) }, 80, 20, 2);
  return s(
    "svg",
    {
      viewBox: "0 0 80 20",
      class: `spark ${phase}`,
      role: "img",
      "aria-label": `latest analysis ${phase}: ${values.map(fmt).join(", ")}`,
    },
    s("polyline", { points: g.points.map((p) => `${p.x},${p.y}`).join(" ") }),
    g.points.map((p) => s("circle", { cx: p.x, cy: p.y, r: 1.5 })),
  );
}
