// Real-browser test of the pages behind emailed links: Debian's Chromium driven by playwright-core
// against `wrangler dev`. An Admin invites an address; the link is read from the dev outbox, opened,
// the sign-up form filled and submitted; the success state must show, and the new member must
// exist through the API. Then a new user confirms their address on the verification page, and
// asks for and uses a password-reset link. No page may trip its Content-Security-Policy. Saves
// screenshots under test/artifacts/ (git-ignored).
// Run: npm run test:browser   (needs /usr/bin/chromium: `apt-get install chromium`)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";
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

/** The newest outbox email to `to` whose text has a link matching `link` (a signed-up user also gets a verification email). */
async function waitForEmail(base, to, link = /\/invitations\//) {
  for (let i = 0; i < 60; i++) {
    const res = await api(base, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`);
    const found = res.body?.data?.find((e) => link.test(e.text));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no email for ${to} in the outbox after 15 s`);
}

/** Fails the run if the page reports a CSP violation (a blocked stylesheet, image or form target). */
function watchCsp(page, violations) {
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
}

/** A new user confirms their address on the verification page, then resets the password through the pages. */
async function accountPages(browser, base, suffix) {
  const violations = [];
  const email = `vic.${suffix}@example.com`;
  const signedUp = await api(base, "POST", "/api/auth/sign-up", { body: { email, password: "vics-first-password", name: "Vic" } });
  check(signedUp.status === 201 && signedUp.body.user.emailVerified === false, "Vic signs up, unverified");

  const verification = await waitForEmail(base, email, /\/verify-email\//);
  const verifyLink = /https?:\/\/\S+\/verify-email\/vet_[0-9A-Za-z]+/.exec(verification.text)?.[0];
  check(Boolean(verifyLink), "the verification email reached the outbox with a link");
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  watchCsp(page, violations);
  await page.goto(verifyLink);
  const before = await api(base, "GET", "/api/auth/session", { token: signedUp.body.session.token });
  check(before.body.user.emailVerified === false, "opening the link alone verifies nothing (mail scanners open links)");
  const button = page.getByRole("button", { name: "Confirm email address" });
  const background = await button.evaluate((el) => getComputedStyle(el).backgroundColor);
  check(background !== "rgba(0, 0, 0, 0)" && background !== "", `the page's stylesheet applies under its CSP (button ${background})`);
  await page.screenshot({ path: path.join(ARTIFACTS, "verify-email.png"), fullPage: true });
  await button.click();
  await page.getByRole("status").waitFor();
  check((await page.getByRole("status").textContent())?.includes(`${email} is verified`), "the verification page confirms the address");
  const after = await api(base, "GET", "/api/auth/session", { token: signedUp.body.session.token });
  check(after.body.user.emailVerified === true, "the API now reports the address verified");

  await page.goto(`${base}/reset-password`);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await page.getByRole("status").waitFor();
  check(
    (await page.getByRole("status").textContent())?.includes("If an account has this address"),
    "asking for a reset link answers without saying whether the account exists",
  );
  const reset = await waitForEmail(base, email, /\/reset-password\//);
  const resetLink = /https?:\/\/\S+\/reset-password\/prt_[0-9A-Za-z]+/.exec(reset.text)?.[0];
  check(Boolean(resetLink), "the reset email reached the outbox with a link");
  await page.goto(resetLink);
  await page.getByLabel("New password (at least 8 characters)").fill("vics-new-password");
  await page.screenshot({ path: path.join(ARTIFACTS, "reset-password.png"), fullPage: true });
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.getByRole("status").waitFor();
  check((await page.getByRole("status").textContent())?.includes("Your new password is set"), "the reset page sets the new password");
  const old = await api(base, "GET", "/api/auth/session", { token: signedUp.body.session.token });
  check(old.status === 401, "the session from before the reset is revoked");
  const signIn = await api(base, "POST", "/api/auth/sign-in", { body: { email, password: "vics-new-password" } });
  check(signIn.status === 200, "Vic signs in with the new password");
  check(violations.length === 0, `no Content-Security-Policy violations${violations.length ? `: ${violations.join(" | ")}` : ""}`);
  await page.close();
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startDevServer({ port: 8792 });
  let browser;
  try {
    const suffix = Date.now().toString(36);
    const admin = await api(server.base, "POST", "/api/auth/sign-up", {
      body: { email: `admin.${suffix}@example.com`, password: "admin-password", name: "Ada Admin", organizationName: "Lighthouse Tours" },
    });
    check(admin.status === 201, "the admin signs up");
    await verifyThroughOutbox(server.base, `admin.${suffix}@example.com`);
    check(true, "the admin verifies their address (inviting needs a proved address)");
    const invitee = `Pat.${suffix}@Example.com`;
    const invite = await api(server.base, "POST", "/api/organizations/invitations", {
      token: admin.body.session.token,
      body: { email: invitee, role: "Member" },
    });
    check(invite.status === 201, "the admin invites Pat as Member");

    const email = await waitForEmail(server.base, invitee.toLowerCase());
    const link = /https?:\/\/\S+\/invitations\/ivt_[0-9A-Za-z]+/.exec(email.text)?.[0];
    check(Boolean(link), "the queued email reached the outbox with an accept link");
    // In development the link follows the port the invitation was created through, not APP_URL's :8787.
    check(new URL(link).origin === new URL(server.base).origin, `the link points at this server (${link})`);
    const url = link;

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    const violations = [];
    watchCsp(page, violations);
    const response = await page.goto(url);
    check(response?.status() === 200, "the invitation page opens");
    check((await page.getByRole("heading", { level: 1 }).textContent())?.includes("Join Lighthouse Tours"), "it names the organization");
    check(await page.getByText("Ada Admin").first().isVisible(), "it names the inviter");
    await page.screenshot({ path: path.join(ARTIFACTS, "invitation-page.png"), fullPage: true });

    await page.getByLabel("Your name").fill("Pat Doe");
    await page.getByLabel("Password (at least 8 characters)").fill("pats-password");
    await page.getByRole("button", { name: "Create account and accept" }).click();
    await page.getByRole("status").waitFor();
    const status = await page.getByRole("status").textContent();
    check(status?.includes("You joined Lighthouse Tours as Member."), "the success state shows after accepting");
    await page.screenshot({ path: path.join(ARTIFACTS, "invitation-accepted.png"), fullPage: true });

    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "session");
    check(session?.httpOnly === true, "the browser holds an HttpOnly session cookie");
    const me = await api(server.base, "GET", "/api/auth/session", { token: session.value });
    check(
      me.body?.organization?.name === "Lighthouse Tours" && me.body?.role?.name === "Member",
      "the session is a Member of Lighthouse Tours",
    );

    await page.goto(url);
    check((await page.getByRole("status").textContent())?.includes("already been used"), "the link no longer works once used");
    check(
      violations.length === 0,
      `the invitation page trips no Content-Security-Policy${violations.length ? `: ${violations.join(" | ")}` : ""}`,
    );

    await accountPages(browser, server.base, suffix);
    console.log(
      `screenshots: ${path.relative(ROOT, ARTIFACTS)}/invitation-page.png, invitation-accepted.png, verify-email.png, reset-password.png`,
    );
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
