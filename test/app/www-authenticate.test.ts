import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/lib/tokens";
import { expectProblem, get, post } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";

/** RFC 9110: a 401 tells the client which scheme to use. */
describe("WWW-Authenticate on 401", () => {
  it("a request without a credential gets a 401 naming the Bearer scheme", async () => {
    const res = await get("/api/organizations/me");
    expectProblem(res, 401, "unauthenticated");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("an unknown or malformed credential gets the same header", async () => {
    for (const token of [mintToken("apiKey"), "garbage"]) {
      const res = await get("/api/organizations/me", { token });
      expectProblem(res, 401, "unauthenticated");
      expect(res.headers.get("www-authenticate"), token).toBe('Bearer realm="api"');
    }
  });

  it("a wrong password at sign-in is a 401 with the header too", async () => {
    const owner = await signUp();
    const res = await post("/api/auth/sign-in", { email: owner.user.email, password: "not-the-password" });
    expectProblem(res, 401, "unauthenticated");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("a 403 (valid credential, not allowed) carries no WWW-Authenticate", async () => {
    const owner = await signUp();
    const { key } = await createKey(owner.token, "Member");
    const res = await get("/api/auth/session", { token: key });
    expectProblem(res, 403, "forbidden");
    expect(res.headers.get("www-authenticate")).toBeNull();
  });
});
