import { describe, expect, it } from "vitest";
import { call, post, type ApiResponse } from "../helpers/api";
import { seedOrganization, signUp, uniqueEmail } from "../helpers/factories";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { mintToken } from "../../src/lib/tokens";

/** The CSP's directives by name. */
function cspOf(res: ApiResponse<unknown>): Map<string, string[]> {
  const header = res.headers.get("content-security-policy");
  expect(header, "content-security-policy header").toBeTruthy();
  return new Map(
    header!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

/** Asserts every header a token page must carry and returns the page's nonce. */
function expectTokenPageHeaders(res: ApiResponse<unknown>, label: string): string {
  expect(res.headers.get("content-type"), label).toContain("text/html");
  expect(res.headers.get("referrer-policy"), label).toBe("no-referrer");
  expect(res.headers.get("x-frame-options"), label).toBe("DENY");
  expect(res.headers.get("cache-control"), label).toBe("no-store");

  const csp = cspOf(res);
  expect(csp.get("default-src"), label).toEqual(["'none'"]);
  expect(csp.get("form-action"), label).toEqual(["'self'"]);
  expect(csp.get("frame-ancestors"), label).toEqual(["'none'"]);
  const styleSrc = csp.get("style-src") ?? [];
  expect(styleSrc, label).not.toContain("'unsafe-inline'");
  expect(csp.get("script-src"), label).toBeUndefined(); // falls back to default-src 'none'
  const nonces = styleSrc.map((v) => /^'nonce-([^']+)'$/.exec(v)?.[1]).filter(Boolean);
  expect(nonces, `${label}: one style-src nonce`).toHaveLength(1);
  const nonce = nonces[0]!;
  expect(nonce.length, label).toBeGreaterThanOrEqual(16);

  const styleTags = [...res.text.matchAll(/<style\b([^>]*)>/gi)];
  expect(styleTags, `${label}: one <style>`).toHaveLength(1);
  expect(/\bnonce="([^"]*)"/.exec(styleTags[0]![1]!)?.[1], `${label}: <style nonce>`).toBe(nonce);
  expect(res.text, label).not.toMatch(/<script/i);
  expect(res.text, label).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
  return nonce;
}

async function realInvitationToken() {
  const owner = await seedOrganization("Header Tours");
  const email = uniqueEmail("headers");
  expect((await post("/api/organizations/invitations", { email, role: "Member" }, { token: owner.token })).status).toBe(201);
  const [message] = await waitForEmail(email, "invitation");
  return tokenIn(message!.text, "invitation");
}

describe("pages with a token in the URL send no referrer, are never framed or cached, and run no script", () => {
  it("the invitation page, with a real token", async () => {
    const token = await realInvitationToken();
    const res = await call("GET", `/invitations/${token}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain("Join Header Tours");
    expectTokenPageHeaders(res, "invitation");
  });

  it("the invitation page for a well-formed unknown token: 404 with the same headers", async () => {
    const res = await call("GET", `/invitations/${mintToken("invitation")}`);
    expect(res.status).toBe(404);
    expectTokenPageHeaders(res, "unknown invitation");
  });

  it("the verify-email page, with a real token", async () => {
    const owner = await signUp();
    const [message] = await waitForEmail(owner.user.email, "verification");
    const res = await call("GET", `/verify-email/${tokenIn(message!.text, "verification")}`);
    expect(res.status).toBe(200);
    expectTokenPageHeaders(res, "verify-email");
  });

  it("the reset-password page, with a real token, and the page that asks for a link", async () => {
    const owner = await seedOrganization();
    expect((await post("/api/auth/password-reset", { email: owner.user.email })).status).toBe(202);
    const [message] = await waitForEmail(owner.user.email, "reset");
    const withToken = await call("GET", `/reset-password/${tokenIn(message!.text, "reset")}`);
    expect(withToken.status).toBe(200);
    expectTokenPageHeaders(withToken, "reset-password/{token}");

    const request = await call("GET", "/reset-password");
    expect(request.status).toBe(200);
    expectTokenPageHeaders(request, "reset-password");
  });

  it("the pages' form answers (POST) carry the same headers, errors included", async () => {
    const form = (fields: Record<string, string>) => ({
      raw: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const verify = await call("POST", `/verify-email/${mintToken("emailVerification")}`, form({}));
    expect(verify.status).toBe(404);
    expectTokenPageHeaders(verify, "POST verify-email (unknown)");
    const reset = await call("POST", `/reset-password/${mintToken("passwordReset")}`, form({ password: "short" }));
    expect(reset.status).toBe(400);
    expectTokenPageHeaders(reset, "POST reset-password (bad password)");
    const invitation = await call("POST", `/invitations/${mintToken("invitation")}`, form({ action: "accept" }));
    expect(invitation.status).toBe(404);
    expectTokenPageHeaders(invitation, "POST invitation (unknown)");
  });

  it("each response gets a fresh nonce", async () => {
    const token = mintToken("passwordReset");
    const first = expectTokenPageHeaders(await call("GET", `/reset-password/${token}`), "first");
    const second = expectTokenPageHeaders(await call("GET", `/reset-password/${token}`), "second");
    expect(first).not.toBe(second);
  });
});
