CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`email` text NOT NULL,
	`role_key` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`token_hash` text NOT NULL,
	`inviter_type` text NOT NULL,
	`inviter_id` text NOT NULL,
	`inviter_name` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`accepted_at` integer,
	`accepted_member_id` text,
	`email_id` text NOT NULL,
	`delivery_status` text DEFAULT 'queued' NOT NULL,
	`delivery_error` text,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_idx` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_organization_id_id_idx` ON `invitations` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `invitations_organization_id_role_key_idx` ON `invitations` (`organization_id`,`role_key`);--> statement-breakpoint
CREATE INDEX `invitations_email_idx` ON `invitations` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_organization_id_email_pending_idx` ON `invitations` (`organization_id`,`email`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `email_deliveries` (
	`email_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`provider_message_id` text,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `email_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `email_outbox_to_id_idx` ON `email_outbox` (`to`,`id`);--> statement-breakpoint
CREATE INDEX `sessions_active_organization_id_idx` ON `sessions` (`active_organization_id`);