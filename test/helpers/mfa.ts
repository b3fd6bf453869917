import { env } from "cloudflare:test";
import { post } from "./api";
import { stepAt, totpCode } from "../../src/services/mfa/totp";

/** The code an authenticator app shows now for `secret` (or `steps` steps from now). */
export const currentCode = (secret: string, steps = 0) => totpCode(secret, stepAt(Date.now()) + steps);

/** Enrolls and confirms TOTP for the session's user; returns the secret and the recovery codes. */
export async function enableMfa(token: string, password = "a-strong-password") {
  const enrolled = await post("/api/auth/mfa/totp", { password }, { token });
  if (enrolled.status !== 201) throw new Error(`enroll failed: ${enrolled.status} ${enrolled.text}`);
  const confirmed = await post("/api/auth/mfa/totp/confirm", { code: currentCode(enrolled.body.secret) }, { token });
  if (confirmed.status !== 200) throw new Error(`confirm failed: ${confirmed.status} ${confirmed.text}`);
  return { secret: enrolled.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}

/**
 * Forgets the last accepted TOTP step (a direct D1 write), so a test can use the current code again
 * without waiting 30 seconds for the next step: what the replay guard would otherwise refuse.
 */
export async function forgetLastStep(userId: string) {
  await env.DB.prepare("UPDATE users SET totp_last_step = NULL WHERE id = ?").bind(userId).run();
}
