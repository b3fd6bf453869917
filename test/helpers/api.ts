import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import { assertContract } from "./contract";
import type { ApiPath, BodyFor, OpenApiDocument, Problem, ResponseOf } from "./document";

/** An answer as a test sees it: `body` is the parsed JSON (or the text when it is not JSON, `null` when empty). */
export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: BodyInit;
  headers?: Record<string, string>;
  env?: Env;
  /**
   * Skips the contract check (test/helpers/contract.ts) for this call. Give the reason; keep it
   * rare: a response the document does not describe is a bug in one of them.
   */
  skipContract?: string;
}

let ipCounter = 0;
/** A fresh client IP per call keeps the per-IP rate limiters out of tests that do not test them. */
export const freshIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;

/**
 * One request through the worker's own `fetch`, waiting for its `waitUntil` work. Its body is
 * `unknown`: for paths and methods the document does not have (pages, deliberate bad requests) and
 * bodies it does not describe. Calls of the document's operations go through get/post/patch/put/del.
 */
export function call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<unknown>> {
  return send(method, path, options);
}

async function send<T>(method: string, path: string, options: CallOptions): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { "cf-connecting-ip": freshIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const request = new Request(`http://localhost${path}`, { method, headers, body });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], options.env ?? (env as Env), ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: leave the text
  }
  const received = { status: response.status, headers: response.headers, body: parsed as T, text };
  if (options.skipContract === undefined) await assertContract(method, path, received, options.env);
  else if (options.skipContract.trim().length < 10) throw new Error(`skipContract needs a reason, got "${options.skipContract}"`);
  return received;
}

/*
 * The document's operations, typed from client/schema.d.ts by the path as written:
 * `get(`/api/organizations/roles/${id}`)` answers `ApiResponse<Role>` (the 2xx body; an error's body
 * through `expectProblem`), and `post`/`patch`/`put` take the operation's request body. A path the
 * document does not have does not compile: send it with `call`.
 */
type Options = Omit<CallOptions, "body">;
declare const offDocumentBrand: unique symbol;
/** A request body the document does not take, sent on purpose: see `offDocument`. */
export type OffDocument = { readonly [offDocumentBrand]: true };
/**
 * Marks a request body that is deliberately not what the operation takes (a test of the server's
 * refusal: unknown fields, wrong types, missing members), so the typed helpers still send it.
 */
export const offDocument = (body: unknown) => body as OffDocument;
export const get = <S extends ApiPath<"get">>(path: S, options?: Options) => send<ResponseOf<S, "get">>("GET", path, { ...options });
export const post = <S extends ApiPath<"post">>(path: S, body?: BodyFor<S, "post"> | OffDocument, options?: Options) =>
  send<ResponseOf<S, "post">>("POST", path, { ...options, body });
export const patch = <S extends ApiPath<"patch">>(path: S, body?: BodyFor<S, "patch"> | OffDocument, options?: Options) =>
  send<ResponseOf<S, "patch">>("PATCH", path, { ...options, body });
export const put = <S extends ApiPath<"put">>(path: S, body?: BodyFor<S, "put"> | OffDocument, options?: Options) =>
  send<ResponseOf<S, "put">>("PUT", path, { ...options, body });
/** A DELETE that takes a body (DELETE /api/users/me, DELETE /api/auth/mfa/totp) gives it as `options.body`. */
export const del = <S extends ApiPath<"delete">>(path: S, options?: Options & { body?: BodyFor<S, "delete"> | OffDocument }) =>
  send<ResponseOf<S, "delete">>("DELETE", path, { ...options });

/** The OpenAPI document the worker serves (with `served`, the test env by default). */
export async function servedDocument(served?: Env): Promise<OpenApiDocument> {
  const res = await call("GET", "/api/openapi.json", { env: served });
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  return res.body as OpenApiDocument;
}

/** Asserts a problem+json error and returns its body. */
export function expectProblem(response: ApiResponse<unknown>, status: number, code: Problem["code"]): Problem {
  if (response.status !== status || (response.body as Partial<Problem> | null)?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${response.status} ${response.text}`);
  }
  if (!response.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${response.headers.get("content-type")}`);
  }
  return response.body as Problem;
}

/**
 * The env with every D1 and KV method call counted, to prove which requests touch neither.
 */
export function countingEnv() {
  const counts = { d1: 0, kv: 0 };
  const wrap = <T extends object>(target: T, key: "d1" | "kv"): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        // A D1 session (Sessions API) is not a query itself, nor is reading its bookmark: count what runs through it.
        if (prop === "withSession") return (...args: unknown[]) => wrap((value as (...a: unknown[]) => object).apply(obj, args), key);
        if (prop === "getBookmark") return value.bind(obj);
        return (...args: unknown[]) => {
          counts[key]++;
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  const counted = { ...(env as Env), DB: wrap(env.DB, "d1"), AUTH_CACHE: wrap(env.AUTH_CACHE, "kv") } as Env;
  return { env: counted, counts };
}

/**
 * The env with the SQL of every statement prepared through a D1 session (`ctx.d1`, where the list
 * routes send their page queries) recorded in `statements`, in order: what a test reads to see which
 * query a route chose (e.g. a search walk or the full-text index).
 */
export function recordingEnv() {
  const statements: string[] = [];
  const recording = {
    ...(env as Env),
    DB: new Proxy(env.DB, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop);
        if (prop === "withSession") {
          return (...args: [string?]) => {
            const session = obj.withSession(...args);
            return new Proxy(session, {
              get(s, p) {
                const v = Reflect.get(s, p);
                if (p === "prepare") return (query: string) => (statements.push(query), s.prepare(query));
                return typeof v === "function" ? v.bind(s) : v;
              },
            });
          };
        }
        return typeof value === "function" ? value.bind(obj) : value;
      },
    }),
  } as Env;
  return { env: recording, statements };
}

/**
 * Sends requests until the first 429 and returns how many got through before it. The limiter
 * counts in fixed windows, so a window may roll over mid-test: allow up to two windows' worth.
 */
export async function countUntilLimited(limit: number, send: () => Promise<ApiResponse<unknown>>) {
  const statuses: number[] = [];
  for (let i = 0; i < limit * 2 + 2; i++) {
    const res = await send();
    statuses.push(res.status);
    if (res.status === 429) return { allowedBefore: i, limited: res, statuses };
  }
  throw new Error(`no 429 after ${statuses.length} requests`);
}

/**
 * The env with a D1 whose `prepare` fails with `message` for every query `matches` accepts (through
 * the database itself and any session made from it); everything else runs for real.
 */
export function envWithFailingQueries(matches: (query: string) => boolean, message: string): Env {
  const failing = <T extends { prepare(query: string): D1PreparedStatement }>(target: T): T =>
    new Proxy(target, {
      get(obj, prop) {
        if (prop === "prepare") {
          return (query: string) => {
            if (matches(query)) throw new Error(message);
            return obj.prepare(query);
          };
        }
        if (prop === "withSession") return (...args: [string?]) => failing((obj as unknown as D1Database).withSession(...args));
        const value = Reflect.get(obj, prop);
        return typeof value === "function" ? value.bind(obj) : value;
      },
    });
  return { ...(env as Env), DB: failing(env.DB) } as Env;
}
