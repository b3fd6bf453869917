// The example sibling Worker (examples/tours-service) under its own `wrangler dev`, bound to the
// Organizations API's `Authorizer` entrypoint through wrangler's local dev registry. Both `wrangler
// dev`s must share the registry: pass the same WRANGLER_REGISTRY_PATH to both (set it in
// process.env before starting either; scripts/lib/dev-server.mjs passes process.env on).
import { spawn } from "node:child_process";
import path from "node:path";
import { freePort, HOST, ROOT, wranglerEnv } from "./dev-server.mjs";

const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const CONFIG = path.join(ROOT, "examples", "tours-service", "wrangler.toml");

const killGroup = (child, signal) => {
  try {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};

/** Starts the tours service and resolves once GET /health answers 200 (`stop()` ends its process group). */
export async function startToursService({ port = 8796, verbose = false, healthTimeoutMs = 60_000 } = {}) {
  const chosenPort = await freePort(port);
  const inspectorPort = await freePort(chosenPort + 100);
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--config",
      CONFIG,
      "--local",
      "--ip",
      HOST,
      "--port",
      String(chosenPort),
      "--inspector-ip",
      HOST,
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      "--live-reload=false",
      "--log-level",
      verbose ? "log" : "warn",
    ],
    { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  const keep = (d) => {
    log = (log + d).slice(-20_000);
    if (verbose) process.stderr.write(d);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const onExit = () => killGroup(child, "SIGKILL");
  process.on("exit", onExit);

  async function stop() {
    process.off("exit", onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    clearTimeout(timer);
    killGroup(child, "SIGKILL");
  }

  const base = `http://${HOST}:${chosenPort}`;
  const deadline = Date.now() + healthTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return { base, stop, log: () => log };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(
    `the tours service did not answer GET /health within ${healthTimeoutMs / 1000} s\n${log.split("\n").slice(-30).join("\n")}`,
  );
}
