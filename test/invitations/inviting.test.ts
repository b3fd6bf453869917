import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, countUntilLimited, del, expectProblem, get, post, offDocument } from "../helpers/api";
import { addMember, createKey, createRole, signUp, uniqueEmail } from "../helpers/factories";
import { invite, rowOf } from "../helpers/invitations";

// Let the real consumer finish the emails this file queued before the runtime is torn down.

describe("org invitations", () => {
  it("lists invitations with a status filter; a pending one past its expiry reads as expired", async () => {
    const owner = await signUp();
    const a = await invite(owner.token);
    const b = await invite(owner.token);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, b.id)
      .run();
    const all = await get("/api/organizations/invitations", { token: owner.token });
    expect(all.body.data.map((i) => [i.id, i.status])).toEqual([
      [a.id, "pending"],
      [b.id, "expired"],
    ]);
    expect((await get("/api/organizations/invitations?status=pending", { token: owner.token })).body.data.map((i) => i.id)).toEqual([a.id]);
    expect((await get("/api/organizations/invitations?status=expired", { token: owner.token })).body.data.map((i) => i.id)).toEqual([b.id]);
    expectProblem(await get("/api/organizations/invitations?status=lost", { token: owner.token }), 400, "validation_failed");
  });

  it("inviting an existing member is a 409, and so is a second pending invitation to the same address (any case)", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id);
    expectProblem(
      await post("/api/organizations/invitations", { email: member.user.email.toUpperCase(), role: "Member" }, { token: owner.token }),
      409,
      "already_member",
    );
    const first = await invite(owner.token, "Twice@Example.com");
    expect(first.email).toBe("twice@example.com");
    expectProblem(
      await post("/api/organizations/invitations", { email: "twice@EXAMPLE.com", role: "Member" }, { token: owner.token }),
      409,
      "invitation_pending",
    );
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("an expired pending invitation gives way to a new one", async () => {
    const owner = await signUp();
    const old = await invite(owner.token, "again@example.com");
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, old.id)
      .run();
    const fresh = await invite(owner.token, "again@example.com");
    expect(fresh.id).not.toBe(old.id);
    expect((await rowOf(old.id))!.status).toBe("expired");
  });

  it("a Member without users.invite → 403; inviting with a role above the inviter's permissions → 403", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id);
    expectProblem(
      await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: member.token }),
      403,
      "forbidden",
    );
    // What a Member holds (its built-ins and the platform's .read ones), so it may invite Members.
    await createRole(owner.token, "Recruiter", ["users.invite", "users.read", "roles.read", "tours.read", "bookings.read"]);
    const recruiter = await addMember(owner.organization.id, "recruiter");
    const res = await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Admin" }, { token: recruiter.token });
    expect(expectProblem(res, 403, "forbidden").detail).toContain("users.delete");
    expect(
      (await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: recruiter.token })).status,
    ).toBe(201);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("invitation creation is rate limited per organization (429 with Retry-After)", async () => {
    const owner = await signUp();
    const other = await signUp();
    const { allowedBefore, limited, statuses } = await countUntilLimited(60, () =>
      post("/api/organizations/invitations", { email: uniqueEmail("flood"), role: "Member" }, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(60);
    expect(statuses.slice(0, allowedBefore).every((s) => s === 201)).toBe(true);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
    // Another organization is not affected.
    expect((await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: other.token })).status).toBe(
      201,
    );
  });

  it("an API key can invite; invitedBy names the key", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const res = await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Member" }, { token: key.key });
    expect(res.status).toBe(201);
    expect(res.body.invitedBy).toEqual({ type: "api_key", id: key.id, name: "Admin key" });
  });

  it("bad bodies are 400s and create nothing", async () => {
    const owner = await signUp();
    expectProblem(
      await post("/api/organizations/invitations", { email: "not-an-email", role: "Member" }, { token: owner.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await post("/api/organizations/invitations", { email: uniqueEmail(), role: "Wizard" }, { token: owner.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await post("/api/organizations/invitations", offDocument({ email: uniqueEmail(), role: "Member", status: "accepted" }), {
        token: owner.token,
      }),
      400,
      "validation_failed",
    );
    const count = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("another organization's invitation ids are 404 for resend and revoke, and it stays pending", async () => {
    const a = await signUp();
    const b = await signUp();
    const bInv = await invite(b.token);
    expectProblem(await post(`/api/organizations/invitations/${bInv.id}`, undefined, { token: a.token }), 404, "not_found");
    expectProblem(await del(`/api/organizations/invitations/${bInv.id}`, { token: a.token }), 404, "not_found");
    expect((await rowOf(bInv.id))!.status).toBe("pending");
    expect((await get("/api/organizations/invitations", { token: a.token })).body.data).toEqual([]);
  });

  it("a pending invitation holds its role: the role cannot be deleted, and a rename carries it", async () => {
    const owner = await signUp();
    const guide = await createRole(owner.token, "Guide", ["users.read"]);
    const inv = await invite(owner.token, uniqueEmail(), "Guide");
    expectProblem(await del(`/api/organizations/roles/${guide.id}`, { token: owner.token }), 409, "role_in_use");
    await call("PATCH", `/api/organizations/roles/${guide.id}`, { token: owner.token, body: { name: "Lead Guide" } });
    expect((await rowOf(inv.id))!.role_key).toBe("lead guide");
  });
});
