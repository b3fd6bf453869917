import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings, RequestContext } from "../env";
import { ApiError } from "../lib/errors";

/** Every router: validation failures become the same problem+json as every other error. */
export function createRouter() {
  return new OpenAPIHono<AppBindings>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((issue) => ({
          path: issue.path.map(String).join(".") || "(body)",
          message: issue.code === "unrecognized_keys" ? `Unknown field(s): ${issue.keys.join(", ")}.` : issue.message,
        }));
        throw new ApiError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join(" "), { errors });
      }
    },
  });
}

export type AppRouter = ReturnType<typeof createRouter>;

/** The service context of a request. */
export const ctxOf = (c: { get: (key: "ctx") => RequestContext }) => c.get("ctx");

export const clientIp = (c: { req: { header: (name: string) => string | undefined } }) => c.req.header("cf-connecting-ip") ?? "unknown";

/** The caller as the platform reports it: IP (rate limits) and User-Agent (the session list). */
export const clientOf = (c: { req: { header: (name: string) => string | undefined } }) => ({ ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null });
