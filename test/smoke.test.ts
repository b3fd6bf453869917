import { describe, expect, it } from "vitest";
import { get } from "./helpers/api";
import { signUp } from "./helpers/factories";

describe("smoke", () => {
  it("serves health and signs up", async () => {
    const res = await get("/api/health");
    expect(res.status).toBe(200);
    const owner = await signUp();
    const me = await get("/api/organizations/me", { token: owner.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(owner.organization.id);
  });
});
