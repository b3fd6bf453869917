-- A small organization's invitation search walks its own invitations, in rowid order (the order the
-- search cursor follows), instead of the full-text index whose postings span every organization
-- (src/services/invitations/list.ts), as its member search does (0012). It chooses by a stored
-- total of the organization's invitations, whatever their status: organizations.invitation_count.

-- An index's entries end with the rowid, so this one lists an organization's invitations in rowid
-- order (none of the other invitations indexes on organization_id does: each sorts by a column first).
CREATE INDEX IF NOT EXISTS `invitations_organization_id_rowid_idx` ON `invitations` (`organization_id`);--> statement-breakpoint

ALTER TABLE `organizations` ADD `invitation_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `organizations` SET `invitation_count` = (SELECT count(*) FROM `invitations` WHERE `invitations`.`organization_id` = `organizations`.`id`);--> statement-breakpoint

-- Kept inside the statement that inserts or deletes an invitation, like the counters of
-- 0008_triggers.sql (its rules apply: a migration that rebuilds `invitations` recreates these too,
-- and their names are in TRIGGERS, src/db/schema/triggers.ts). A status change leaves the total alone.
DROP TRIGGER IF EXISTS `invitations_total_count_insert`;--> statement-breakpoint
CREATE TRIGGER `invitations_total_count_insert` AFTER INSERT ON `invitations` BEGIN
  UPDATE `organizations` SET `invitation_count` = `invitation_count` + 1 WHERE `id` = NEW.`organization_id`;
END;--> statement-breakpoint
DROP TRIGGER IF EXISTS `invitations_total_count_delete`;--> statement-breakpoint
CREATE TRIGGER `invitations_total_count_delete` AFTER DELETE ON `invitations` BEGIN
  UPDATE `organizations` SET `invitation_count` = `invitation_count` - 1 WHERE `id` = OLD.`organization_id`;
END;
