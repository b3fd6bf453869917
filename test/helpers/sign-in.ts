import type { ApiResponse } from "./api";

/**
 * POST /api/auth/sign-in answers 200 with one of two bodies (the document's `oneOf`): a session, or
 * an MFA challenge when the account has a second factor. These narrow an answer to the one a test
 * expects, failing with what came instead.
 */
type SessionVariant<B> = Extract<B, { session: unknown }>;
type ChallengeVariant<B> = Extract<B, { mfaToken: string }>;

/** The body as a signed-in session (a user without MFA, or the second step's answer). */
export function sessionBody<B>(body: B): SessionVariant<B> {
  if (typeof body !== "object" || body === null || !("session" in body)) throw new Error(`expected a session, got ${JSON.stringify(body)}`);
  return body as SessionVariant<B>;
}

/** The answer, its body narrowed to the session variant (status 200 asserted). */
export function withSession<B>(res: ApiResponse<B>): ApiResponse<SessionVariant<B>> {
  if (res.status !== 200) throw new Error(`expected 200 with a session, got ${res.status} ${res.text}`);
  return { ...res, body: sessionBody(res.body) };
}

/** The answer, its body narrowed to the MFA challenge (status 200 asserted). */
export function withChallenge<B>(res: ApiResponse<B>): ApiResponse<ChallengeVariant<B>> {
  const body = res.body;
  if (res.status !== 200 || typeof body !== "object" || body === null || !("mfaToken" in body))
    throw new Error(`expected 200 with an MFA challenge, got ${res.status} ${res.text}`);
  return res as ApiResponse<ChallengeVariant<B>>;
}
