import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countUntilLimited, expectProblem, get, offDocument, post } from "../helpers/api";
import { api, expectData, expectError } from "../helpers/client";
import { signUp } from "../helpers/factories";
import { sessionBody } from "../helpers/sign-in";

const signInAs = async (email: string, password: string, userAgent: string) =>
  sessionBody(
    expectData(
      await api(undefined, { headers: { "user-agent": userAgent } }).POST("/api/auth/sign-in", { body: { email, password } }),
      200,
    ),
  );

describe("listing and revoking my sessions", () => {
  it("lists the user's live sessions newest first, marks the caller's, and never shows a token", async () => {
    const owner = await signUp({ password: "listing-password" });
    const laptop = await signInAs(owner.user.email, "listing-password", "Laptop Browser/1.0");
    const phone = await signInAs(owner.user.email, "listing-password", "Phone\tApp/2.0"); // control characters stripped
    const list = expectData(await api(laptop.session.token).GET("/api/auth/sessions"), 200);
    expect(list.data).toHaveLength(3);
    expect(list.data.map((s) => s.userAgent)).toEqual(["PhoneApp/2.0", "Laptop Browser/1.0", null]);
    expect(list.data.map((s) => s.current)).toEqual([false, true, false]);
    expect(Object.keys(list.data[0]!).sort()).toEqual(["createdAt", "current", "expiresAt", "id", "lastUsedAt", "userAgent"]);
    for (const token of [owner.token, laptop.session.token, phone.session.token]) expect(JSON.stringify(list)).not.toContain(token);
    // Another user's list holds none of these.
    const other = await signUp();
    const theirs = expectData(await api(other.token).GET("/api/auth/sessions"), 200);
    expect(theirs.data.map((s) => s.id)).not.toContain(list.data[0]!.id);
    expect(theirs.data).toHaveLength(1);
  });

  it("pages with limit and cursor", async () => {
    const owner = await signUp({ password: "paging-password" });
    for (let i = 0; i < 3; i++) await signInAs(owner.user.email, "paging-password", `Agent ${i}`);
    const client = api(owner.token);
    const first = expectData(await client.GET("/api/auth/sessions", { params: { query: { limit: 2 } } }), 200);
    expect(first.data).toHaveLength(2);
    const second = expectData(await client.GET("/api/auth/sessions", { params: { query: { limit: 2, cursor: first.nextCursor! } } }), 200);
    expect(second.data).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.data, ...second.data].map((s) => s.id)).size).toBe(4);
  });

  it("revoking one of my sessions stops it at once; another user's session id is a 404 and stays alive", async () => {
    const owner = await signUp({ password: "revoking-password" });
    const other = api((await signInAs(owner.user.email, "revoking-password", "Other device")).session.token);
    const client = api(owner.token);
    expect((await other.GET("/api/auth/session")).response.status).toBe(200); // cached now
    const target = expectData(await client.GET("/api/auth/sessions"), 200).data.find((s) => !s.current)!;
    const revoke = { params: { path: { id: target.id } } };

    const stranger = await signUp();
    expectError(await api(stranger.token).DELETE("/api/auth/sessions/{id}", revoke), 404, "not_found");
    expect((await other.GET("/api/auth/session")).response.status).toBe(200);

    expect((await client.DELETE("/api/auth/sessions/{id}", revoke)).response.status).toBe(204);
    expectError(await other.GET("/api/auth/session"), 401, "unauthenticated");
    expectError(await client.DELETE("/api/auth/sessions/{id}", revoke), 404, "not_found");
    expect((await client.GET("/api/auth/session")).response.status).toBe(200);
  });

  it("the list needs a session: an API key is a 403", async () => {
    const owner = await signUp();
    const key = expectData(await api(owner.token).POST("/api/organizations/api-keys", { body: { name: "k", role: "Admin" } }), 201);
    expectError(await api(key.key).GET("/api/auth/sessions"), 403, "forbidden");
  });
});

describe("changing my password", () => {
  it("needs the current password; then every other session is revoked and this one stays", async () => {
    const owner = await signUp({ password: "original-password" });
    const other = await signInAs(owner.user.email, "original-password", "Elsewhere");
    expect((await get("/api/auth/session", { token: other.session.token })).status).toBe(200);

    expectProblem(
      await post("/api/auth/password", { currentPassword: "wrong-password", newPassword: "changed-password" }, { token: owner.token }),
      403,
      "current_password_incorrect",
    );
    expect((await get("/api/auth/session", { token: other.session.token })).status).toBe(200);

    const changed = await post(
      "/api/auth/password",
      { currentPassword: "original-password", newPassword: "changed-password" },
      { token: owner.token },
    );
    expect(changed.status).toBe(204);
    expectProblem(await get("/api/auth/session", { token: other.session.token }), 401, "unauthenticated");
    expect((await get("/api/auth/session", { token: owner.token })).status).toBe(200);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(owner.user.id).first<{ n: number }>();
    expect(left!.n).toBe(1);
    expectProblem(await post("/api/auth/sign-in", { email: owner.user.email, password: "original-password" }), 401, "unauthenticated");
    expect((await post("/api/auth/sign-in", { email: owner.user.email, password: "changed-password" })).status).toBe(200);
  });

  it("a short new password or an unknown field is a 400 and changes nothing", async () => {
    const owner = await signUp({ password: "kept-password" });
    expectProblem(
      await post("/api/auth/password", { currentPassword: "kept-password", newPassword: "short" }, { token: owner.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await post("/api/auth/password", offDocument({ currentPassword: "kept-password", newPassword: "long-enough-pw", admin: true }), {
        token: owner.token,
      }),
      400,
      "validation_failed",
    );
    expect((await post("/api/auth/sign-in", { email: owner.user.email, password: "kept-password" })).status).toBe(200);
  });

  it("guessing the current password through a session is rate limited per user", async () => {
    const owner = await signUp({ password: "guarded-password" });
    const { allowedBefore, limited } = await countUntilLimited(10, () =>
      post("/api/auth/password", { currentPassword: "a-wrong-guess", newPassword: "whatever-password" }, { token: owner.token }),
    );
    expect(allowedBefore).toBeGreaterThanOrEqual(10);
    expectProblem(limited, 429, "rate_limited");
  });
});
