CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`actor_name` text NOT NULL,
	`request_id` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_organization_id_id_idx` ON `events` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_organization_id_type_id_idx` ON `events` (`organization_id`,`type`,`id`);--> statement-breakpoint
CREATE INDEX `events_organization_id_actor_id_id_idx` ON `events` (`organization_id`,`actor_id`,`id`);