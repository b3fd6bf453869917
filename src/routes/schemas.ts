import { z } from "../lib/zod";
import { PERMISSIONS } from "../domain/permissions";
import { CLEAN_TEXT_PATTERN } from "../lib/text";
import type { IdPrefix } from "../lib/ids";
import { nullableRef } from "../lib/openapi";
import { PASSWORD_HINT, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULE } from "../lib/passwords";

/** Response and shared request schemas: one definition feeds validation and the OpenAPI document. */

export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-11-28T16:00:00.000Z" });

export const OrganizationSchema = z
  .object({
    id: z.string().openapi({ example: "org_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    name: z.string().openapi({ example: "Sunset Tours" }),
    logo: z.string().nullable().openapi({ example: "https://cdn.example.com/sunset.png" }),
    timezone: z.string().openapi({ example: "America/Los_Angeles" }),
    requireMfa: z.boolean().openapi({
      description:
        "While true, sessions of users without MFA get 403 `mfa_required` on this organization's routes (API keys are not affected).",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Organization");

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "usr_01JD3S0M8N9A1B2C3D4E5F6G7H" }),
    email: z.string().openapi({ example: "ana@sunset-tours.example" }),
    name: z.string().openapi({ example: "Ana Ruiz" }),
    emailVerified: z
      .boolean()
      .openapi({ description: "Whether the owner of `email` has proved it (verification, password-reset or invitation link)." }),
    mfaEnabled: z.boolean().openapi({ description: "Whether the user has a confirmed TOTP second factor: sign-in then asks for a code." }),
  })
  .openapi("User");

/** A user as a membership shows them (members list, member.* events): their MFA is their own account's detail. */
export const MemberUserSchema = UserSchema.omit({ mfaEnabled: true }).openapi("MemberUser");

export const RoleRefSchema = z
  .object({
    id: z.string().openapi({ example: "role_system_admin" }),
    name: z.string().openapi({ example: "Admin" }),
    source: z.enum(["system", "organization"]),
  })
  .openapi("RoleRef", { description: "A role as resolved in the organization (an org role shadows a system role of the same name)." });

export const PermissionName = z.enum(PERMISSIONS).openapi("Permission");

export const SessionTokenSchema = z
  .object({
    token: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`. Shown only here." }),
    expiresAt: Timestamp,
  })
  .openapi("SessionToken");

export const SessionViewSchema = z
  .object({
    user: UserSchema,
    organization: nullableRef(OrganizationSchema).openapi({
      description: "Null when the active organization was deleted or the membership removed: switch organizations.",
    }),
    role: nullableRef(RoleRefSchema).openapi({ description: "The role in the active organization; null with it." }),
    expiresAt: Timestamp,
    isSuperAdmin: z.boolean(),
    mfa: z.boolean().openapi({ description: "The session was created with a second factor (a TOTP or recovery code)." }),
  })
  .openapi("SessionView");

/** `email` as we accept it: trimmed, and compared case-insensitively. */
export const EmailInput = z.string().trim().max(254).pipe(z.email()).openapi({ example: "ana@sunset-tours.example" });

/**
 * Human-entered text: trimmed, NFC-normalised, and free of control, bidi and zero-width characters
 * (src/lib/text.ts says which and why). Every name and description goes through it.
 */
export const cleanText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .normalize("NFC")
    .min(min)
    .max(max)
    .regex(CLEAN_TEXT_PATTERN, { message: "Must not contain control, bidi-override or zero-width characters." })
    // The generator would write the regex with its `/u` flag appended (a pattern nothing matches).
    .openapi({ pattern: CLEAN_TEXT_PATTERN.source });

export const NameInput = cleanText(1, 100);

/**
 * A new password: 8–256 characters (PBKDF2 cost does not grow with length: it hashes a digest),
 * refused with the one PASSWORD_RULE message wherever a password is chosen.
 */
export const PasswordInput = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { error: PASSWORD_RULE })
  .max(PASSWORD_MAX_LENGTH, { error: PASSWORD_RULE })
  .openapi({ description: `A new password: ${PASSWORD_HINT}, at most ${PASSWORD_MAX_LENGTH}.`, example: "correct horse battery staple" });

/**
 * An id in a path. Only its length is checked here: a malformed id is the same 404 as an unknown one
 * (the service finds nothing), never a 400. Routes that match on the id's shape use `idPattern`.
 */
export const IdParam = (prefix: IdPrefix, name = "id") =>
  z
    .string()
    .max(64)
    .openapi({ param: { name, in: "path" }, example: `${prefix}_01JD3S0M8N9A1B2C3D4E5F6G7H` });

/** IANA time zone, checked against the runtime's own Intl data (so `Mars/Olympus` fails). */
export const TimezoneInput = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: "Unknown IANA time zone." })
  .openapi({ example: "America/Los_Angeles" });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return value === "UTC" || value.includes("/");
  } catch {
    return false;
  }
}

/** An absolute http(s) URL: no `javascript:`, `data:` or relative paths. */
export const HttpUrlInput = z
  .string()
  .trim()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.length > 0;
      } catch {
        return false;
      }
    },
    { message: "Must be an absolute http(s) URL." },
  )
  .openapi({ format: "uri", example: "https://cdn.example.com/logo.png" });

export const OrganizationPatchInput = z
  .strictObject({
    name: NameInput.optional().openapi({ description: "Display name, 1–100 characters (trimmed).", example: "Sunset Tours" }),
    logo: HttpUrlInput.nullable().optional().openapi({ description: "Absolute http(s) URL; `null` clears it." }),
    timezone: TimezoneInput.optional().openapi({ description: "IANA time zone, e.g. `America/Los_Angeles`." }),
    requireMfa: z.boolean().optional().openapi({
      description:
        "Require MFA of every member's session. Changing it takes a session of a user with MFA enabled (409 `mfa_not_enabled` otherwise; an API key cannot change it).",
    }),
  })
  .openapi("OrganizationPatch");
