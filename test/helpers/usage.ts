import { env } from "cloudflare:test";

/**
 * Waits until the USAGE queue's consumer has written what `done` looks for (API-key usage is counted
 * in the isolate, sent after the response and summed by the real consumer: docs/integration-traffic.md).
 * A wait with a deadline, not a timed assertion: it fails only if the counts never land.
 */
export async function untilUsage<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`usage did not land within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the key's lastUsedAt is set in D1 (it comes from the usage counts). */
export const untilKeyUsed = (keyId: string) =>
  untilUsage(
    () => env.DB.prepare("SELECT last_used_at AS at FROM api_keys WHERE id = ?").bind(keyId).first<{ at: number | null }>(),
    (row) => row?.at != null,
  );
