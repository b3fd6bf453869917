import { describe, expect, it } from "vitest";
import { del, patch, post } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";
import { invite, linkToken } from "../helpers/invitations";
import { superAdmin } from "../helpers/super-admin";
import { onlyEvent, storedEvents } from "../helpers/events";

/**
 * Every change records its event in the change's own batch: the type its operation names, the
 * actor and request id from the context, the resource exactly as the API returned it, and the
 * changed fields' old values.
 */
describe("events recorded by each change", () => {
  it("sign-up records member.added for the first Admin, by that user", async () => {
    const owner = await signUp({ name: "Ana First" });
    const event = await onlyEvent(owner.organization.id, "member.added");
    expect(event.actor).toEqual({ type: "user", id: owner.user.id, name: "Ana First" });
    expect(event.data.object).toMatchObject({
      user: { id: owner.user.id, email: owner.user.email },
      role: { name: "Admin", source: "system" },
    });
    expect(await storedEvents(owner.organization.id)).toHaveLength(1);
  });

  it("PATCH /me records organization.updated with the old values of what changed, and the server's request id", async () => {
    const owner = await signUp({ organizationName: "Before Tours" });
    const res = await patch(
      "/api/organizations/me",
      { name: "After Tours", timezone: "UTC" },
      { token: owner.token, headers: { "x-request-id": "req-org-update-1" } },
    );
    expect(res.status).toBe(200);
    const event = await onlyEvent(owner.organization.id, "organization.updated");
    expect(event.data.object).toEqual(res.body);
    expect(event.data.previous).toEqual({ name: "Before Tours" });
    expect(event.requestId).toBe(res.headers.get("x-request-id"));
    expect(event.requestId).toMatch(/^req_[0-9A-Z]{26}$/);
    expect(event.actor).toEqual({ type: "user", id: owner.user.id, name: owner.user.name });
  });

  it("a Super Admin's PATCH and DELETE record organization.updated and organization.deleted as super_admin; the trail outlives the org", async () => {
    const staff = await superAdmin();
    const target = await signUp({ organizationName: "Doomed Tours" });
    expect((await patch(`/api/organizations/${target.organization.id}`, { name: "Renamed" }, { token: staff.token })).status).toBe(200);
    const updated = await onlyEvent(target.organization.id, "organization.updated");
    expect(updated.actor).toEqual({ type: "super_admin", id: staff.user.id, name: staff.user.name });
    expect(updated.data.previous).toEqual({ name: "Doomed Tours" });

    expect((await del(`/api/organizations/${target.organization.id}`, { token: staff.token })).status).toBe(204);
    const deleted = await onlyEvent(target.organization.id, "organization.deleted");
    expect(deleted.actor.type).toBe("super_admin");
    expect(deleted.data.object).toMatchObject({ id: target.organization.id, name: "Renamed" });
    // Nothing of the organization is left but its events.
    expect((await del(`/api/organizations/${target.organization.id}`, { token: staff.token })).status).toBe(404);
    expect(await storedEvents(target.organization.id, "organization.deleted")).toHaveLength(1);
  });

  it("member role change and removal record member.updated (with the old role) and member.removed", async () => {
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    const changed = await patch(`/api/organizations/members/${member.member.id}`, { role: "Admin" }, { token: owner.token });
    expect(changed.status).toBe(200);
    const updated = await onlyEvent(owner.organization.id, "member.updated");
    expect(updated.data.object).toEqual(changed.body);
    expect(updated.data.previous).toEqual({ role: { id: "role_system_member", name: "Member", source: "system" } });

    expect((await del(`/api/organizations/members/${member.member.id}`, { token: owner.token })).status).toBe(204);
    const removed = await onlyEvent(owner.organization.id, "member.removed");
    expect(removed.data.object).toEqual(changed.body);
  });

  it("a refused change records nothing: the last Admin's demotion (409) leaves no member.updated", async () => {
    const owner = await signUp();
    const me = (await post("/api/organizations/roles", { name: "Temp", permissions: [] }, { token: owner.token })).body;
    expect(me.id).toMatch(/^role_/);
    const members = await storedEvents(owner.organization.id, "member.added");
    const res = await patch(`/api/organizations/members/${members[0]!.data.object.id}`, { role: "Temp" }, { token: owner.token });
    expect(res.status).toBe(409);
    expect(await storedEvents(owner.organization.id, "member.updated")).toEqual([]);
  });

  it("roles record role.created, role.updated (old values) and role.deleted", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Guide", ["users.read"], "Leads tours.");
    expect((await onlyEvent(owner.organization.id, "role.created")).data.object).toEqual(role);
    const res = await patch(
      `/api/organizations/roles/${role.id}`,
      { name: "Senior Guide", permissions: ["users.read", "roles.read"] },
      { token: owner.token },
    );
    const updated = await onlyEvent(owner.organization.id, "role.updated");
    expect(updated.data.object).toEqual(res.body);
    expect(updated.data.previous).toEqual({ name: "Guide", permissions: ["users.read"] });
    expect((await del(`/api/organizations/roles/${role.id}`, { token: owner.token })).status).toBe(204);
    expect((await onlyEvent(owner.organization.id, "role.deleted")).data.object).toMatchObject({ id: role.id, name: "Senior Guide" });
  });

  it("a role still in use (409) records no role.deleted", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Held", []);
    await addMember(owner.organization.id, "held");
    expect((await del(`/api/organizations/roles/${role.id}`, { token: owner.token })).status).toBe(409);
    expect(await storedEvents(owner.organization.id, "role.deleted")).toEqual([]);
  });

  it("API keys record api_key.created and api_key.revoked, by an API key actor too, without any part of the secret", async () => {
    const owner = await signUp();
    const adminKey = await createKey(owner.token, "Admin");
    const res = await post("/api/organizations/api-keys", { name: "Booking site", role: "Member" }, { token: adminKey.key });
    expect(res.status).toBe(201);
    const created = (await storedEvents(owner.organization.id, "api_key.created")).find((e) => e.data.object.id === res.body.id)!;
    expect(created.actor).toEqual({ type: "api_key", id: adminKey.id, name: "Admin key" });
    const { key: _secret, start: _start, ...shown } = res.body;
    expect(created.data.object).toEqual(shown);
    expect(created.raw).not.toContain(res.body.key);
    expect((await del(`/api/organizations/api-keys/${res.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await onlyEvent(owner.organization.id, "api_key.revoked")).data.object).toEqual(shown);
  });

  it("invitations record created, resent, revoked, declined and accepted (with member.added), each once", async () => {
    const owner = await signUp();
    const first = await invite(owner.token);
    expect((await onlyEvent(owner.organization.id, "invitation.created")).data.object).toEqual(first);
    const resent = await post(`/api/organizations/invitations/${first.id}`, undefined, { token: owner.token });
    const resentEvent = await onlyEvent(owner.organization.id, "invitation.resent");
    expect(resentEvent.data.object).toEqual(resent.body);
    expect(resentEvent.data.previous).toEqual({ expiresAt: first.expiresAt });
    expect((await del(`/api/organizations/invitations/${first.id}`, { token: owner.token })).status).toBe(204);
    expect((await onlyEvent(owner.organization.id, "invitation.revoked")).data).toEqual({
      object: { ...resent.body, status: "revoked" },
      previous: { status: "pending" },
    });

    const declined = await invite(owner.token);
    expect((await post(`/api/invitations/${await linkToken(declined.id)}/decline`)).status).toBe(204);
    const declinedEvent = await onlyEvent(owner.organization.id, "invitation.declined");
    expect(declinedEvent.actor).toEqual({ type: "system", id: null, name: "invitation recipient" });
    expect(declinedEvent.data.object).toMatchObject({ id: declined.id, status: "revoked" });

    const accepted = await invite(owner.token);
    const token = await linkToken(accepted.id);
    const res = await post(`/api/invitations/${token}/accept`, { name: "New Person", password: "a-strong-password" });
    expect(res.status).toBe(200);
    const acceptedEvent = await onlyEvent(owner.organization.id, "invitation.accepted");
    expect(acceptedEvent.actor).toEqual({ type: "user", id: res.body.user?.id, name: "New Person" });
    expect(acceptedEvent.data.object).toMatchObject({ id: accepted.id, status: "accepted" });
    const added = (await storedEvents(owner.organization.id, "member.added")).filter((e) => e.data.object.id === res.body.member.id);
    expect(added.map((e) => e.data.object)).toEqual([res.body.member]);
    // A second accept with the same link changes nothing and records nothing.
    expect((await post(`/api/invitations/${token}/accept`, { name: "Again", password: "a-strong-password" })).status).toBe(404);
    expect(await storedEvents(owner.organization.id, "invitation.accepted")).toHaveLength(1);
  });
});
