CREATE TABLE `email_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`token_hash` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text NOT NULL,
	`email_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`claim` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_tokens_token_hash_idx` ON `email_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `email_tokens_user_id_kind_idx` ON `email_tokens` (`user_id`,`kind`);--> statement-breakpoint
CREATE INDEX `email_tokens_email_id_idx` ON `email_tokens` (`email_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` integer;--> statement-breakpoint
-- Existing roles: the lower-cased name stands in for the skeleton (name keys are already unique per org).
ALTER TABLE `roles` ADD `name_skeleton` text NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `roles` SET `name_skeleton` = `name_key`;--> statement-breakpoint
CREATE UNIQUE INDEX `roles_organization_id_name_skeleton_idx` ON `roles` (`organization_id`,`name_skeleton`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `user_agent` text;--> statement-breakpoint
-- A role is held by name (role_key). Every statement that gives a member, an API key or an
-- invitation a role writes only while that role exists: a system role ('admin', 'member' — keep in
-- step with SYSTEM_ROLES in src/services/permissions/catalog.ts) or one of the organization's own.
-- Inside the writing statement, so "delete role R" racing "assign R" can never leave an orphan.
CREATE TRIGGER `members_role_exists_insert` BEFORE INSERT ON `members`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;--> statement-breakpoint
CREATE TRIGGER `members_role_exists_update` BEFORE UPDATE OF `role_key` ON `members`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;--> statement-breakpoint
CREATE TRIGGER `api_keys_role_exists_insert` BEFORE INSERT ON `api_keys`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;--> statement-breakpoint
CREATE TRIGGER `api_keys_role_exists_update` BEFORE UPDATE OF `role_key` ON `api_keys`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;--> statement-breakpoint
CREATE TRIGGER `invitations_role_exists_insert` BEFORE INSERT ON `invitations`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;--> statement-breakpoint
CREATE TRIGGER `invitations_role_exists_update` BEFORE UPDATE OF `role_key` ON `invitations`
WHEN NEW.`role_key` NOT IN ('admin', 'member') AND NOT EXISTS (SELECT 1 FROM `roles` WHERE `organization_id` = NEW.`organization_id` AND `name_key` = NEW.`role_key`)
BEGIN SELECT RAISE(ABORT, 'role_not_found'); END;
