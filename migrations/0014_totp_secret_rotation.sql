-- TOTP_SECRET_KEY rotation (src/services/mfa/secret-key-rotation.ts): the upkeep finds the secrets
-- not yet sealed under the current key by a range of this index (a ciphertext starts with the id of
-- the key that sealed it), so each run reads those rows only, never the users table.
CREATE INDEX IF NOT EXISTS `users_totp_secret_idx` ON `users` (`totp_secret`) WHERE `totp_secret` IS NOT NULL;
