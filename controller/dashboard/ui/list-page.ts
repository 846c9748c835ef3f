/** Every Rollout in view: phase, step, weight and its latest analysis as a sparkline. */
import type { ListRow } from "../view-rollout.js";
import { sparkline } from "./charts.js";
import { h } from "./dom.js";

export const linkTo = (ns: string, name: string): string =>
  `#/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;

export function listPage(rows: ListRow[]): HTMLElement {
  if (rows.length === 0)
    return h("section", {}, h("h1", {}, "Rollouts"), h("p", {}, "No Rollouts here yet."));
  return h(
    "section",
    {},
    h("h1", {}, "Rollouts"),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "list" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Namespace", "Rollout", "Phase", "Step", "Weight", "Analysis", "Message"].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              { "data-rollout": `${r.namespace}/${r.name}` },
              h("td", {}, r.namespace),
              h(
                "td",
                {},
                h(
                  "a",
                  { href: linkTo(r.namespace, r.name), "data-focus": `link-${r.namespace}-${r.name}` },
                  r.name,
                ),
              ),
              h("td", {}, h("span", { class: `phase ${r.phase}`, "data-field": "phase" }, r.phase)),
              h("td", { "data-field": "step" }, r.strategy === "blueGreen" ? "blue-green" : r.step || "–"),
              h("td", { "data-field": "weight" }, `${r.weight}%`),
              h("td", {}, sparkline(r.sparkline, r.sparklinePhase)),
              h("td", { class: "message" }, r.message),
            ),
          ),
        ),
      ),
    ),
  );
}
