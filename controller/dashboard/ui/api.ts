/** The page's calls to its own server; every failure comes back as the server's words. */
import type { ListRow, RolloutDetail } from "../view-rollout.js";

export interface Config {
  namespace: string;
  allNamespaces: boolean;
  readOnly: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const getConfig = (): Promise<Config> => call("/api/config");
export const getList = (): Promise<ListRow[]> => call("/api/rollouts");
export const getDetail = (ns: string, name: string): Promise<RolloutDetail> =>
  call(`/api/rollouts/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`);

/** Runs a plugin verb; the header proves the request comes from this page (see serve.ts). */
export function act(ns: string, name: string, verb: string, body?: object): Promise<{ message: string }> {
  return call(`/api/rollouts/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${verb}`, {
    method: "POST",
    headers: { "x-kestrel-dashboard": "1", "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
}

/** A failure for people; a 403 says plainly that the user's own rights refused it. */
export function describeError(err: unknown, doing: string): string {
  if (err instanceof ApiError && err.status === 403)
    return `Not allowed: your Kubernetes credentials may not ${doing}. ${err.message}`;
  return `Could not ${doing}: ${err instanceof Error ? err.message : String(err)}`;
}
