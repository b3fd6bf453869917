// Real-browser test of the invitation page's "sign in to accept" path for a user with MFA: Debian's
// Chromium driven by playwright-core against `wrangler dev`. Pat has an account with TOTP enabled
// (enrolled through the API, the codes computed here from the secret, as an authenticator app
// would); an Admin invites Pat's address; on the emailed link Pat enters the password, the page asks
// for the code, a wrong one is refused with the code field kept, the right one signs in and accepts.
// The session the page sets is marked `mfa`. No page may trip its Content-Security-Policy.
// Run: node test/browser/mfa-accept.mjs   (needs /usr/bin/chromium: `apt-get install chromium`)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";
import { generateHOTP } from "@oslojs/otp";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { api, ROOT, startDevServer } from "../../scripts/lib/dev-server.mjs";
import { verifyThroughOutbox } from "../../scripts/lib/verify-email.mjs";

const ARTIFACTS = path.join(ROOT, "test", "artifacts");
const DEADLINE = setTimeout(() => {
  console.error("browser test: over 120 s, giving up");
  process.exit(1);
}, 120_000);

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

/** What an authenticator app shows for `secret`, `steps` 30-second steps from now (RFC 6238, 6 digits). */
const totp = (secret, steps = 0) => generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + steps), 6);

async function waitForEmail(base, to, link = /\/invitations\//) {
  for (let i = 0; i < 60; i++) {
    const res = await api(base, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`);
    const found = res.body?.data?.find((e) => link.test(e.text));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no email for ${to} in the outbox after 15 s`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startDevServer({ port: 8796 });
  let browser;
  try {
    const base = server.base;
    const suffix = Date.now().toString(36);
    const adminEmail = `mfa-admin.${suffix}@example.com`;
    const admin = await api(base, "POST", "/api/auth/sign-up", {
      body: { email: adminEmail, password: "admin-password", name: "Ada Admin", organizationName: "Harbour Tours" },
    });
    check(admin.status === 201, "the admin signs up");
    await verifyThroughOutbox(base, adminEmail);

    const patEmail = `pat.mfa.${suffix}@example.com`;
    const pat = await api(base, "POST", "/api/auth/sign-up", { body: { email: patEmail, password: "pats-password", name: "Pat Doe" } });
    check(pat.status === 201, "Pat has an account of their own");
    const enrolled = await api(base, "POST", "/api/auth/mfa/totp", { token: pat.body.session.token, body: { password: "pats-password" } });
    check(enrolled.status === 201 && /^otpauth:\/\/totp\//.test(enrolled.body.otpauthUri), "Pat starts a TOTP enrollment");
    const confirmed = await api(base, "POST", "/api/auth/mfa/totp/confirm", {
      token: pat.body.session.token,
      body: { code: totp(enrolled.body.secret) },
    });
    check(
      confirmed.status === 200 && confirmed.body.recoveryCodes.length === 10,
      "Pat confirms it with the app's code and gets 10 recovery codes",
    );

    const invite = await api(base, "POST", "/api/organizations/invitations", {
      token: admin.body.session.token,
      body: { email: patEmail, role: "Member" },
    });
    check(invite.status === 201, "the admin invites Pat as Member");
    const email = await waitForEmail(base, patEmail);
    const link = /https?:\/\/\S+\/invitations\/ivt_[0-9A-Za-z]+/.exec(email.text)?.[0];
    check(Boolean(link), "the invitation email reached the outbox with an accept link");

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const violations = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    check((await page.goto(link))?.status() === 200, "the invitation page opens");
    await page.getByLabel("Password").fill("pats-password");
    await page.getByRole("button", { name: "Sign in and accept" }).click();

    const codeField = page.getByLabel("Code from your authenticator app, or a recovery code");
    await codeField.waitFor();
    check(await codeField.isVisible(), "after the password, the page asks for the code (no session yet)");
    check(
      (await page.context().cookies()).every((c) => c.name !== "session"),
      "no session cookie before the second factor",
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "mfa-accept-code.png"), fullPage: true });

    const right = totp(enrolled.body.secret, 1); // the next step: the confirmation used this one
    await codeField.fill(right === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Verify and accept" }).click();
    await page.getByRole("alert").waitFor();
    check(
      (await page.getByRole("alert").textContent())?.includes("That code is not right"),
      "a wrong code is refused, and the code field stays",
    );

    await page.getByLabel("Code from your authenticator app, or a recovery code").fill(right);
    await page.getByRole("button", { name: "Verify and accept" }).click();
    await page.getByRole("status").waitFor();
    check(
      (await page.getByRole("status").textContent())?.includes("You joined Harbour Tours as Member."),
      "the right code signs in and accepts",
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "mfa-accept-done.png"), fullPage: true });

    const session = (await page.context().cookies()).find((c) => c.name === "session");
    check(session?.httpOnly === true, "the browser holds an HttpOnly session cookie");
    const me = await api(base, "GET", "/api/auth/session", { token: session.value });
    check(me.body?.mfa === true && me.body?.user?.mfaEnabled === true, "the page's session was made with the second factor (mfa: true)");
    const mine = await api(base, "GET", "/api/users/me/organizations", { token: session.value });
    check(
      mine.body?.data?.some((m) => m.organization.name === "Harbour Tours" && m.role.name === "Member"),
      "Pat is a Member of Harbour Tours",
    );
    check(violations.length === 0, `no Content-Security-Policy violations${violations.length ? `: ${violations.join(" | ")}` : ""}`);
    console.log("1 passed, 0 failed");
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
    clearTimeout(DEADLINE);
  }
}

main().catch((error) => {
  console.error(error);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
