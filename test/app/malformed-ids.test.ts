import { describe, expect, it } from "vitest";
import { call, countingEnv, expectProblem, get } from "../helpers/api";
import { signUp } from "../helpers/factories";
import { newId } from "../../src/lib/ids";

/** D1 calls (prepare, batch, …) that one request makes, with the caller's session already cached. */
async function d1CallsFor(method: string, path: string, token: string, body?: unknown) {
  const { env, counts } = countingEnv();
  const res = await call(method, path, { token, env, body });
  expectProblem(res, 404, "not_found");
  return counts.d1;
}

describe("a path id that is not shaped like one of ours", () => {
  it("is the same 404 as an unknown id, decided without looking the id up", async () => {
    const owner = await signUp();
    await get("/api/organizations/me", { token: owner.token }); // the session is cached now

    expect(await d1CallsFor("DELETE", "/api/organizations/invitations/not-an-id", owner.token)).toBe(0);
    expect(await d1CallsFor("DELETE", `/api/organizations/invitations/${newId("inv")}`, owner.token)).toBeGreaterThan(0);

    const unknown = await d1CallsFor("PATCH", `/api/organizations/members/${newId("mem")}`, owner.token, { role: "Member" });
    const malformed = await d1CallsFor("PATCH", "/api/organizations/members/mem_123", owner.token, { role: "Member" });
    expect(malformed).toBeLessThan(unknown); // the org's roles are read fresh either way; the member lookup is skipped
  });
});
