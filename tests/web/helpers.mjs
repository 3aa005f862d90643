// Shared by the browser test and the screenshot script: build an index,
// start `vnsearch serve` on a free loopback port (always stopped again),
// launch Debian's Chromium through playwright-core.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const BUILD = path.resolve(process.env.VN_BUILD_DIR || "build");
export const SOURCE = path.resolve(process.env.VN_SOURCE_DIR || ".");
export const VNINDEX = path.join(BUILD, "indexer", "vnindex");
export const VNSEARCH = path.join(BUILD, "searcher", "vnsearch");
export const CORPUS = path.join(SOURCE, "corpus");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// The flags this machine needs: no sandbox as root, and no background
// connections (the network is closed, and they would only be refused).
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const servers = new Set();

function killAll() {
  for (const s of servers) {
    try { s.kill("SIGKILL"); } catch (e) { /* gone already */ }
  }
  servers.clear();
}
process.on("exit", killAll);
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(sig, () => { killAll(); process.exit(128 + os.constants.signals[sig]); });
}

export function scratch() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vnsearch-web-"));
}

export function buildIndex(db, ...paths) {
  const tables = ["--frameworks", path.join(CORPUS, "frameworks.tsv"), "--aliases", path.join(CORPUS, "aliases.tsv")];
  const p = spawnSync(VNINDEX, ["--db", db, "--quiet", ...tables, ...paths], { encoding: "utf8" });
  if (p.status !== 0) throw new Error(`vnindex failed: ${p.stderr}`);
  return db;
}

// Starts the server and resolves to {url, stop()} once it listens.
export function startServer(db, ...extra) {
  const args = ["serve", "--db", db, "--listen", "127.0.0.1:0", ...extra];
  const env = { ...process.env };
  delete env.VNSEARCH_DB;
  // the catalogues of the build tree (po/), not those installed
  if (!env.VNSEARCH_LOCALEDIR) env.VNSEARCH_LOCALEDIR = path.join(BUILD, "po");
  // setpriv makes the kernel kill the server if this process dies unannounced
  const child = fs.existsSync("/usr/bin/setpriv")
    ? spawn("/usr/bin/setpriv", ["--pdeathsig", "KILL", VNSEARCH, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(VNSEARCH, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  servers.add(child);
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error("vnsearch serve did not start")); }, 10000);
    child.on("exit", (code) => {
      servers.delete(child);
      clearTimeout(timer);
      reject(new Error(`vnsearch serve exited ${code}: ${stderr}`));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/(\S+?)\//);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: `http://${m[1]}`,
        stderr: () => stderr,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) { servers.delete(child); done(child.exitCode); return; }
          child.removeAllListeners("exit");
          child.on("exit", (code) => { servers.delete(child); done(code); });
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 10000).unref();
        }),
      });
    });
  });
}

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  // playwright gives the browser a fresh, temporary --user-data-dir
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
