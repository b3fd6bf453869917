import { env } from "cloudflare:test";
import { mintToken } from "../../src/lib/tokens";
import { post } from "./api";
import { uniqueEmail } from "./factories";

/** An invitation created through the API. */
export async function invite(token: string, email = uniqueEmail("invitee"), role = "Member") {
  const res = await post("/api/organizations/invitations", { email, role }, { token });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${res.text}`);
  return res.body;
}

/**
 * A working link token for an invitation. The real one only travels in the queued email (see
 * story.test.ts for that path); here a known token's hash replaces the stored one, as a resend would.
 */
export async function linkToken(invitationId: string): Promise<string> {
  const token = mintToken("invitation");
  const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  await env.DB.prepare("UPDATE invitations SET token_hash = ? WHERE id = ?").bind(hash, invitationId).run();
  return token;
}

/** The stored invitation row (snake_case columns). */
export const rowOf = (id: string) => env.DB.prepare("SELECT * FROM invitations WHERE id = ?").bind(id).first<Record<string, unknown>>();
