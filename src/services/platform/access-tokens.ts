import type { RequestContext } from "../../context";
import type { Env } from "../../env";
import { callerOf, orgScopeOf } from "../auth/guards";
import { assertCallerStands, callerStanding } from "../auth/standing";
import { permissionCatalog } from "../../domain/permissions";

/**
 * Short-lived signed access tokens for services that cannot bind the Authorizer entrypoint
 * (API.md §10, docs/platform-authorization.md): a JWT, ES256 (ECDSA P-256, SHA-256) signed with
 * WebCrypto, `kid` in its header; the public keys at GET /.well-known/jwks.json. This API does not
 * accept the tokens itself.
 */

/** Seconds a token lives: also the bound on how long a revoked key or a changed role still reads as before. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 300;

/** The fixed development keys' ids (scripts/lib/dev-vars.mjs): refused anywhere but development. */
const DEVELOPMENT_KID = /^development-/;

/** A signing configuration this Worker cannot sign with: the token route answers a logged 500. */
export class SigningKeysError extends Error {
  override name = "SigningKeysError";
}

export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

interface SigningKeys {
  current: { kid: string; key: CryptoKey };
  /** What the JWKS publishes: the current key, then the previous one (still verifying tokens it signed). */
  published: PublicJwk[];
}

type PrivateJwk = { kid?: unknown; kty?: unknown; crv?: unknown; x?: unknown; y?: unknown; d?: unknown };

async function loadKeys(raw: string | undefined, development: boolean): Promise<SigningKeys> {
  if (raw === undefined || raw.trim() === "") {
    throw new SigningKeysError(
      "JWT_SIGNING_KEYS is not set: set it with `wrangler secret put JWT_SIGNING_KEYS` (docs/platform-authorization.md).",
    );
  }
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new SigningKeysError("JWT_SIGNING_KEYS is not JSON: it is an array of EC P-256 private JWKs, current first.");
  }
  if (!Array.isArray(list) || list.length < 1 || list.length > 2) {
    throw new SigningKeysError("JWT_SIGNING_KEYS must be an array of one or two EC P-256 private JWKs (current, then previous).");
  }
  const jwks = list as PrivateJwk[];
  const kids = new Set<string>();
  for (const [i, jwk] of jwks.entries()) {
    const ok =
      jwk &&
      jwk.kty === "EC" &&
      jwk.crv === "P-256" &&
      typeof jwk.kid === "string" &&
      /^[A-Za-z0-9._-]{1,64}$/.test(jwk.kid) &&
      [jwk.x, jwk.y, jwk.d].every((v) => typeof v === "string");
    if (!ok) throw new SigningKeysError(`JWT_SIGNING_KEYS[${i}] is not an EC P-256 private JWK with a kid (1–64 of A–Z a–z 0–9 . _ -).`);
    if (kids.has(jwk.kid as string)) throw new SigningKeysError(`JWT_SIGNING_KEYS: the kid "${jwk.kid}" is used twice.`);
    kids.add(jwk.kid as string);
    if (!development && DEVELOPMENT_KID.test(jwk.kid as string)) {
      throw new SigningKeysError(
        `JWT_SIGNING_KEYS holds the public development key "${jwk.kid}" outside development: generate your own (docs/platform-authorization.md).`,
      );
    }
  }
  const [first] = jwks as Required<PrivateJwk>[] as { kid: string; x: string; y: string; d: string }[];
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", x: first!.x, y: first!.y, d: first!.d },
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    // Every published key must be a usable public key.
    for (const jwk of jwks as { x: string; y: string }[]) {
      await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, true, [
        "verify",
      ]);
    }
  } catch (error) {
    throw new SigningKeysError(`JWT_SIGNING_KEYS holds a key WebCrypto refuses: ${String(error)}`);
  }
  return {
    current: { kid: first!.kid, key },
    published: (jwks as { kid: string; x: string; y: string }[]).map((jwk) => ({
      kty: "EC",
      crv: "P-256",
      x: jwk.x,
      y: jwk.y,
      kid: jwk.kid,
      alg: "ES256",
      use: "sig",
    })),
  };
}

/** Parsed and imported once per isolate and configuration; a broken one fails every use (not the isolate's startup). */
const loaded = new Map<string, Promise<SigningKeys>>();
function signingKeys(env: Pick<Env, "JWT_SIGNING_KEYS" | "ENVIRONMENT">): Promise<SigningKeys> {
  const development = env.ENVIRONMENT === "development";
  const cacheKey = `${development}:${env.JWT_SIGNING_KEYS ?? ""}`;
  let keys = loaded.get(cacheKey);
  if (!keys) loaded.set(cacheKey, (keys = loadKeys(env.JWT_SIGNING_KEYS, development)));
  return keys;
}

const utf8 = new TextEncoder();
function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
const encodePart = (value: object) => base64Url(utf8.encode(JSON.stringify(value)));

/**
 * `POST /api/auth/token`: a token for the caller (API key or session) acting in its organization,
 * carrying its role and permissions as they are now. `sub` is the user (`usr_…`) for a session, the
 * key (`key_…`) for an API key.
 *
 * What a token carries is read fresh: before signing, the caller's credential and standing are
 * checked against D1 (the caller's standing, services/auth/standing.ts), not only the auth cache.
 * A key revoked or a member removed elsewhere a moment ago gets no token (401; 403 when its role
 * changed, and the cached entries are dropped), so a token outlives a revocation by at most its
 * lifetime (300 s), never by the cache's staleness bound on top.
 */
export async function issueAccessToken({ ctx }: { ctx: RequestContext }) {
  const principal = callerOf(ctx);
  const scope = orgScopeOf(ctx);
  const catalog = permissionCatalog(ctx.env);
  const keys = await signingKeys(ctx.env);
  await assertCallerStands(ctx, scope, callerStanding(ctx, scope));
  const iat = Math.floor(Date.now() / 1000);
  const header = { alg: "ES256", typ: "JWT", kid: keys.current.kid };
  const claims = {
    iss: ctx.env.APP_URL.replace(/\/+$/, ""),
    sub: principal.kind === "session" ? principal.user.id : principal.keyId,
    org_id: scope.organization.id,
    role: scope.role.name,
    permissions: catalog.all.filter((p) => scope.role.permissions.has(p)),
    iat,
    exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
    jti: crypto.randomUUID(),
  };
  const signingInput = `${encodePart(header)}.${encodePart(claims)}`;
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.current.key, utf8.encode(signingInput)),
  );
  return { accessToken: `${signingInput}.${base64Url(signature)}`, tokenType: "Bearer" as const, expiresIn: ACCESS_TOKEN_LIFETIME_SECONDS };
}

/** `GET /.well-known/jwks.json`: the current and the previous public key. */
export async function publicKeys({ ctx }: { ctx: RequestContext }): Promise<{ keys: PublicJwk[] }> {
  return { keys: (await signingKeys(ctx.env)).published };
}
