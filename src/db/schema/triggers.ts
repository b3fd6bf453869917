/**
 * The triggers the code relies on, by name: created by migrations/0008_triggers.sql (see its header
 * before a migration rebuilds one of these tables) and, for the total invitation count, 0013. drizzle-kit knows
 * nothing of triggers, so test/app/triggers.test.ts compares this list with the migrated database.
 */
export const TRIGGERS = {
  /** A role given to a member, an API key or an invitation exists ('role_not_found' otherwise). */
  roleExists: [
    "members_role_exists_insert",
    "members_role_exists_update",
    "api_keys_role_exists_insert",
    "api_keys_role_exists_update",
    "invitations_role_exists_insert",
    "invitations_role_exists_update",
  ],
  /** The FTS5 tables behind `q` on the members, invitations and organizations lists. */
  search: [
    "members_search_insert",
    "members_search_delete",
    "users_members_search_update",
    "invitations_search_insert",
    "invitations_search_delete",
    "organizations_search_insert",
    "organizations_search_update",
    "organizations_search_delete",
  ],
  /** The stored counters: organizations' member, API key, pending and total invitation counts; role_member_counts. */
  counters: [
    "members_count_insert",
    "members_count_delete",
    "members_count_role_update",
    "api_keys_count_insert",
    "api_keys_count_delete",
    "invitations_count_insert",
    "invitations_count_delete",
    "invitations_count_status_update",
    "invitations_total_count_insert",
    "invitations_total_count_delete",
  ],
} as const;

export const TRIGGER_NAMES: readonly string[] = Object.values(TRIGGERS).flat();
