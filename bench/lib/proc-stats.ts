import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** The kernel's accounting of one process: what `ps` and `top` read, without their rounding. */

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** CPU time used so far, user + system, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export interface ProcSample {
  at: number;
  rss: number;
  cpu: number;
}

export interface WindowUsage {
  seconds: number;
  samples: number;
  rssMeanMiB: number;
  rssMaxMiB: number;
  rssFirstMiB: number;
  rssLastMiB: number;
  /** Cores used on average: CPU seconds over wall seconds (0.05 = 5% of one core). */
  cpuCores: number;
}

export const mib = (bytes: number): number => bytes / 2 ** 20;

/** Samples RSS and CPU time every `everyMs` until stopped; windows are summarised afterwards. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: () => number,
    private readonly everyMs = 1_000,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  sample(): ProcSample | undefined {
    try {
      const pid = this.pid();
      const s = { at: Date.now(), rss: rssBytes(pid), cpu: cpuSeconds(pid) };
      this.samples.push(s);
      return s;
    } catch {
      return undefined; // the process is restarting; the gap shows in the sample times
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** RSS every `stepMs` over [from, to], as [seconds from `from`, MiB], to show a trend in the JSON. */
  rssSeries(from: number, to: number, stepMs = 10_000): [number, number][] {
    const series: [number, number][] = [];
    let next = from;
    for (const s of this.samples) {
      if (s.at < next || s.at > to) continue;
      series.push([Math.round((s.at - from) / 1000), Math.round(mib(s.rss) * 10) / 10]);
      next = s.at + stepMs;
    }
    return series;
  }

  /** RSS and CPU over [from, to], from the samples of one process lifetime inside it. */
  window(from: number, to: number): WindowUsage {
    const inside = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (inside.length < 2) throw new Error(`fewer than two process samples between ${from} and ${to}`);
    const first = inside[0]!;
    const last = inside.at(-1)!;
    const rss = inside.map((s) => s.rss);
    return {
      seconds: (last.at - first.at) / 1000,
      samples: inside.length,
      rssMeanMiB: mib(rss.reduce((a, b) => a + b, 0) / rss.length),
      rssMaxMiB: mib(Math.max(...rss)),
      rssFirstMiB: mib(first.rss),
      rssLastMiB: mib(last.rss),
      cpuCores: (last.cpu - first.cpu) / ((last.at - first.at) / 1000),
    };
  }
}
