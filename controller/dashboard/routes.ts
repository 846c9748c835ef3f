/**
 * The dashboard's HTTP routes as a pure function: method and path in, what to do out. The page
 * and its assets, the JSON API, the SSE stream and the actions (POST only).
 */
import { actionVerbs, type ActionVerb } from "../cli/actions.js";

export type Route =
  | { kind: "page" }
  | { kind: "asset"; file: "app.js" | "app.css" }
  /** Browsers ask for it on their own; answered with nothing rather than a 404 in the console. */
  | { kind: "favicon" }
  | { kind: "config" }
  | { kind: "list" }
  | { kind: "detail"; namespace: string; name: string }
  | { kind: "action"; namespace: string; name: string; verb: ActionVerb }
  | { kind: "undo"; namespace: string; name: string }
  | { kind: "stream" };

/** A Kubernetes name or namespace: DNS labels and subdomains (lower case, digits, '-' and '.'). */
const nameRe = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function route(method: string, url: string): Route | { error: number; message: string } {
  const path = url.split("?")[0] ?? "";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const get = method === "GET" || method === "HEAD";
  if (get && parts.length === 0) return { kind: "page" };
  if (get && parts.length === 1 && (parts[0] === "app.js" || parts[0] === "app.css"))
    return { kind: "asset", file: parts[0] };
  if (get && path === "/favicon.ico") return { kind: "favicon" };
  if (parts[0] !== "api") return { error: 404, message: `no page at ${path}` };
  const [, what, namespace, name, verb, extra] = parts;
  if (get && what === "config" && parts.length === 2) return { kind: "config" };
  if (get && what === "stream" && parts.length === 2) return { kind: "stream" };
  if (get && what === "rollouts" && parts.length === 2) return { kind: "list" };
  if (what !== "rollouts" || !namespace || !name || extra !== undefined)
    return { error: 404, message: `no API at ${path}` };
  if (!nameRe.test(namespace) || !nameRe.test(name))
    return { error: 400, message: `"${namespace}/${name}" is not a namespace and a Rollout name` };
  if (verb === undefined) return get ? { kind: "detail", namespace, name } : notAllowed(method, path);
  if (method !== "POST") return notAllowed(method, path);
  if (verb === "undo") return { kind: "undo", namespace, name };
  if ((actionVerbs as readonly string[]).includes(verb))
    return { kind: "action", namespace, name, verb: verb as ActionVerb };
  return {
    error: 404,
    message: `unknown action "${verb}"; one of ${[...actionVerbs, "undo"].join(", ")}`,
  };
}

function notAllowed(method: string, path: string): { error: number; message: string } {
  return { error: 405, message: `${method} is not allowed on ${path}` };
}
