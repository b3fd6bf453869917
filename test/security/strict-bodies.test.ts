import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, get, post } from "../helpers/api";
import { addMember, seedOrganization } from "../helpers/factories";
import { invite, linkToken, rowOf } from "../helpers/invitations";
import { endpointRow, seedEndpoint } from "../helpers/webhooks";

/**
 * API.md §1: request bodies are strict. A route that declares no body refuses one with any field —
 * the router adds the check from the route's declaration (routes/router.ts) — while nothing, an
 * empty body or `{}` stays fine. The access matrix checks every such route; these follow a few
 * through to what did not happen.
 */

const UNKNOWN_X = [{ path: "(body)", message: "Unknown field(s): x." }];
const emailTokens = async (userId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE user_id = ?").bind(userId).first<{ n: number }>())!.n;

describe("strict bodies on the routes that take none", () => {
  it("POST /api/auth/email-verification with { x: 1 } → 400, no link minted; with {} it works", async () => {
    const org = await seedOrganization("Strict Tours");
    const unverified = await addMember(org.organization.id, "member", "unverified", { emailVerified: false });
    const refused = await post("/api/auth/email-verification", { x: 1 }, { token: unverified.token });
    expect(expectProblem(refused, 400, "validation_failed").errors).toEqual(UNKNOWN_X);
    expect(await emailTokens(unverified.user.id)).toBe(0);

    expect((await post("/api/auth/email-verification", {}, { token: unverified.token })).status).toBe(202);
    expect(await emailTokens(unverified.user.id)).toBe(1);
  });

  it("POST /api/auth/sign-out with a field → 400 and the session still works; an empty body signs out", async () => {
    const org = await seedOrganization("Sign-out Tours");
    const refused = await post("/api/auth/sign-out", { everywhere: true }, { token: org.token });
    expect(expectProblem(refused, 400, "validation_failed").errors).toEqual([{ path: "(body)", message: "Unknown field(s): everywhere." }]);
    expect((await get("/api/auth/session", { token: org.token })).status).toBe(200);

    expect(
      (await call("POST", "/api/auth/sign-out", { token: org.token, raw: "", headers: { "content-type": "application/json" } })).status,
    ).toBe(204);
    expectProblem(await get("/api/auth/session", { token: org.token }), 401, "unauthenticated");
  });

  it("POST …/webhooks/{id}/rotate-secret with a field → 400 and the secret is unchanged", async () => {
    const org = await seedOrganization("Rotate Tours");
    const endpoint = await seedEndpoint(org.organization.id);
    const before = await endpointRow(endpoint.id);
    const refused = await post(`/api/organizations/webhooks/${endpoint.id}/rotate-secret`, { x: 1 }, { token: org.token });
    expect(expectProblem(refused, 400, "validation_failed").errors).toEqual(UNKNOWN_X);
    const after = await endpointRow(endpoint.id);
    expect(after!.secret_ciphertext).toBe(before!.secret_ciphertext);
    expect(after!.previous_secret_ciphertext).toBe(before!.previous_secret_ciphertext);
  });

  it("POST …/invitations/{id} (resend) with a field → 400: same link, same expiry", async () => {
    const org = await seedOrganization("Resend Tours");
    const invitation = await invite(org.token);
    const before = await rowOf(invitation.id);
    const refused = await post(`/api/organizations/invitations/${invitation.id}`, { x: 1 }, { token: org.token });
    expect(expectProblem(refused, 400, "validation_failed").errors).toEqual(UNKNOWN_X);
    const after = await rowOf(invitation.id);
    expect(after!.token_hash).toBe(before!.token_hash);
    expect(after!.expires_at).toBe(before!.expires_at);
  });

  it("POST /api/invitations/{token}/decline with a field → 400 and the invitation stays pending", async () => {
    const org = await seedOrganization("Decline Tours");
    const invitation = await invite(org.token);
    const token = await linkToken(invitation.id);
    const refused = await post(`/api/invitations/${token}/decline`, { reason: "busy" }, {});
    expect(expectProblem(refused, 400, "validation_failed").errors).toEqual([{ path: "(body)", message: "Unknown field(s): reason." }]);
    expect((await rowOf(invitation.id))!.status).toBe("pending");

    expect((await post(`/api/invitations/${token}/decline`, {})).status).toBe(204);
    expect((await rowOf(invitation.id))!.status).toBe("revoked");
  });

  it("a body that is not an object (an array, a number, null) is refused too; invalid JSON is invalid_json", async () => {
    const org = await seedOrganization("Shapes Tours");
    for (const raw of ["[1]", "42", "null", '"text"']) {
      const res = await call("POST", "/api/auth/sign-out", { token: org.token, raw, headers: { "content-type": "application/json" } });
      expect(expectProblem(res, 400, "validation_failed").errors, raw).toEqual([
        { path: "(body)", message: "This endpoint takes no request body: send none, or {}." },
      ]);
    }
    expectProblem(
      await call("POST", "/api/auth/sign-out", { token: org.token, raw: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expect((await get("/api/auth/session", { token: org.token })).status).toBe(200);
  });
});
