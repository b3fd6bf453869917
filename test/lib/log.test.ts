import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildContext } from "../../src/context";
import type { Env } from "../../src/env";
import { setLogSink } from "../../src/lib/log";
import { call } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";

/** The lines logged from here on (replaces test/setup.ts's buffer for this test). */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  setLogSink((_level, line) => void lines.push(JSON.parse(line)));
  return lines;
}

describe("structured logs", () => {
  it("one JSON line per call, stamped with the request id or the queue message id", () => {
    const lines = captureLogs();
    const waitUntil = () => {};
    buildContext({ env: env as Env, requestId: "req_a", waitUntil }).log.info("hello", { n: 1 });
    buildContext({ env: env as Env, messageId: "msg-7", waitUntil }).log.error("failed", { emailId: "eml_x" });
    expect(lines).toEqual([
      { level: "info", msg: "hello", requestId: "req_a", n: 1 },
      { level: "error", msg: "failed", messageId: "msg-7", emailId: "eml_x" },
    ]);
  });

  it("an unexpected failure is logged with the request's id, the caller's own beside it", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return () => {
            throw new Error("SQLITE_CORRUPT");
          };
        return Reflect.get(target, prop);
      },
    });
    const lines = captureLogs();
    const res = await call("GET", "/api/organizations/api-keys", {
      token: key.key,
      headers: { "x-request-id": "trace-log-1" },
      env: { ...(env as Env), DB },
    });
    expect(res.status).toBe(500);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_/);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        msg: "unhandled_error",
        requestId,
        clientRequestId: "trace-log-1",
        error: "Error: SQLITE_CORRUPT",
      }),
    );
  });
});
