import http from "node:http";

/**
 * A steady loop of real requests through the gateway, each one recorded with when it was sent,
 * when its answer came and which version answered: the raw material for "when did the canary
 * serve its last request". Used by the traffic-share e2e test and the gateway rollback benchmark.
 */

export interface Answer {
  /** Date.now() when the request was written. */
  sentAt: number;
  /** Date.now() when its answer (or its failure) arrived. */
  doneAt: number;
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The app's x-version header ("" without an answer). */
  version: string;
}

export interface RequestLoop {
  readonly answers: readonly Answer[];
  stop(): Promise<void>;
}

/**
 * Starts `workers` sequential request loops against the gateway with the route's Host header,
 * each pausing `pauseMs` between requests (a bounded rate on a shared machine). Runs until stop().
 */
export function startRequestLoop(url: string, host: string, workers = 2, pauseMs = 5): RequestLoop {
  const answers: Answer[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      answers.push(await once(url, host, agent));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    answers,
    async stop() {
      running = false;
      await done;
      agent.destroy();
    },
  };
}

function once(url: string, host: string, agent: http.Agent): Promise<Answer> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const fail = (): void => resolve({ sentAt, doneAt: Date.now(), status: 0, version: "" });
    const req = http.get(url, { headers: { host }, agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          sentAt,
          doneAt: Date.now(),
          status: res.statusCode ?? 0,
          version: String(res.headers["x-version"] ?? ""),
        }),
      );
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
  });
}

export interface Cutover {
  /**
   * The send time of the first request of the final uninterrupted run of answers from other
   * versions than the canary's: from then on the gateway sent the canary nothing. Requests sent
   * before it were in flight to the old configuration. Undefined when the last answer is the canary's.
   */
  cutoverAt: number | undefined;
  /** Answers in that final run (the window over which "no canary request" is shown). */
  afterCutover: number;
  /** The latest doneAt of an answer the canary served (undefined when it served none). */
  lastCanaryAt: number | undefined;
  /** Answers the canary served in all. */
  canaryAnswers: number;
}

/**
 * Where the canary's traffic ended, from answers ordered by send time. Only answered requests
 * (status not 0) say who served them; failures to connect are left out.
 */
export function cutover(answers: readonly Answer[], isCanary: (version: string) => boolean): Cutover {
  const served = answers.filter((a) => a.status !== 0).sort((a, b) => a.sentAt - b.sentAt);
  let lastCanaryIndex = -1;
  let lastCanaryAt: number | undefined;
  let canaryAnswers = 0;
  served.forEach((a, i) => {
    if (!isCanary(a.version)) return;
    canaryAnswers++;
    lastCanaryIndex = i;
    lastCanaryAt = Math.max(lastCanaryAt ?? a.doneAt, a.doneAt);
  });
  const run = served.slice(lastCanaryIndex + 1);
  return { cutoverAt: run[0]?.sentAt, afterCutover: run.length, lastCanaryAt, canaryAnswers };
}
