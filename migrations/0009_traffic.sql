-- Integration traffic (docs/integration-traffic.md): a rate-limit tier per API key, and usage per key
-- and hour / UTC day, summed off the request path by the USAGE queue's consumer and kept 90 days.
ALTER TABLE `api_keys` ADD `rate_limit` text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
CREATE TABLE `api_key_usage` (
	`api_key_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`granularity` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`client_errors` integer DEFAULT 0 NOT NULL,
	`server_errors` integer DEFAULT 0 NOT NULL,
	`rate_limited` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`api_key_id`, `granularity`, `bucket_start`),
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade
);--> statement-breakpoint
CREATE INDEX `api_key_usage_bucket_start_idx` ON `api_key_usage` (`bucket_start`);
