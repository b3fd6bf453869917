-- organizations.name_search (the lower-cased name) has not been read since the Super Admin's search
-- moved to the organizations_search FTS5 table (migrations/0004). Its index goes first: SQLite
-- refuses DROP COLUMN on a column an index still references.
DROP INDEX IF EXISTS `organizations_name_search_idx`;--> statement-breakpoint
ALTER TABLE `organizations` DROP COLUMN `name_search`;
