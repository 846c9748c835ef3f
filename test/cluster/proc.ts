import { spawn } from "node:child_process";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** A process the cluster started, as recorded in the state folder. */
export interface RecordedProcess {
  name: string;
  pid: number;
  /** The executable, to tell our process from an unrelated one that reused the PID. */
  command: string;
  args: string[];
  logFile: string;
}

/** A process this process started: its record, and whether it has exited (known only to its parent). */
export interface StartedProcess extends RecordedProcess {
  exited(): boolean;
}

/** Starts a long-running component detached from this process, logging to its own file. */
export function startDetached(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): StartedProcess {
  const out = fs.openSync(logFile, "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out], env });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  // An exec failure (e.g. ENOENT) arrives as an event; record it in the log so the readiness
  // wait reports it with the rest of the log.
  let exited = false;
  child.on("error", (err) => {
    exited = true;
    fs.appendFileSync(logFile, `failed to start ${command}: ${err.message}\n`);
  });
  // /proc/<pid>/cmdline shows the forking node process until exec, so the parent's own exit
  // event is the reliable signal while it waits for readiness.
  child.on("exit", () => (exited = true));
  child.unref();
  return { name, pid: child.pid, command, args, logFile, exited: () => exited };
}

/** True when the PID is alive and still runs the recorded executable (not a recycled PID). */
export function isOurs(p: RecordedProcess): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
    const stat = fs.readFileSync(`/proc/${p.pid}/stat`, "utf8");
    // A zombie has exited; it is only waiting for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && cmdline.split("\0")[0] === p.command;
  } catch {
    return false;
  }
}

/**
 * True while any thread of the PID still runs. A multi-threaded program's main thread can show as
 * a zombie while its other threads are still tearing down and still hold its sockets open.
 */
function anyThreadAlive(pid: number): boolean {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tasks.some((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  });
}

/** Ours and not yet wholly gone: the PID runs our executable, or its last threads are exiting. */
const stillExiting = (p: RecordedProcess): boolean => isOurs(p) || anyThreadAlive(p.pid);

/** Stops one recorded process by its PID: SIGTERM, then SIGKILL if it has not exited in time. */
export async function stopProcess(p: RecordedProcess, graceMs = 10_000): Promise<void> {
  if (!isOurs(p)) return;
  try {
    process.kill(p.pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!stillExiting(p)) return;
    await sleep(100);
  }
  try {
    process.kill(p.pid, "SIGKILL");
  } catch {
    return;
  }
  const killDeadline = Date.now() + 5_000;
  while (stillExiting(p) && Date.now() < killDeadline) await sleep(50);
  if (isOurs(p)) throw new Error(`${p.name} (pid ${p.pid}) did not exit after SIGKILL`);
}

/** TCP ports in LISTEN state on this machine, read from the kernel's own tables. */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== "0A") continue; // 0A is TCP_LISTEN
      const port = cols[1]?.split(":")[1];
      if (port) ports.add(parseInt(port, 16));
    }
  }
  return ports;
}
