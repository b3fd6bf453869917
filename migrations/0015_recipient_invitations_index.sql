-- A signed-in user's pending invitations (GET /api/invitations, services/invitations/recipient.ts)
-- in keyset order: equality on (email, status), then id. Without it the planner walked every
-- organization's pending, unexpired invitations (invitations_status_expires_at_idx) and sorted the
-- matches. It also serves every lookup by email alone, so it replaces invitations_email_idx.
CREATE INDEX IF NOT EXISTS `invitations_email_status_id_idx` ON `invitations` (`email`, `status`, `id`);
DROP INDEX IF EXISTS `invitations_email_idx`;
