import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { del, expectProblem, patch, type ApiResponse } from "../helpers/api";
import { storedEvents } from "../helpers/events";
import { addMember, createRole, seedOrganization } from "../helpers/factories";

/**
 * A manager may change only members whose permissions are within its own. That check is made on
 * the role the manager read; the write is guarded on the member still holding it, so a promotion
 * landing in between makes the manager's change read again and be refused, never applied to the
 * member's new, higher role.
 */
const ROUNDS = 12;

async function afterRoundTrips(n: number) {
  for (let i = 0; i < n; i++) await env.DB.prepare("SELECT 1").first();
}

async function raceSetup(label: string) {
  const owner = await seedOrganization(`${label} Race Tours`);
  const orgId = owner.organization.id;
  await createRole(owner.token, "Manager", ["users.read", "users.update", "users.delete"]);
  await createRole(owner.token, "Guide", ["users.read"]);
  await createRole(owner.token, "Driver", ["users.read"]);
  const manager = await addMember(orgId, "manager", `${label}-manager`);
  return { owner, orgId, manager };
}

const roleOf = async (memberId: string) =>
  (await env.DB.prepare("SELECT role_key FROM members WHERE id = ?").bind(memberId).first<{ role_key: string }>())?.role_key ?? null;

describe("a manager's change racing the member's promotion to Admin", () => {
  it(`a role change never lands on the promoted Admin (${ROUNDS} rounds)`, async () => {
    const { owner, orgId, manager } = await raceSetup("Demotion");
    const tally = { refused: 0, appliedFirst: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const target = await addMember(orgId, "guide", `demotion-target-${round}`);
      const [promoted, demoted] = await Promise.all([
        afterRoundTrips(round % 3).then(() =>
          patch(`/api/organizations/members/${target.member.id}`, { role: "Admin" }, { token: owner.token }),
        ),
        afterRoundTrips(Math.floor(round / 3) % 3).then(() =>
          patch(`/api/organizations/members/${target.member.id}`, { role: "Driver" }, { token: manager.token }),
        ),
      ]);
      expect(promoted.status, `round ${round}: the owner's promotion`).toBe(200);
      tally[outcome(demoted, 200) === "ok" ? "appliedFirst" : "refused"]++;
      // Either order ends with an Admin: the manager's change applied before the promotion, or not at all.
      expect(await roleOf(target.member.id), `round ${round}`).toBe("admin");
    }
    expect(tally.refused + tally.appliedFirst).toBe(ROUNDS);
    // Every member.updated by the manager changed a Guide, never an Admin.
    const byManager = (await storedEvents(orgId, "member.updated")).filter((e) => e.actor.id === manager.user.id);
    expect(byManager).toHaveLength(tally.appliedFirst);
    for (const event of byManager) expect(event.data.previous!.role.name).toBe("Guide");
  });

  it(`a removal never removes the promoted Admin (${ROUNDS} rounds)`, async () => {
    const { owner, orgId, manager } = await raceSetup("Removal");
    for (let round = 0; round < ROUNDS; round++) {
      const target = await addMember(orgId, "guide", `removal-target-${round}`);
      const [promoted, removed] = await Promise.all([
        afterRoundTrips(round % 3).then(() =>
          patch(`/api/organizations/members/${target.member.id}`, { role: "Admin" }, { token: owner.token }),
        ),
        afterRoundTrips(Math.floor(round / 3) % 3).then(() =>
          del(`/api/organizations/members/${target.member.id}`, { token: manager.token }),
        ),
      ]);
      const removedFirst = outcome(removed, 204) === "ok";
      // Removed while still a Guide (the promotion then finds no member), or refused once an Admin.
      if (removedFirst) {
        expectProblem(promoted, 404, "not_found");
        expect(await roleOf(target.member.id), `round ${round}`).toBeNull();
      } else {
        expect(promoted.status, `round ${round}`).toBe(200);
        expect(await roleOf(target.member.id), `round ${round}`).toBe("admin");
      }
    }
  });
});

/** 2xx, or the manager's clean refusal of an Admin (403); never a 500. */
function outcome(res: ApiResponse<unknown>, success: number): "ok" | "refused" {
  if (res.status === success) return "ok";
  if (res.status >= 500) throw new Error(`${res.status} ${res.text}`);
  expectProblem(res, 403, "forbidden");
  return "refused";
}
