/**
 * The event catalog (docs/events-and-webhooks.md): every type an organization's change produces. Webhook endpoints
 * subscribe to these names, or to a prefix such as `member.*`.
 */
export const EVENT_TYPES = [
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "member.added",
  "member.updated",
  "member.removed",
  "role.created",
  "role.updated",
  "role.deleted",
  "invitation.created",
  "invitation.resent",
  "invitation.revoked",
  "invitation.accepted",
  "invitation.declined",
  "api_key.created",
  "api_key.revoked",
  "api_key.updated",
  "api_key.rolled",
  "webhook_endpoint.created",
  "webhook_endpoint.updated",
  "webhook_endpoint.deleted",
  "webhook_endpoint.disabled",
  "webhook.test",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The read permission each type's payload needs (docs/events-and-webhooks.md, "Who may subscribe to what"): a webhook
 * endpoint is a read channel, so subscribing it to a type takes the permission that reading what
 * the type carries takes through the API. Keyed by every type, so a new type must say what it needs.
 * `organization.*` carries the organization itself, which every member may read: nothing more.
 */
export const EVENT_READ_PERMISSIONS = {
  "organization.created": [],
  "organization.updated": [],
  "organization.deleted": [],
  "member.added": ["users.read"],
  "member.updated": ["users.read"],
  "member.removed": ["users.read"],
  "role.created": ["roles.read"],
  "role.updated": ["roles.read"],
  "role.deleted": ["roles.read"],
  // Invitations carry the invitee's email address: what users.read guards.
  "invitation.created": ["users.read"],
  "invitation.resent": ["users.read"],
  "invitation.revoked": ["users.read"],
  "invitation.accepted": ["users.read"],
  "invitation.declined": ["users.read"],
  "api_key.created": ["api_keys.read"],
  "api_key.revoked": ["api_keys.read"],
  "api_key.updated": ["api_keys.read"],
  "api_key.rolled": ["api_keys.read"],
  "webhook_endpoint.created": ["webhooks.read"],
  "webhook_endpoint.updated": ["webhooks.read"],
  "webhook_endpoint.deleted": ["webhooks.read"],
  "webhook_endpoint.disabled": ["webhooks.read"],
  "webhook.test": ["webhooks.read"],
} as const satisfies Record<EventType, readonly EventReadPermission[]>;

/** The permissions EVENT_READ_PERMISSIONS names, in the permission catalog's order (each one is in it: a test checks it). */
const EVENT_READ_PERMISSION_ORDER = ["users.read", "roles.read", "api_keys.read", "webhooks.read"] as const;
export type EventReadPermission = (typeof EVENT_READ_PERMISSION_ORDER)[number];

/**
 * What subscribing to `patterns` takes: the union over every type they select. `*`, and an empty
 * list, select every type.
 */
export function readPermissionsFor(patterns: readonly string[]): EventReadPermission[] {
  const selectsAll = patterns.length === 0 || patterns.includes("*");
  const needed = new Set<EventReadPermission>();
  for (const type of EVENT_TYPES) {
    if (selectsAll || patterns.some((pattern) => matchesEventType(pattern, type))) {
      for (const permission of EVENT_READ_PERMISSIONS[type]) needed.add(permission);
    }
  }
  return EVENT_READ_PERMISSION_ORDER.filter((permission) => needed.has(permission));
}

/** The pattern that selects every type, present and future (a webhook endpoint's default). */
export const ALL_EVENT_TYPES = "*";

/** `member.*` style prefixes: the part before the first dot of some type. */
export const EVENT_TYPE_PREFIXES = [...new Set(EVENT_TYPES.map((t) => `${t.split(".")[0]}.*`))] as readonly string[];

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
export const isEventType = (value: string): value is EventType => TYPE_SET.has(value);
export const isEventTypePattern = (value: string) => isEventType(value) || EVENT_TYPE_PREFIXES.includes(value);

/** Whether `type` is selected by `pattern` (an exact type or a `prefix.*`). */
export function matchesEventType(pattern: string, type: string): boolean {
  return pattern.endsWith(".*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

export const ACTOR_TYPES = ["user", "api_key", "super_admin", "system"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** Who made a change: a user (session), an API key, a Super Admin acting on any organization, or the platform. */
export interface Actor {
  type: ActorType;
  id: string | null;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, name: "system" };
