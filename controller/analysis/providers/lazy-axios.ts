import type { AxiosStatic } from "axios";

let loading: Promise<AxiosStatic> | undefined;

/**
 * axios, loaded at its first call instead of at start. Why: loading axios reads the global
 * FormData, which makes node load its whole fetch implementation (undici), about 20 ms of every
 * controller start (`node --cpu-prof`), paid before the first list is sent, for a client that
 * only web and Prometheus metrics use and that a restart never needs before its first reconcile.
 * The bundle keeps axios's module uninitialised until this import runs.
 */
export function loadAxios(): Promise<AxiosStatic> {
  return (loading ??= import("axios").then((m) => m.default));
}
