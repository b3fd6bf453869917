import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { appOrigin } from "../../src/lib/app-url";
import { freshIp } from "../helpers/api";
import { signUp } from "../helpers/factories";
import { waitForEmail } from "../helpers/emails";

const dev = { ENVIRONMENT: "development", APP_URL: "http://localhost:8787" };
const production = { ENVIRONMENT: "production", APP_URL: "https://api.tours-events.example/" };

describe("appOrigin: the base URL of email links", () => {
  it("in development, follows a request to this machine, port included", () => {
    expect(appOrigin(dev, "http://localhost:8788/api/organizations/invitations")).toBe("http://localhost:8788");
    expect(appOrigin(dev, "http://127.0.0.1:9000/x?y=1")).toBe("http://127.0.0.1:9000");
    expect(appOrigin(dev, "http://[::1]:8790/")).toBe("http://[::1]:8790");
  });

  it("in development, ignores any other host: APP_URL", () => {
    expect(appOrigin(dev, "http://evil.example:8788/api")).toBe("http://localhost:8787");
    expect(appOrigin(dev, "http://localhost.evil.example/api")).toBe("http://localhost:8787");
    expect(appOrigin(dev, "not a url")).toBe("http://localhost:8787");
    expect(appOrigin(dev, undefined)).toBe("http://localhost:8787");
  });

  it("outside development, is always APP_URL (without its trailing slash), whatever the request", () => {
    expect(appOrigin(production, "http://localhost:8788/api")).toBe("https://api.tours-events.example");
    expect(appOrigin(production, undefined)).toBe("https://api.tours-events.example");
  });
});

/** One request through the worker's fetch at an explicit origin (the api helper always uses http://localhost). */
async function postAt(origin: string, path: string, body: unknown, token: string) {
  const request = new Request(`${origin}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "cf-connecting-ip": freshIp() },
    body: JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as any, env as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("invitation links in development (`npm run dev -- --port 8788`)", () => {
  it("point at the port the invitation was created through, via the queue", async () => {
    expect(env.ENVIRONMENT).toBe("development");
    const admin = await signUp();
    const invitee = `port.${Date.now()}@example.com`;
    const created = await postAt(
      "http://localhost:8788",
      "/api/organizations/invitations",
      { email: invitee, role: "Member" },
      admin.token,
    );
    expect(created.status).toBe(201);

    const [email] = await waitForEmail(invitee);
    expect(email!.text).toMatch(/http:\/\/localhost:8788\/invitations\/ivt_[0-9A-Za-z]{49}/);
    expect(email!.html).toContain("http://localhost:8788/invitations/ivt_");
    expect(email!.text).not.toContain(env.APP_URL);
  });

  it("fall back to APP_URL when the request came through a non-loopback host", async () => {
    const admin = await signUp();
    const invitee = `host.${Date.now()}@example.com`;
    const created = await postAt(
      "http://attacker.example",
      "/api/organizations/invitations",
      { email: invitee, role: "Member" },
      admin.token,
    );
    expect(created.status).toBe(201);

    const [email] = await waitForEmail(invitee);
    expect(email!.text).toContain(`${env.APP_URL}/invitations/ivt_`);
    expect(email!.text).not.toContain("attacker.example");
  });
});

describe("account email links in development", () => {
  it("a password-reset link points at the port the reset was asked through", async () => {
    const owner = await signUp();
    const request = new Request("http://127.0.0.1:8789/api/auth/password-reset", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": freshIp() },
      body: JSON.stringify({ email: owner.user.email }),
    });
    const ctx = createExecutionContext();
    expect((await worker.fetch(request as any, env as Env, ctx)).status).toBe(202);
    await waitOnExecutionContext(ctx);
    const [email] = await waitForEmail(owner.user.email, "reset");
    expect(email!.text).toMatch(/http:\/\/127\.0\.0\.1:8789\/reset-password\/prt_[0-9A-Za-z]{49}/);
  });
});
