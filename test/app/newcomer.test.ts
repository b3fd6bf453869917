import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, get, offDocument, patch, post, servedDocument } from "../helpers/api";
import { signUp, uniqueEmail } from "../helpers/factories";
import { invite, linkToken } from "../helpers/invitations";
import { tokenIn, waitForEmail } from "../helpers/emails";
import { mintToken } from "../../src/lib/tokens";
import { PASSWORD_RULE } from "../../src/lib/passwords";
import { describeFailure } from "../../src/services/webhooks/deliver";
import { INVITATION_SUBJECT } from "../../src/services/emails/render";

/** What a new user met trying the API from a fresh clone (issue 17 item 8), each as it behaves now. */

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
});
const usersWith = (email: string) => env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();

describe("the invitation page", () => {
  it("shows the organization's initials when it has no logo, and under the logo when it has one", async () => {
    const owner = await signUp({ organizationName: "Harbor Kayaks" });
    const token = await linkToken((await invite(owner.token)).id);
    const page = await call("GET", `/invitations/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<div class="logo" aria-hidden="true"><span>HK<\/span><\/div>/);
    expect(page.text).not.toContain("<img");

    expect(
      (await patch("/api/organizations/me", { logo: "https://logos.example.com/never-resolves.png" }, { token: owner.token })).status,
    ).toBe(200);
    const withLogo = await call("GET", `/invitations/${token}`);
    // The image lies over the initials; a logo that fails to load shows nothing (empty alt), not clipped alt text.
    expect(withLogo.text).toMatch(
      /<div class="logo" aria-hidden="true"><span>HK<\/span><img src="https:\/\/logos\.example\.com\/never-resolves\.png" alt="" width="56" height="56"\/?><\/div>/,
    );
  });

  it("refuses a short password with the one password message, in words, and keeps the typed name", async () => {
    const owner = await signUp();
    const email = uniqueEmail("newcomer");
    const token = await linkToken((await invite(owner.token, email)).id);
    const refused = await call("POST", `/invitations/${token}`, form({ action: "accept", name: "Nina Newcomer", password: "short" }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(PASSWORD_RULE);
    expect(refused.text).not.toMatch(/Too small|expected string/);
    expect(refused.text).toMatch(
      /<input id="name" name="name" type="text" required="" maxlength="100" autocomplete="name" value="Nina Newcomer"\/?>/,
    );
    expect(refused.text).not.toContain('value="short"');
    expect((await usersWith(email))!.n).toBe(0);
  });

  it("says the same password rule on the API: accepting, signing up, resetting and changing", async () => {
    const owner = await signUp();
    const token = await linkToken((await invite(owner.token)).id);
    const accept = expectProblem(
      await post(`/api/invitations/${token}/accept`, { name: "Nina", password: "short" }),
      400,
      "validation_failed",
    );
    expect(accept.detail).toContain(PASSWORD_RULE);
    expect(accept.detail).not.toContain("Send { name, password }");
    // `{ name }` alone is neither variant: refused, nothing accepted.
    expectProblem(await post(`/api/invitations/${token}/accept`, offDocument({ name: "Nina" })), 400, "validation_failed");
    expect((await get(`/api/invitations/${token}`)).body.status).toBe("pending");

    const signUpRefused = expectProblem(
      await post("/api/auth/sign-up", { email: uniqueEmail(), password: "short", name: "Sam" }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(signUpRefused)).toContain(PASSWORD_RULE);
    const change = await post("/api/auth/password", { currentPassword: "a-strong-password", newPassword: "short" }, { token: owner.token });
    expect(JSON.stringify(expectProblem(change, 400, "validation_failed"))).toContain(PASSWORD_RULE);
    const reset = await post("/api/auth/password-reset/confirm", { token: mintToken("passwordReset"), password: "short" });
    expect(JSON.stringify(expectProblem(reset, 400, "validation_failed"))).toContain(PASSWORD_RULE);
  });
});

describe("a dead reset link", () => {
  it("says at once that it no longer works, instead of showing the form (unknown, used)", async () => {
    const unknown = await call("GET", `/reset-password/${mintToken("passwordReset")}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("This link does not work");
    expect(unknown.text).not.toContain('type="password"');

    const owner = await signUp();
    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = tokenIn((await waitForEmail(owner.user.email, "reset"))[0]!.text, "reset");
    const live = await call("GET", `/reset-password/${token}`);
    expect(live.status).toBe(200);
    expect(live.text).toContain('type="password"');
    // Looking at the page used nothing: the link still sets the password.
    expect((await call("POST", `/reset-password/${token}`, form({ password: "a-new-password" }))).status).toBe(200);
    const used = await call("GET", `/reset-password/${token}`);
    expect(used.status).toBe(404);
    expect(used.text).not.toContain('type="password"');
  });

  it("an expired one says it expired (410)", async () => {
    const owner = await signUp();
    await post("/api/auth/password-reset", { email: owner.user.email });
    const token = tokenIn((await waitForEmail(owner.user.email, "reset"))[0]!.text, "reset");
    await env.DB.prepare("UPDATE email_tokens SET expires_at = ? WHERE user_id = ? AND kind = 'reset_password'")
      .bind(Date.now() - 1000, owner.user.id)
      .run();
    const expired = await call("GET", `/reset-password/${token}`);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain("This link has expired");
    expect(expired.text).not.toContain('type="password"');
  });
});

describe("the invitation email", () => {
  it("has a fixed subject: the inviter's and the organization's names are in the body only", async () => {
    const owner = await signUp({ name: "Ada Admin", organizationName: "Harbor Kayaks" });
    const email = uniqueEmail("subject");
    await invite(owner.token, email);
    const [message] = await waitForEmail(email);
    expect(message!.subject).toBe(INVITATION_SUBJECT);
    expect(message!.subject).toBe("You're invited to join an organization on Tours & Events");
    expect(message!.subject).not.toMatch(/Ada|Harbor/);
    expect(message!.text).toContain("Ada Admin invited you to join Harbor Kayaks");
  });
});

describe("a webhook endpoint with nothing listening", () => {
  it("is recorded as a refused connection at its origin, not as a lost network connection", () => {
    const url = "https://hooks.example.com/t/sk_live_secret";
    for (const message of ["Network connection lost.", "connect ECONNREFUSED 127.0.0.1:3000"]) {
      const said = describeFailure(new Error(message), url);
      expect(said).toBe("Connection refused or lost: nothing answered at https://hooks.example.com.");
      expect(said).not.toContain("sk_live");
    }
    expect(describeFailure(Object.assign(new Error("The operation timed out."), { name: "TimeoutError" }), url)).toBe(
      "Timed out after 10 s.",
    );
  });
});

describe("the front door", () => {
  it("GET / redirects to the reference at /docs", async () => {
    const res = await call("GET", "/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/docs");
  });

  it("serves an icon at /favicon.ico (and /favicon.svg, which the docs page links)", async () => {
    for (const path of ["/favicon.ico", "/favicon.svg"]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml");
      expect(res.text).toMatch(/^<svg /);
    }
  });

  it("the document's introduction names events and webhooks, and its license is MIT", async () => {
    const { info } = (await servedDocument()) as unknown as { info: { description: string; license: unknown } };
    expect(info.description).toMatch(/\*\*Events and webhooks\.\*\*/);
    expect(info.description).toContain("webhooks");
    expect(info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });
});
