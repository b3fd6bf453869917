import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { call, expectProblem, get, post } from "../helpers/api";
import { addMember, seedOrganization } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";

/**
 * Test requests go to http://localhost/…, and wrangler.toml sets ENVIRONMENT=development, where
 * `appOrigin` takes a loopback request's own origin over APP_URL: our own origin is http://localhost.
 */
const SAME_ORIGIN = "http://localhost";
const EVIL = "https://evil.example";

const withCookie = (token: string, headers: Record<string, string> = {}) => ({ headers: { cookie: `session=${token}`, ...headers } });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const sessionWorks = async (token: string) => (await get("/api/auth/session", { token })).status;

async function signOutWith(token: string, headers: Record<string, string>) {
  return call("POST", "/api/auth/sign-out", withCookie(token, headers));
}

const membershipCount = async (orgId: string, userId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND user_id = ?")
    .bind(orgId, userId)
    .first<{ n: number }>())!.n;
const invitationStatus = async (id: string) =>
  (await env.DB.prepare("SELECT status FROM invitations WHERE id = ?").bind(id).first<{ status: string }>())!.status;

/** An org admin invites a verified user of another org; returns both and the emailed link token. */
async function invitationForExistingUser() {
  const inviting = await seedOrganization("CSRF Tours");
  const other = await seedOrganization("Invitee Home");
  const invitee = await addMember(other.organization.id, "member", "csrf-invitee");
  const res = await post("/api/organizations/invitations", { email: invitee.user.email, role: "Member" }, { token: inviting.token });
  expect(res.status).toBe(201);
  const [email] = await waitForEmail(invitee.user.email, "invitation");
  return { inviting, invitee, invitationId: res.body.id as string, linkToken: tokenIn(email!.text, "invitation") };
}

describe("CSRF: cookie-authenticated unsafe requests must come from our own origin", () => {
  it("rejects a sign-out from a foreign Origin with 403 csrf_rejected and the session keeps working", async () => {
    const { token } = await seedOrganization();
    expectProblem(await signOutWith(token, { origin: EVIL }), 403, "csrf_rejected");
    expect(await sessionWorks(token)).toBe(200);
  });

  it("rejects a cookie request that carries neither Origin nor Sec-Fetch-Site", async () => {
    const { token } = await seedOrganization();
    expectProblem(await signOutWith(token, {}), 403, "csrf_rejected");
    expect(await sessionWorks(token)).toBe(200);
  });

  it("rejects Sec-Fetch-Site: cross-site (and same-site, which is not same-origin)", async () => {
    const { token } = await seedOrganization();
    expectProblem(await signOutWith(token, { "sec-fetch-site": "cross-site" }), 403, "csrf_rejected");
    expectProblem(await signOutWith(token, { "sec-fetch-site": "same-site" }), 403, "csrf_rejected");
    expect(await sessionWorks(token)).toBe(200);
  });

  it("rejects an Origin that only resembles ours (another port, another scheme, a suffix)", async () => {
    const { token } = await seedOrganization();
    for (const origin of ["http://localhost.evil.example", "https://localhost", "http://localhost:9999", "null"]) {
      expectProblem(await signOutWith(token, { origin }), 403, "csrf_rejected");
    }
    expect(await sessionWorks(token)).toBe(200);
  });

  it("allows the same origin: sign-out answers 204 and the session is then 401", async () => {
    const { token } = await seedOrganization();
    const res = await signOutWith(token, { origin: SAME_ORIGIN });
    expect(res.status).toBe(204);
    expect(await sessionWorks(token)).toBe(401);
  });

  it("allows Sec-Fetch-Site: same-origin without an Origin header", async () => {
    const { token } = await seedOrganization();
    const res = await signOutWith(token, { "sec-fetch-site": "same-origin" });
    expect(res.status).toBe(204);
    expect(await sessionWorks(token)).toBe(401);
  });

  it("outside development, compares with APP_URL's origin rather than the request's host", async () => {
    const production = { ...(env as Env), ENVIRONMENT: "production" } as Env;
    const { token } = await seedOrganization();
    // The request's own origin is not ours here: only APP_URL's is.
    expectProblem(
      await call("POST", "/api/auth/sign-out", { ...withCookie(token, { origin: SAME_ORIGIN }), env: production }),
      403,
      "csrf_rejected",
    );
    expect(await sessionWorks(token)).toBe(200);
    const res = await call("POST", "/api/auth/sign-out", {
      ...withCookie(token, { origin: new URL(env.APP_URL).origin }),
      env: production,
    });
    expect(res.status).toBe(204);
    expect(await sessionWorks(token)).toBe(401);
  });

  it("leaves bearer-token requests alone, whatever their Origin", async () => {
    const { token } = await seedOrganization();
    const res = await call("POST", "/api/auth/sign-out", { token, headers: { origin: EVIL, "sec-fetch-site": "cross-site" } });
    expect(res.status).toBe(204);
    expect(await sessionWorks(token)).toBe(401);
  });

  it("leaves safe methods alone: a cookie GET from a foreign origin is answered", async () => {
    const { token, user } = await seedOrganization();
    const res = await get("/api/auth/session", withCookie(token, { origin: EVIL, "sec-fetch-site": "cross-site" }));
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
  });

  it("rejects the invitation page's form POST from a foreign origin; the invitation stays pending", async () => {
    const { inviting, invitee, invitationId, linkToken } = await invitationForExistingUser();
    const accept = form({ action: "accept" });
    const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

    const forged = await call("POST", `/invitations/${linkToken}`, {
      raw: accept,
      ...withCookie(invitee.token, { ...formHeaders, origin: EVIL }),
    });
    expectProblem(forged, 403, "csrf_rejected");
    expect(await invitationStatus(invitationId)).toBe("pending");
    expect(await membershipCount(inviting.organization.id, invitee.user.id)).toBe(0);

    // A forged decline is refused the same way.
    const decline = await call("POST", `/invitations/${linkToken}`, {
      raw: form({ action: "decline" }),
      ...withCookie(invitee.token, { ...formHeaders, "sec-fetch-site": "cross-site" }),
    });
    expectProblem(decline, 403, "csrf_rejected");
    expect(await invitationStatus(invitationId)).toBe("pending");

    // The same form from our own page goes through. A browser on a `Referrer-Policy: no-referrer`
    // page sends `Origin: null` with a form POST: Sec-Fetch-Site is what vouches for it there.
    const real = await call("POST", `/invitations/${linkToken}`, {
      raw: accept,
      ...withCookie(invitee.token, { ...formHeaders, origin: "null", "sec-fetch-site": "same-origin" }),
    });
    expect(real.status).toBe(200);
    expect(await invitationStatus(invitationId)).toBe("accepted");
    expect(await membershipCount(inviting.organization.id, invitee.user.id)).toBe(1);
  });

  it("rejects accepting an invitation by id with the cookie from a foreign origin: no membership", async () => {
    const { inviting, invitee, invitationId } = await invitationForExistingUser();
    const forged = await call("POST", `/api/invitations/${invitationId}/accept`, withCookie(invitee.token, { origin: EVIL }));
    expectProblem(forged, 403, "csrf_rejected");
    expect(await membershipCount(inviting.organization.id, invitee.user.id)).toBe(0);
    expect(await invitationStatus(invitationId)).toBe("pending");

    const real = await call("POST", `/api/invitations/${invitationId}/accept`, withCookie(invitee.token, { origin: SAME_ORIGIN }));
    expect(real.status).toBe(200);
    expect(await membershipCount(inviting.organization.id, invitee.user.id)).toBe(1);
  });
});
