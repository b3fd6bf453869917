CREATE TABLE `role_member_counts` (
	`organization_id` text NOT NULL,
	`role_key` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`organization_id`, `role_key`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `members_organization_id_role_key_idx`;--> statement-breakpoint
CREATE INDEX `members_organization_id_role_key_id_idx` ON `members` (`organization_id`,`role_key`,`id`);--> statement-breakpoint
DROP INDEX `sessions_user_id_idx`;--> statement-breakpoint
CREATE INDEX `sessions_user_id_id_idx` ON `sessions` (`user_id`,`id`);--> statement-breakpoint
ALTER TABLE `organizations` ADD `member_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `api_key_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `pending_invitation_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `invitations_organization_id_status_id_idx` ON `invitations` (`organization_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `invitations_email_id_idx` ON `invitations` (`email_id`);--> statement-breakpoint
CREATE INDEX `invitations_status_expires_at_idx` ON `invitations` (`status`,`expires_at`);--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------
-- Written by hand (drizzle-kit cannot express triggers or FTS5). See README "Performance at scale".
--
-- Search: FTS5 with the trigram tokenizer = case-insensitive substring match of 3+ characters,
-- served by the full-text index (no scan). Each search table's rowid is its base table's rowid, so
-- a search page streams in rowid (insertion) order with `rowid > :after ORDER BY rowid LIMIT n`.
-- Members and invitations carry their organization id as a column: the query matches it as a
-- phrase too, so a small organization's search never walks a big one's matches. Kept in sync by
-- the triggers below, inside the statement that writes the base row.
CREATE VIRTUAL TABLE `members_search` USING fts5(`org_id`, `name`, `email`, tokenize = 'trigram');--> statement-breakpoint
CREATE VIRTUAL TABLE `invitations_search` USING fts5(`org_id`, `email`, tokenize = 'trigram');--> statement-breakpoint
CREATE VIRTUAL TABLE `organizations_search` USING fts5(`name`, tokenize = 'trigram');--> statement-breakpoint
INSERT INTO `members_search` (`rowid`, `org_id`, `name`, `email`)
  SELECT m.`rowid`, m.`organization_id`, u.`name`, u.`email` FROM `members` m JOIN `users` u ON u.`id` = m.`user_id`;--> statement-breakpoint
INSERT INTO `invitations_search` (`rowid`, `org_id`, `email`) SELECT `rowid`, `organization_id`, `email` FROM `invitations`;--> statement-breakpoint
INSERT INTO `organizations_search` (`rowid`, `name`) SELECT `rowid`, `name` FROM `organizations`;--> statement-breakpoint
CREATE TRIGGER `members_search_insert` AFTER INSERT ON `members` BEGIN
  INSERT INTO `members_search` (`rowid`, `org_id`, `name`, `email`) SELECT NEW.`rowid`, NEW.`organization_id`, u.`name`, u.`email` FROM `users` u WHERE u.`id` = NEW.`user_id`;
END;--> statement-breakpoint
CREATE TRIGGER `members_search_delete` AFTER DELETE ON `members` BEGIN
  DELETE FROM `members_search` WHERE `rowid` = OLD.`rowid`;
END;--> statement-breakpoint
CREATE TRIGGER `users_members_search_update` AFTER UPDATE OF `name`, `email` ON `users` BEGIN
  UPDATE `members_search` SET `name` = NEW.`name`, `email` = NEW.`email` WHERE `rowid` IN (SELECT `rowid` FROM `members` WHERE `user_id` = NEW.`id`);
END;--> statement-breakpoint
CREATE TRIGGER `invitations_search_insert` AFTER INSERT ON `invitations` BEGIN
  INSERT INTO `invitations_search` (`rowid`, `org_id`, `email`) VALUES (NEW.`rowid`, NEW.`organization_id`, NEW.`email`);
END;--> statement-breakpoint
CREATE TRIGGER `invitations_search_delete` AFTER DELETE ON `invitations` BEGIN
  DELETE FROM `invitations_search` WHERE `rowid` = OLD.`rowid`;
END;--> statement-breakpoint
CREATE TRIGGER `organizations_search_insert` AFTER INSERT ON `organizations` BEGIN
  INSERT INTO `organizations_search` (`rowid`, `name`) VALUES (NEW.`rowid`, NEW.`name`);
END;--> statement-breakpoint
CREATE TRIGGER `organizations_search_update` AFTER UPDATE OF `name` ON `organizations` BEGIN
  UPDATE `organizations_search` SET `name` = NEW.`name` WHERE `rowid` = NEW.`rowid`;
END;--> statement-breakpoint
CREATE TRIGGER `organizations_search_delete` AFTER DELETE ON `organizations` BEGIN
  DELETE FROM `organizations_search` WHERE `rowid` = OLD.`rowid`;
END;--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------
-- Denormalised counts: organizations.member_count / api_key_count / pending_invitation_count and
-- role_member_counts(organization_id, role_key, n). Backfilled here, then kept by triggers inside
-- the statement that writes members, api_keys or invitations (the same atomicity as its batch).
-- pending_invitation_count counts status = 'pending' rows: one past its expiry counts until
-- sweepExpiredInvitations (the scheduled handler) stores it as 'expired'.
UPDATE `organizations` SET
  `member_count` = (SELECT count(*) FROM `members` WHERE `members`.`organization_id` = `organizations`.`id`),
  `api_key_count` = (SELECT count(*) FROM `api_keys` WHERE `api_keys`.`organization_id` = `organizations`.`id`),
  `pending_invitation_count` = (SELECT count(*) FROM `invitations` WHERE `invitations`.`organization_id` = `organizations`.`id` AND `invitations`.`status` = 'pending');--> statement-breakpoint
INSERT INTO `role_member_counts` (`organization_id`, `role_key`, `n`) SELECT `organization_id`, `role_key`, count(*) FROM `members` GROUP BY `organization_id`, `role_key`;--> statement-breakpoint
CREATE TRIGGER `members_count_insert` AFTER INSERT ON `members` BEGIN
  UPDATE `organizations` SET `member_count` = `member_count` + 1 WHERE `id` = NEW.`organization_id`;
  INSERT INTO `role_member_counts` (`organization_id`, `role_key`, `n`) VALUES (NEW.`organization_id`, NEW.`role_key`, 1)
    ON CONFLICT (`organization_id`, `role_key`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `members_count_delete` AFTER DELETE ON `members` BEGIN
  UPDATE `organizations` SET `member_count` = `member_count` - 1 WHERE `id` = OLD.`organization_id`;
  UPDATE `role_member_counts` SET `n` = `n` - 1 WHERE `organization_id` = OLD.`organization_id` AND `role_key` = OLD.`role_key`;
END;--> statement-breakpoint
CREATE TRIGGER `members_count_role_update` AFTER UPDATE OF `role_key` ON `members` WHEN OLD.`role_key` IS NOT NEW.`role_key` BEGIN
  UPDATE `role_member_counts` SET `n` = `n` - 1 WHERE `organization_id` = OLD.`organization_id` AND `role_key` = OLD.`role_key`;
  INSERT INTO `role_member_counts` (`organization_id`, `role_key`, `n`) VALUES (NEW.`organization_id`, NEW.`role_key`, 1)
    ON CONFLICT (`organization_id`, `role_key`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `api_keys_count_insert` AFTER INSERT ON `api_keys` BEGIN
  UPDATE `organizations` SET `api_key_count` = `api_key_count` + 1 WHERE `id` = NEW.`organization_id`;
END;--> statement-breakpoint
CREATE TRIGGER `api_keys_count_delete` AFTER DELETE ON `api_keys` BEGIN
  UPDATE `organizations` SET `api_key_count` = `api_key_count` - 1 WHERE `id` = OLD.`organization_id`;
END;--> statement-breakpoint
CREATE TRIGGER `invitations_count_insert` AFTER INSERT ON `invitations` WHEN NEW.`status` = 'pending' BEGIN
  UPDATE `organizations` SET `pending_invitation_count` = `pending_invitation_count` + 1 WHERE `id` = NEW.`organization_id`;
END;--> statement-breakpoint
CREATE TRIGGER `invitations_count_delete` AFTER DELETE ON `invitations` WHEN OLD.`status` = 'pending' BEGIN
  UPDATE `organizations` SET `pending_invitation_count` = `pending_invitation_count` - 1 WHERE `id` = OLD.`organization_id`;
END;--> statement-breakpoint
CREATE TRIGGER `invitations_count_status_update` AFTER UPDATE OF `status` ON `invitations`
WHEN (OLD.`status` = 'pending') <> (NEW.`status` = 'pending') BEGIN
  UPDATE `organizations` SET `pending_invitation_count` = `pending_invitation_count` + (NEW.`status` = 'pending') - (OLD.`status` = 'pending')
  WHERE `id` = NEW.`organization_id`;
END;
