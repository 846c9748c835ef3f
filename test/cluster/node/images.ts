import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheRoot, modulesDir, repoRoot } from "../paths.js";
import { upstreamVersion, components } from "../versions.js";
import { sandboxImage } from "./config.js";

/**
 * The node's images, built from files on this machine (no registry is reachable) as docker-save
 * style archives: manifest.json (with the tag), the image config, one layer tar. `ctr images
 * import` takes them as they are. Pods use `imagePullPolicy: IfNotPresent` (or Never).
 *
 * | image | contents |
 * | --- | --- |
 * | kestrel.local/pause:3.10 | the sandbox: pause.c from the k8s.io/kubernetes module, gcc -static |
 * | kestrel.local/busybox:1 | Debian's busybox-static with every applet linked in /bin (Jobs, probes, shells) |
 * | kestrel.local/sample-app:1 | this machine's Node.js and its shared libraries, and test/apps/sample-app.ts bundled with prom-client |
 * | kestrel.local/sample-app:2 | the same image under a second tag, so `kubectl set image` has a new image to set |
 */
export const images = {
  pause: sandboxImage,
  busybox: "kestrel.local/busybox:1",
  sampleApp: "kestrel.local/sample-app:1",
  sampleAppAlias: "kestrel.local/sample-app:2",
} as const;

const busyboxBinary = process.env.KESTREL_BUSYBOX ?? "/bin/busybox";
const nodeBinary = process.env.KESTREL_IMAGE_NODE ?? process.execPath;
const appSource = path.join(repoRoot, "test", "apps", "sample-app.ts");
const esbuild = path.join(repoRoot, "node_modules", ".bin", "esbuild");

interface ImageSpec {
  tag: string;
  /** More tags for the same image. */
  aliases?: string[];
  /** Fills the root filesystem folder. */
  fill(rootfs: string): void;
  entrypoint: string[];
  cmd?: string[];
}

function pauseSource(): string {
  const k8s = components.find((c) => c.module === "kubernetes")!;
  const gomodcache = execFileSync("go", ["env", "GOMODCACHE"], {
    encoding: "utf8",
    env: { ...process.env, GOTOOLCHAIN: "local" },
  }).trim();
  const file = path.join(
    gomodcache,
    `k8s.io/kubernetes@${upstreamVersion(k8s)}`,
    "build",
    "pause",
    "linux",
    "pause.c",
  );
  if (!fs.existsSync(file))
    throw new Error(
      `pause.c not found at ${file}: the k8s.io/kubernetes module is not downloaded (run npm run cluster:build in ${modulesDir})`,
    );
  return file;
}

