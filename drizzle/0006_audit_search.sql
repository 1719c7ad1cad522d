-- The hash chain is append-only like the history it covers.
CREATE TRIGGER `audit_chain_no_update` BEFORE UPDATE ON `audit_chain`
BEGIN
  SELECT RAISE(ABORT, 'audit_chain is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_chain_no_delete` BEFORE DELETE ON `audit_chain`
BEGIN
  SELECT RAISE(ABORT, 'audit_chain is append-only');
END;
--> statement-breakpoint
-- Full-text search over what a row says (params are already redacted when written). Contentless:
-- the text lives in audit_events; this holds only the index, keyed by the row's id.
CREATE VIRTUAL TABLE `audit_fts` USING fts5(action, actor, target, params, error_code, content='', tokenize="unicode61 tokenchars '-_.@'");
