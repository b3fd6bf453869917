-- "An unproven account arms nothing" (docs: Accounts and security). Until this release an account
-- whose address nobody had proved could create API keys, webhook endpoints and invitations; anyone
-- can sign up with someone else's address, so what such accounts made is taken back here, and from
-- now on the API refuses it (403 email_not_verified) and a password reset takes it back.
--
-- Endpoints record who created them, like API keys: what a password reset takes back.
ALTER TABLE `webhook_endpoints` ADD `created_by_user_id` text;--> statement-breakpoint
CREATE INDEX `webhook_endpoints_created_by_user_id_idx` ON `webhook_endpoints` (`created_by_user_id`);--> statement-breakpoint
CREATE INDEX `api_keys_created_by_user_id_idx` ON `api_keys` (`created_by_user_id`);--> statement-breakpoint
CREATE INDEX `invitations_inviter_id_idx` ON `invitations` (`inviter_id`);--> statement-breakpoint
-- Existing endpoints: the creator is the user actor of their webhook_endpoint.created event, where
-- it is still kept (events are pruned after EVENT_RETENTION_DAYS; older endpoints stay NULL).
UPDATE `webhook_endpoints` SET `created_by_user_id` = (
  SELECT e.`actor_id` FROM `events` e
  WHERE e.`organization_id` = `webhook_endpoints`.`organization_id` AND e.`type` = 'webhook_endpoint.created'
    AND e.`actor_type` = 'user' AND json_extract(e.`data`, '$.object.id') = `webhook_endpoints`.`id`
  LIMIT 1
) WHERE `created_by_user_id` IS NULL;--> statement-breakpoint
-- The API keys an account whose address is still unverified created with its session, and every key
-- those keys created in turn (their api_key.created events), so a key minted by a squatter's key
-- goes too. Kept in a scratch table for the statements below, dropped at the end.
CREATE TABLE `_unproven_api_keys` AS
WITH RECURSIVE `armed`(`id`, `organization_id`) AS (
  SELECT k.`id`, k.`organization_id` FROM `api_keys` k JOIN `users` u ON u.`id` = k.`created_by_user_id` WHERE u.`email_verified` = 0
  UNION
  SELECT json_extract(e.`data`, '$.object.id'), e.`organization_id` FROM `armed` a
  JOIN `events` e ON e.`organization_id` = a.`organization_id` AND e.`actor_id` = a.`id` AND e.`actor_type` = 'api_key' AND e.`type` = 'api_key.created'
)
SELECT `id`, `organization_id` FROM `armed`;--> statement-breakpoint
-- Their pending invitations are revoked (the links stop working; the rows stay, like any revoked one).
UPDATE `invitations` SET `status` = 'revoked'
WHERE `status` = 'pending' AND (
  (`inviter_type` = 'user' AND `inviter_id` IN (SELECT `id` FROM `users` WHERE `email_verified` = 0))
  OR (`inviter_type` = 'api_key' AND `inviter_id` IN (SELECT `id` FROM `_unproven_api_keys`))
);--> statement-breakpoint
-- Their webhook endpoints are deleted (their deliveries go with them).
DELETE FROM `webhook_endpoints`
WHERE `created_by_user_id` IN (SELECT `id` FROM `users` WHERE `email_verified` = 0)
  OR `id` IN (
    SELECT json_extract(e.`data`, '$.object.id') FROM `_unproven_api_keys` k
    JOIN `events` e ON e.`organization_id` = k.`organization_id` AND e.`actor_id` = k.`id` AND e.`actor_type` = 'api_key' AND e.`type` = 'webhook_endpoint.created'
  );--> statement-breakpoint
DELETE FROM `api_keys` WHERE `id` IN (SELECT `id` FROM `_unproven_api_keys`);--> statement-breakpoint
-- `npm run superadmin` now refuses an unverified account; one granted before loses the flag (grant it
-- again once the address is verified).
UPDATE `users` SET `is_super_admin` = 0 WHERE `is_super_admin` = 1 AND `email_verified` = 0;--> statement-breakpoint
DROP TABLE `_unproven_api_keys`;
