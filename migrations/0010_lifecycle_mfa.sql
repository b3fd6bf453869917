-- Accounts a user manages and a second factor (docs/lifecycle-and-mfa.md).
--
-- TOTP lives on the user row: the secret sealed (src/lib/secret-box.ts, purpose "totp-secret", the
-- user id as additional data, under TOTP_SECRET_KEY), the last time step a code was accepted for
-- (every statement that accepts a code is guarded on `totp_last_step < step`, so a code works once),
-- and the recovery codes as a JSON array of SHA-256 hex digests (a statement that uses one removes
-- it from the array and is guarded on it still being there, so each works once).
ALTER TABLE `users` ADD `mfa_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `totp_secret` text;--> statement-breakpoint
ALTER TABLE `users` ADD `totp_last_step` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `recovery_codes` text;--> statement-breakpoint
-- Whether the session was created with a second factor (GET /api/auth/session says `mfa`).
ALTER TABLE `sessions` ADD `mfa` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- The organization's policy: sessions of users without MFA get 403 mfa_required on its routes.
ALTER TABLE `organizations` ADD `require_mfa` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- The first step of a sign-in with MFA: the password was right, the code is still to come. Only the
-- token's SHA-256 is stored; 5 minutes, single use, at most 5 wrong codes.
CREATE TABLE `mfa_challenges` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mfa_challenges_user_id_idx` ON `mfa_challenges` (`user_id`);
--> statement-breakpoint
-- Deleting an account redacts the name in every event its user acted in, across organizations.
CREATE INDEX `events_actor_id_idx` ON `events` (`actor_id`);
