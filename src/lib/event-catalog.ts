/**
 * The event catalog (API.md §6): every type an organization's change produces. Webhook endpoints
 * subscribe to these names, or to a prefix such as `member.*`.
 */
export const EVENT_TYPES = [
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
  "webhook_endpoint.created",
  "webhook_endpoint.updated",
  "webhook_endpoint.deleted",
  "webhook_endpoint.disabled",
  "webhook.test",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

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
