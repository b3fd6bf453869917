-- A small organization's member search walks its own rows, in rowid order (the order the search
-- cursor follows), instead of the full-text index whose postings span every organization
-- (src/services/members/members.ts). An index's entries end with the rowid, so this one lists an
-- organization's members in rowid order.
CREATE INDEX IF NOT EXISTS `members_organization_id_rowid_idx` ON `members` (`organization_id`);
