// A `wrangler dev` owned by a script (benchmarks, the browser test, the CLI end-to-end check):
// its own state directory (or the project's), migrations applied first, loopback only, and the
// whole process group killed on stop or on any exit. In development mode (scripts/lib/dev-vars.mjs)
// unless asked for the production config as it stands.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { copyDocsAssets } from "../copy-docs-assets.mjs";
import { DEV_VARS, devVarArgs } from "./dev-vars.mjs";

export const HOST = "127.0.0.1";
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const tail = (text, lines = 30) => text.split("\n").slice(-lines).join("\n");

export function wranglerEnv() {
  return { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1", FORCE_COLOR: "0" };
}

function killGroup(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Runs one wrangler command to completion (own process group, bounded in time). */
export function runWrangler(args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: wranglerEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} timed out after ${timeoutMs / 1000} s\n${tail(output)}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} exited with ${code ?? signal}\n${tail(output)}`));
    });
  });
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

export async function freePort(preferred) {
  for (let port = preferred; port < preferred + 50; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port in ${preferred}..${preferred + 49} on ${HOST}`);
}

/**
 * Starts `wrangler dev` and resolves once GET /api/health answers 200.
 * `persistTo: "temp"` (default) uses a fresh temporary state directory, removed on stop;
 * `persistTo: null` uses the project's own `.wrangler/state` (what `npm run dev` uses).
 * `onStep(step, { stateDir, base })`, if given, is called before "migrate" and before "start"
 * (`base` is known from "start" on), so a script can report progress.
 * `development: false` serves wrangler.toml's top level as it is — production — without the
 * development vars: what scripts/export-openapi.mjs documents. `vars` are laid over the development
 * vars (the benchmarks' TRAFFIC_LIMITS and USAGE_FLUSH_SECONDS).
 * `config` serves another wrangler config (a path from the project root; the benchmark's bare
 * Worker and its worker-only variant of the app); `migrate: false` skips the D1 migrations (a
 * config without D1). `logLevel` is wrangler's `--log-level` (default "warn", "log" when `verbose`);
 * `onOutput` receives everything the server prints (the traffic bench reads the worker's log lines).
 * `readyPath` is the path that must answer 200 before the server counts as up (another Worker's).
 */
export async function startDevServer({
  port = 8790,
  persistTo = "temp",
  verbose = false,
  logLevel = null,
  onOutput = null,
  readyPath = "/api/health",
  healthTimeoutMs = 60_000,
  onStep,
  development = true,
  vars = {},
  config = null,
  migrate = true,
} = {}) {
  const stateDir = persistTo === "temp" ? mkdtempSync(path.join(os.tmpdir(), "tours-events-dev-")) : persistTo;
  const persist = stateDir ? ["--persist-to", stateDir] : [];
  const configArgs = config ? ["--config", config] : [];
  let child = null;
  let stopped = false;
  // Registered before the migrations, so a temporary state directory goes away on any exit.
  const cleanupOnExit = () => {
    killGroup(child, "SIGKILL");
    if (persistTo === "temp") rmSync(stateDir, { recursive: true, force: true });
  };
  process.on("exit", cleanupOnExit);

  let chosenPort;
  let inspectorPort;
  try {
    copyDocsAssets(); // /docs loads it from the static assets
    onStep?.("migrate", { stateDir });
    if (migrate) await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...configArgs, ...persist]);
    chosenPort = await freePort(port);
    inspectorPort = await freePort(chosenPort + 100);
  } catch (error) {
    process.off("exit", cleanupOnExit);
    cleanupOnExit();
    throw error;
  }
  const base = `http://${HOST}:${chosenPort}`;
  onStep?.("start", { stateDir, base });
  child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      ...configArgs,
      "--local",
      "--ip",
      HOST,
      "--port",
      String(chosenPort),
      "--inspector-ip",
      HOST,
      "--inspector-port",
      String(inspectorPort),
      ...persist,
      "--show-interactive-dev-session=false",
      "--live-reload=false",
      "--log-level",
      logLevel ?? (verbose ? "log" : "warn"),
      ...(development ? devVarArgs({ ...DEV_VARS, ...vars }) : []),
    ],
    { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  const keep = (d) => {
    log = (log + d).slice(-20_000);
    if (verbose) process.stderr.write(d);
    onOutput?.(String(d));
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);

  async function stop() {
    if (stopped) return;
    stopped = true;
    process.off("exit", cleanupOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      clearTimeout(timer);
      try {
        process.kill(-child.pid, "SIGKILL"); // workerd shares the group: sweep what is left
      } catch {
        // group empty
      }
    }
    if (persistTo === "temp") rmSync(stateDir, { recursive: true, force: true });
  }

  const deadline = Date.now() + healthTimeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early (${child.exitCode ?? child.signalCode})\n${tail(log)}`);
    }
    try {
      const res = await fetch(`${base}${readyPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return { base, port: chosenPort, stateDir, stop, log: () => log };
      last = `status ${res.status}`;
    } catch (error) {
      last = String(error.cause?.code ?? error.message);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`GET ${readyPath} did not answer 200 within ${healthTimeoutMs / 1000} s (last: ${last})\n${tail(log)}`);
}

/** JSON API call helper for scripts (`timeoutMs` bounds the whole call; none by default). */
export async function api(base, method, pathname, { token, body, headers = {}, timeoutMs } = {}) {
  const res = await fetch(`${base}${pathname}`, {
    method,
    headers: {
      "cf-connecting-ip": "127.0.0.1",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: json, text };
}
