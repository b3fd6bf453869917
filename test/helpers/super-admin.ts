import { env } from "cloudflare:test";
import { authCache } from "../../src/cache/auth-cache";
import { newId } from "../../src/lib/ids";
import { testContext } from "./context";
import { signUp } from "./factories";

/** A signed-up user (Admin of their own org) made Super Admin the only way there is: a direct D1 write. */
export async function superAdmin() {
  const owner = await signUp({ name: "Sam Super" });
  await env.DB.prepare("UPDATE users SET is_super_admin = 1 WHERE id = ?").bind(owner.user.id).run();
  await authCache.invalidateUser(testContext(), owner.user.id);
  return owner;
}

/** A word no other test uses in a name, so a search finds only this test's organizations. */
export const uniqueWord = () => newId("org").slice(-10).toLowerCase();

export const rowCount = async (table: string, column: string, value: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(value).first<{ n: number }>())!.n;