/** Shared libraries a dynamically linked binary loads, as ldd resolves them on this machine. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
}

function copyInto(rootfs: string, file: string, as = file): void {
  const dest = path.join(rootfs, as);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), dest);
  fs.chmodSync(dest, fs.statSync(file).mode & 0o777);
}

function bundleApp(outFile: string): void {
  execFileSync(esbuild, [
    appSource,
    "--bundle",
    "--platform=node",
    "--format=cjs",
    "--target=node20",
    `--outfile=${outFile}`,
    "--log-level=warning",
  ]);
}

function specs(): ImageSpec[] {
  return [
    {
      tag: images.pause,
      entrypoint: ["/pause"],
      fill: (rootfs) => {
        execFileSync("gcc", [
          "-Os",
          "-static",
          "-DVERSION=kestrel",
          "-o",
          path.join(rootfs, "pause"),
          pauseSource(),
        ]);
      },
    },
    {
      tag: images.busybox,
      entrypoint: [],
      cmd: ["sh"],
      fill: (rootfs) => {
        copyInto(rootfs, busyboxBinary, "/bin/busybox");
        const applets = execFileSync(busyboxBinary, ["--list"], { encoding: "utf8" })
          .split("\n")
          .filter(Boolean);
        for (const a of applets) if (a !== "busybox") fs.symlinkSync("busybox", path.join(rootfs, "bin", a));
        fs.mkdirSync(path.join(rootfs, "tmp"), { mode: 0o1777 });
      },
    },
    {
      tag: images.sampleApp,
      aliases: [images.sampleAppAlias],
      entrypoint: ["/usr/bin/node", "/app/app.js"],
      cmd: ["serve"],
      fill: (rootfs) => {
        copyInto(rootfs, nodeBinary, "/usr/bin/node");
        for (const lib of sharedLibraries(nodeBinary)) copyInto(rootfs, lib);
        fs.mkdirSync(path.join(rootfs, "app"));
        fs.mkdirSync(path.join(rootfs, "tmp"), { mode: 0o1777 });
        bundleApp(path.join(rootfs, "app", "app.js"));
      },
    },
  ];
}

const sha256 = (data: Buffer | string): string => crypto.createHash("sha256").update(data).digest("hex");

function fileHash(file: string): string {
  return sha256(fs.readFileSync(file));
}

/** What the images are made of: a change in any input makes a new cache folder. */
function inputsKey(): string {
  const bundle = path.join(fs.mkdtempSync(path.join(cacheRoot, ".bundle-")), "app.js");
  try {
    bundleApp(bundle);
    const parts = [
      fileHash(fileURLPath()),
      fileHash(pauseSource()),
      fileHash(busyboxBinary),
      fileHash(nodeBinary),
      fileHash(bundle),
    ];
    return sha256(parts.join("\n")).slice(0, 16);
  } finally {
    fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
  }
}

function fileURLPath(): string {
  return new URL(import.meta.url).pathname;
}

/** One docker-save style archive from a filled root filesystem. */
function writeArchive(spec: ImageSpec, work: string, archive: string): void {
  const rootfs = path.join(work, "rootfs");
  fs.mkdirSync(rootfs, { recursive: true });
  spec.fill(rootfs);
  const layerDir = path.join(work, "out", "layer");
  fs.mkdirSync(layerDir, { recursive: true });
  const layer = path.join(layerDir, "layer.tar");
  // Reproducible: fixed owner, times and order, so the same inputs give the same digest.
  execFileSync("tar", [
    "--create",
    "--file",
    layer,
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "--sort=name",
    "-C",
    rootfs,
    ".",
  ]);
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: {
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd ?? [],
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      WorkingDir: "/",
    },
    rootfs: { type: "layers", diff_ids: [`sha256:${fileHash(layer)}`] },
    history: [{ created_by: "kestrel test/cluster/node/images.ts" }],
  });
  const configName = `${sha256(config)}.json`;
  fs.writeFileSync(path.join(work, "out", configName), config);
  fs.writeFileSync(
    path.join(work, "out", "manifest.json"),
    JSON.stringify([
      { Config: configName, RepoTags: [spec.tag, ...(spec.aliases ?? [])], Layers: ["layer/layer.tar"] },
    ]),
  );
  execFileSync("tar", [
    "--create",
    "--file",
    archive,
    "-C",
    path.join(work, "out"),
    "manifest.json",
    configName,
    "layer/layer.tar",
  ]);
}

/** Builds the image archives unless cached; returns their paths. */
export function ensureImages(log: (m: string) => void): string[] {
  fs.mkdirSync(cacheRoot, { recursive: true });
  const dir = path.join(cacheRoot, `images-${inputsKey()}`);
  const all = specs();
  const archives = all.map((s) => path.join(dir, `${s.tag.replace(/[/:]/g, "_")}.tar`));
  if (fs.existsSync(path.join(dir, ".complete"))) return archives;
  log(`building images ${all.map((s) => s.tag).join(", ")} into ${dir}`);
  const staging = `${dir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  all.forEach((s, i) => {
    const work = path.join(staging, `work-${i}`);
    writeArchive(s, work, path.join(staging, path.basename(archives[i]!)));
    fs.rmSync(work, { recursive: true, force: true });
  });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString() + "\n");
  return archives;
}
