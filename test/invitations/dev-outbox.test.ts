import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { call, expectProblem, get } from "../helpers/api";

describe("the dev outbox", () => {
  it("exists in development and is a 404 in production", async () => {
    expect((await get("/api/dev/outbox?to=nobody@example.com")).status).toBe(200);
    const production = { ...(env as Env), ENVIRONMENT: "production" } as Env;
    expectProblem(await call("GET", "/api/dev/outbox", { env: production }), 404, "not_found");
  });
});
