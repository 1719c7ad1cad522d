-- Words split at "-", "_", "." and "@" too, so "h1" finds "lab-h1" and "10.0.0" finds an address;
-- a phrase search ("lab-h1") still finds the whole name. The index is rebuilt at start from the rows.
DROP TABLE `audit_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `audit_fts` USING fts5(action, actor, target, params, error_code, content='', tokenize='unicode61');
