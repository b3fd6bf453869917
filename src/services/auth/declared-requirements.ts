import type { RequestContext } from "../../context";
import type { Permission } from "../../domain/permissions";
import { requireAdminRole, requirePermission, requireSuperAdmin, requireVerifiedEmailToArm } from "./guards";

/**
 * What a route declares its caller must hold (its auth mode, src/routes/auth-modes.ts): the
 * `x-permission`, `x-required-role` and `x-email-verified` of its operation.
 */
export interface DeclaredRequirements {
  permission?: Permission;
  role?: "Admin" | "super_admin";
  emailVerified?: boolean;
}

/**
 * Checks the declared requirements against the caller as it is now, with the very guards the
 * services call on their first line, so the answer is the service's own 403. For work that runs
 * before the service and must not outlive a lost permission: an idempotent replay hands back a
 * stored response (maybe a secret) without the service running at all.
 */
export async function requireDeclared(ctx: RequestContext, declared: DeclaredRequirements): Promise<void> {
  if (declared.permission !== undefined) requirePermission(ctx, declared.permission);
  if (declared.role === "Admin") requireAdminRole(ctx);
  if (declared.role === "super_admin") await requireSuperAdmin(ctx);
  // A session's address, re-read when the cache says unverified (a verification elsewhere counts at
  // once); an API key has no address of its own.
  if (declared.emailVerified) await requireVerifiedEmailToArm(ctx);
}
