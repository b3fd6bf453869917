import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { setLogSink } from "../../src/lib/log";
import { keyIdOf, open, seal, sealedKeyId } from "../../src/lib/secret-box";
import { post } from "../helpers/api";
import { signUp } from "../helpers/factories";
import { currentCode, forgetLastStep } from "../helpers/mfa";
import { withChallenge } from "../helpers/sign-in";

const KEY_A = "totp-key-A: the one in use before the rotation";
const KEY_B = "totp-key-B: the one that replaces it";
const KEY_C = "totp-key-C: a key this deployment never held";
const WEBHOOK_KEY = "webhook key for these tests";

/** The deployed worker's env with the given TOTP keys. */
const withKeys = (current: string, previous?: string) =>
  ({
    ...(env as Env),
    ENVIRONMENT: "production",
    WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
    TOTP_SECRET_KEY: current,
    TOTP_SECRET_KEY_PREVIOUS: previous,
  }) as Env;

const storedSecret = async (userId: string) =>
  (await env.DB.prepare("SELECT totp_secret AS s FROM users WHERE id = ?").bind(userId).first<{ s: string | null }>())!.s;

/** A user who enrolled and confirmed TOTP through the API while `keys` were deployed. */
async function enrolledUnder(keys: Env) {
  const owner = await signUp();
  const enrolled = await post("/api/auth/mfa/totp", { password: "a-strong-password" }, { token: owner.token, env: keys });
  expect(enrolled.status).toBe(201);
  const confirmed = await post(
    "/api/auth/mfa/totp/confirm",
    { code: currentCode(enrolled.body.secret) },
    { token: owner.token, env: keys },
  );
  expect(confirmed.status).toBe(200);
  await forgetLastStep(owner.user.id);
  return { owner, secret: enrolled.body.secret as string };
}

/** Both sign-in steps under `keys`: the status of the second (200 when the stored secret opened). */
async function signInWithCode(keys: Env, email: string, secret: string) {
  const first = withChallenge(await post("/api/auth/sign-in", { email, password: "a-strong-password" }, { env: keys }));
  return (await post("/api/auth/sign-in/mfa", { mfaToken: first.body.mfaToken, code: currentCode(secret) }, { env: keys })).status;
}

/** One run of the Cron Trigger under `keys`: its scheduled_upkeep report of the TOTP secrets, and every log line. */
async function upkeepUnder(keys: Env) {
  const lines: Record<string, any>[] = [];
  setLogSink((_level, line) => void lines.push(JSON.parse(line)));
  try {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/15 * * * *" }), keys, ctx);
    await waitOnExecutionContext(ctx);
  } finally {
    setLogSink(null);
  }
  return { report: lines.find((l) => l.msg === "scheduled_upkeep")!.totpSecrets, lines };
}

describe("TOTP_SECRET_KEY rotation: the upkeep re-seals every TOTP secret under the current key", () => {
  it("moves a secret from the previous key to the current one, after which the previous key can go", async () => {
    const { owner, secret } = await enrolledUnder(withKeys(KEY_A));
    const before = (await storedSecret(owner.user.id))!;
    expect(sealedKeyId(before)).toBe(await keyIdOf(KEY_A));

    // During the rotation (B current, A previous) the old ciphertext still opens.
    expect(await signInWithCode(withKeys(KEY_B, KEY_A), owner.user.email, secret)).toBe(200);
    await forgetLastStep(owner.user.id);

    const { report } = await upkeepUnder(withKeys(KEY_B, KEY_A));
    expect(report).toMatchObject({ currentKeyId: await keyIdOf(KEY_B), unreadable: 0, remaining: 0 });
    expect(report.resealed).toBeGreaterThanOrEqual(1);
    const after = (await storedSecret(owner.user.id))!;
    expect(sealedKeyId(after)).toBe(await keyIdOf(KEY_B));
    expect((await open({ current: KEY_B }, "totp-secret", owner.user.id, after)).plaintext).toBe(secret);

    // The previous key retired: the user's factor still works under B alone.
    expect(await signInWithCode(withKeys(KEY_B), owner.user.email, secret)).toBe(200);
    // A second run finds nothing to do.
    expect((await upkeepUnder(withKeys(KEY_B, KEY_A))).report).toMatchObject({ resealed: 0, remaining: 0 });
  });

  it("leaves a secret under a key it does not hold as it is, counts it and logs the user by id, never the value", async () => {
    const owner = await signUp();
    const foreign = await seal({ current: KEY_C }, "totp-secret", owner.user.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    await env.DB.prepare("UPDATE users SET totp_secret = ?, mfa_enabled = 1 WHERE id = ?").bind(foreign, owner.user.id).run();

    const { report, lines } = await upkeepUnder(withKeys(KEY_B, KEY_A));
    expect(report.unreadable).toBeGreaterThanOrEqual(1);
    expect(report.remaining).toBeGreaterThanOrEqual(1);
    expect(await storedSecret(owner.user.id)).toBe(foreign);
    const logged = lines.find((l) => l.msg === "totp_secret_unreadable");
    expect(logged?.userIds).toContain(owner.user.id);
    expect(JSON.stringify(lines)).not.toContain(foreign.split(".")[3]);
    await env.DB.prepare("UPDATE users SET totp_secret = NULL, mfa_enabled = 0 WHERE id = ?").bind(owner.user.id).run();
  });

  it("finds the stale secrets through users_totp_secret_idx, never a scan of users", async () => {
    const id = await keyIdOf(KEY_B);
    for (const where of ["totp_secret >= ?1 AND totp_secret < ?2", "totp_secret IS NOT NULL AND (totp_secret < ?1 OR totp_secret >= ?2)"]) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN SELECT id FROM users WHERE ${where}`)
        .bind(`v2.${id}.`, `v2.${id}/`)
        .all<{ detail: string }>();
      const plan = results.map((r) => r.detail).join("\n");
      expect(plan).toMatch(/users_totp_secret_idx/);
      expect(plan).not.toMatch(/SCAN users(?! USING)/);
    }
  });
});
