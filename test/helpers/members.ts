import { env } from "cloudflare:test";

/** How many Admin members `orgId` has, read straight from D1. */
export const adminCount = async (orgId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM members WHERE organization_id = ? AND role_key = 'admin'")
    .bind(orgId)
    .first<{ n: number }>())!.n;
