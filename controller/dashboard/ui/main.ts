/**
 * The dashboard's page: a hash router (#/ the list, #/NS/NAME one Rollout), data from the
 * server's JSON API, and a server-sent event stream (fed by Kubernetes watches) that says which
 * Rollout changed, so the page reads it again. No polling, no animations.
 */
import { act, describeError, getConfig, getDetail, getList, type Config } from "./api.js";
import { h } from "./dom.js";
import { listPage } from "./list-page.js";
import { rolloutPage } from "./rollout-page.js";

type View = { page: "list" } | { page: "rollout"; ns: string; name: string };

const main = document.getElementById("main")!;
const problem = document.getElementById("problem")!;
const live = document.getElementById("live")!;
let config: Config = { namespace: "", allNamespaces: false, readOnly: true };
/** The last action's outcome, kept across re-renders until the next route change. */
let notice: { text: string; error: boolean } | undefined;

function viewOf(hash: string): View {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return parts.length === 2 ? { page: "rollout", ns: parts[0]!, name: parts[1]! } : { page: "list" };
}

function showProblem(text: string | undefined): void {
  problem.hidden = !text;
  problem.textContent = text ?? "";
}

/** Replaces the page, keeping keyboard focus on the same control when it is still there. */
function show(el: HTMLElement): void {
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
  const noticeEl = notice
    ? h(
        "p",
        { class: notice.error ? "notice error" : "notice", role: "status", "data-notice": "" },
        notice.text,
      )
    : null;
  main.replaceChildren(...(noticeEl ? [noticeEl] : []), el);
  if (focused) main.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
}

let rendering: Promise<void> = Promise.resolve();
let again = false;
/** One render at a time; changes arriving meanwhile cause exactly one more. */
function render(): void {
  if (again) return;
  again = true;
  rendering = rendering.then(async () => {
    again = false;
    await renderNow();
  });
}

async function renderNow(): Promise<void> {
  const view = viewOf(location.hash);
  try {
    if (view.page === "list") {
      show(listPage(await getList()));
      document.title = "Rollouts · Kestrel";
    } else {
      show(
        rolloutPage(
          view.ns,
          await getDetail(view.ns, view.name),
          config.readOnly,
          handlers(view.ns, view.name),
        ),
      );
      document.title = `${view.name} · Kestrel`;
    }
    main.dataset.loaded = "true";
  } catch (err) {
    const what = view.page === "list" ? scopeWords() : `Rollout ${view.ns}/${view.name}`;
    show(
      h(
        "section",
        { class: "denied", "data-error": "" },
        h("h1", {}, "Cannot show this"),
        h("p", {}, describeError(err, `read ${what}`)),
      ),
    );
  }
}

function scopeWords(): string {
  return config.allNamespaces
    ? "Rollouts across all namespaces"
    : `Rollouts in namespace ${config.namespace}`;
}

function handlers(ns: string, name: string) {
  const run = (verb: string, label: string, body?: object): void => {
    act(ns, name, verb, body)
      .then(
        (res) => (notice = { text: res.message, error: false }),
        (err: unknown) =>
          (notice = { text: describeError(err, `${label.toLowerCase()} ${ns}/${name}`), error: true }),
      )
      .finally(render);
  };
  return {
    act: run,
    confirmUndo: (revision: number, images: string[]) =>
      confirmUndo(name, revision, images, () => run("undo", `undo to revision ${revision}`, { revision })),
  };
}

/** A modal dialog naming the revision and its images; Escape or Cancel does nothing. */
function confirmUndo(name: string, revision: number, images: string[], yes: () => void): void {
  const dialog = h(
    "dialog",
    { "aria-labelledby": "undo-title", class: "confirm" },
    h("h2", { id: "undo-title" }, `Undo ${name} to revision ${revision}?`),
    h("p", {}, "Its pods will run: ", h("b", { "data-images": "" }, images.join(", ")), "."),
    h(
      "p",
      { class: "muted" },
      "As kubectl kestrel undo --to-revision: the controller goes back to that template.",
    ),
    h(
      "form",
      { method: "dialog" },
      h("button", { value: "cancel", type: "submit", autofocus: true }, "Cancel"),
      " ",
      h("button", { value: "undo", type: "submit", "data-confirm": "" }, `Undo to revision ${revision}`),
    ),
  ) as HTMLDialogElement;
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (dialog.returnValue === "undo") yes();
  });
  document.body.append(dialog);
  dialog.showModal();
}

function listen(): void {
  const events = new EventSource("/api/stream");
  events.addEventListener("ready", () => {
    live.textContent = "live";
    showProblem(undefined);
  });
  events.addEventListener("change", (e) => {
    const change = JSON.parse((e as MessageEvent<string>).data) as { namespace: string; rollout: string };
    const view = viewOf(location.hash);
    if (view.page === "list" || (view.ns === change.namespace && view.name === change.rollout)) render();
  });
  events.addEventListener("problem", (e) => {
    showProblem((JSON.parse((e as MessageEvent<string>).data) as { message: string }).message);
  });
  events.onerror = () => (live.textContent = "reconnecting…");
}

async function boot(): Promise<void> {
  config = await getConfig();
  document.getElementById("scope")!.textContent =
    `${config.allNamespaces ? "all namespaces" : `namespace ${config.namespace}`}${config.readOnly ? " · read-only" : ""}`;
  window.addEventListener("hashchange", () => {
    notice = undefined;
    render();
    main.focus();
  });
  render();
  listen();
}

boot().catch((err: unknown) => showProblem(describeError(err, "start the dashboard")));
