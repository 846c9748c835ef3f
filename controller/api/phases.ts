/** The phases an AnalysisRun (and each metric's measurement) goes through, as Argo names them. */
export type RunPhase = "Pending" | "Running" | "Successful" | "Failed" | "Error" | "Inconclusive";

/** Phases a run never leaves: it decided, or can no longer decide. */
export const terminalRunPhases: ReadonlySet<string> = new Set<RunPhase>([
  "Successful",
  "Failed",
  "Error",
  "Inconclusive",
]);

/** Whether a run's recorded phase (absent: Pending) is final. */
export const isTerminalPhase = (phase: string | undefined): boolean =>
  terminalRunPhases.has(phase ?? "Pending");
