// Proves a freshly signed-up address the way its owner would: reads the verification email from the
// development outbox (GET /api/dev/outbox, ENVIRONMENT=development only) and confirms its token.
// Creating API keys, webhook endpoints and invitations needs a verified address ("an unproven
// account arms nothing"), so every end-to-end journey that arms something starts here.

/** Resolves once `email`'s address is verified on the server at `base`; throws after ~15 s. */
export async function verifyThroughOutbox(base, email) {
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${base}/api/dev/outbox?to=${encodeURIComponent(email.toLowerCase())}`);
    const body = res.ok ? await res.json() : null;
    const token = body?.data?.map((m) => /\/verify-email\/(vet_[0-9A-Za-z]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) {
      const confirmed = await fetch(`${base}/api/auth/email-verification/confirm`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      if (confirmed.status !== 200) throw new Error(`verifying ${email}: ${confirmed.status} ${await confirmed.text()}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no verification email for ${email} in the outbox after 15 s`);
}
