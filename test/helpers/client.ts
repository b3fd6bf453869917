import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import createClient, { type Middleware } from "openapi-fetch";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { freshIp } from "./api";
import { assertContract } from "./contract";
import type { paths, Problem } from "./document";

export interface ClientOptions {
  /** Sent as `Authorization: Bearer …` on every request. */
  token?: string;
  /** The env the worker runs with (the test env by default). */
  env?: Env;
  /** Headers on every request; a request's own `headers` option adds to them. */
  headers?: Record<string, string>;
}

/**
 * The contract check (test/helpers/contract.ts) as openapi-fetch middleware: every answer must be
 * one the document `served` describes for the request's method and path.
 */
function contractCheck(served: Env): Middleware {
  return {
    async onResponse({ request, response }) {
      const text = await response.clone().text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: the check reports it where the document promises JSON
      }
      const url = new URL(request.url);
      await assertContract(
        request.method,
        url.pathname + url.search,
        { status: response.status, headers: response.headers, text, body },
        served,
      );
      return undefined;
    },
  };
}

/**
 * An openapi-fetch client typed by client/schema.d.ts whose requests run through the worker's own
 * `fetch` (waiting for its `waitUntil` work), each from a fresh client IP unless the caller sets
 * `cf-connecting-ip`. `const { data, error, response } = await api(owner.token).GET("/api/auth/sessions")`:
 * `data` is the 2xx body, `error` the Problem, both as the document declares them.
 */
export function apiClient(options: ClientOptions = {}) {
  const served = options.env ?? (env as Env);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const client = createClient<paths>({
    baseUrl: "http://localhost",
    headers,
    fetch: async (request) => {
      const forwarded = new Headers(request.headers);
      if (!forwarded.has("cf-connecting-ip")) forwarded.set("cf-connecting-ip", freshIp());
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(request, { headers: forwarded }) as Parameters<typeof worker.fetch>[0], served, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
  client.use(contractCheck(served));
  return client;
}

/** `apiClient({ token })`, for the common case. */
export const api = (token?: string, options: Omit<ClientOptions, "token"> = {}) => apiClient({ ...options, token });

/** What every openapi-fetch call answers. */
interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** Asserts the answer's status and returns its body (`data`, typed by the document). */
export function expectData<R extends FetchResult>(result: R, status: number): NonNullable<R["data"]> {
  if (result.response.status !== status || result.data === undefined || result.data === null) {
    throw new Error(`expected ${status} with a body, got ${result.response.status} ${JSON.stringify(result.error ?? result.data)}`);
  }
  return result.data as NonNullable<R["data"]>;
}

/** Asserts a problem+json error (`error`, the document's Problem) and returns it. */
export function expectError(result: FetchResult, status: number, code: Problem["code"]): Problem {
  const error = result.error as Problem | undefined;
  if (result.response.status !== status || error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${result.response.status} ${JSON.stringify(result.error ?? result.data)}`);
  }
  const contentType = result.response.headers.get("content-type");
  if (!contentType?.startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${contentType}`);
  return error;
}
