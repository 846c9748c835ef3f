/** One Rollout: steps timeline, actions, analysis charts, ReplicaSets, revisions and Events. */
import type { RolloutDetail } from "../view-rollout.js";
import { chart } from "./charts.js";
import { h } from "./dom.js";

export interface Handlers {
  /** Runs a verb (undo with its revision); resolves when done, the page shows the outcome. */
  act: (verb: string, label: string, body?: object) => void;
  confirmUndo: (revision: number, images: string[]) => void;
}

export function rolloutPage(ns: string, d: RolloutDetail, readOnly: boolean, on: Handlers): HTMLElement {
  const r = d.row;
  return h(
    "article",
    { class: "rollout", "data-rollout": `${ns}/${r.name}` },
    h("p", {}, h("a", { href: "#/" }, "← All Rollouts")),
    h(
      "h1",
      {},
      `${r.name} `,
      h("span", { class: `phase ${r.phase}`, "data-field": "phase" }, r.phase),
      d.aborted ? h("span", { class: "badge aborted", "data-field": "aborted" }, "aborted") : null,
      d.paused ? h("span", { class: "badge" }, "paused") : null,
    ),
    h(
      "p",
      { class: "summary" },
      `namespace ${ns} · `,
      h("span", {}, "step ", h("b", { "data-field": "step" }, r.step || "–")),
      " · ",
      h("span", {}, "weight ", h("b", { "data-field": "weight" }, `${r.weight}%`)),
    ),
    h("p", { class: "message", "data-field": "message" }, r.message),
    readOnly ? null : actions(d, on),
    section("Steps", steps(d)),
    section("Analysis", analysis(d)),
    section("ReplicaSets", replicaSets(d)),
    section("Revisions", revisions(d, readOnly, on)),
    section("Events", events(d)),
  );
}

function section(title: string, body: HTMLElement): HTMLElement {
  const id = `s-${title.toLowerCase()}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), body);
}

function actions(d: RolloutDetail, on: Handlers): HTMLElement {
  const b = (verb: string, label: string): HTMLElement =>
    h(
      "button",
      {
        type: "button",
        "data-action": verb,
        "data-focus": `act-${verb}`,
        onclick: () => on.act(verb, label),
      },
      label,
    );
  return h(
    "div",
    { class: "actions", role: "group", "aria-label": "Actions" },
    b("promote", "Promote"),
    b("promote-full", "Promote full"),
    b("abort", "Abort"),
    b("retry", "Retry"),
    d.paused ? b("resume", "Resume") : b("pause", "Pause"),
  );
}

function steps(d: RolloutDetail): HTMLElement {
  if (d.steps.length === 0) return h("p", { class: "muted" }, "No canary steps.");
  return h(
    "ol",
    { class: "timeline" },
    d.steps.map((s) =>
      h(
        "li",
        { class: s.state, "aria-current": s.state === "current" ? "step" : undefined, "data-step": s.index },
        h("span", { class: "dot", "aria-hidden": "true" }),
        `${s.index + 1}. ${s.label}`,
        s.state === "current" ? h("span", { class: "muted" }, " (now)") : null,
      ),
    ),
  );
}

function analysis(d: RolloutDetail): HTMLElement {
  if (d.analysis.length === 0) return h("p", { class: "muted" }, "No AnalysisRuns.");
  return h(
    "div",
    {},
    d.analysis.map((run) =>
      h(
        "div",
        { class: "run", "data-run": run.name },
        h("h3", {}, `${run.name} `, h("span", { class: `phase ${run.phase}` }, run.phase)),
        run.message ? h("p", { class: "verdict" }, run.message) : null,
        h("div", { class: "charts" }, run.charts.map(chart)),
      ),
    ),
  );
}

function table(
  head: string[],
  rows: (string | Node)[][],
  attrs: (i: number) => Record<string, string> = () => ({}),
) {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((r, i) =>
          h(
            "tr",
            attrs(i),
            r.map((c) => h("td", {}, c)),
          ),
        ),
      ),
    ),
  );
}

function replicaSets(d: RolloutDetail): HTMLElement {
  return table(
    ["Revision", "ReplicaSet", "Role", "Images", "Pods ready / desired"],
    d.replicaSets.map((rs) => [
      String(rs.revision),
      rs.name,
      rs.role,
      rs.images.join(", "),
      `${rs.ready} / ${rs.desired}`,
    ]),
  );
}

function revisions(d: RolloutDetail, readOnly: boolean, on: Handlers): HTMLElement {
  // Newest first: the newest revision is the Rollout's template, nothing to undo to.
  const current = d.revisions[0];
  return table(
    readOnly
      ? ["Revision", "Images", "Change cause", "Created", "Outcome"]
      : ["Revision", "Images", "Change cause", "Created", "Outcome", ""],
    d.revisions.map((x) => [
      String(x.revision),
      x.images.join(", "),
      x.changeCause || "–",
      x.created,
      x.outcome,
      ...(readOnly
        ? []
        : [
            x === current
              ? ""
              : h(
                  "button",
                  {
                    type: "button",
                    "data-undo": x.revision,
                    "data-focus": `undo-${x.revision}`,
                    onclick: () => on.confirmUndo(x.revision, x.images),
                  },
                  `Undo to ${x.revision}`,
                ),
          ]),
    ]),
    (i) => ({ "data-revision": String(d.revisions[i]!.revision) }),
  );
}

function events(d: RolloutDetail): HTMLElement {
  if (d.events.length === 0) return h("p", { class: "muted" }, "No Events.");
  return h(
    "ol",
    { class: "events" },
    d.events.map((e) =>
      h(
        "li",
        { class: e.type },
        h("time", {}, e.at),
        " ",
        h("b", {}, e.reason),
        e.count > 1 ? ` ×${e.count}` : "",
        ": ",
        e.message,
      ),
    ),
  );
}
