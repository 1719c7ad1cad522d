-- The hash chain moves into the rows themselves (one insert per audit row instead of two), and rows
-- can name the experiment they are about.
ALTER TABLE `audit_events` ADD `experiment_id` integer;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `hash` text;--> statement-breakpoint
CREATE INDEX `audit_experiment_ts_idx` ON `audit_events` (`experiment_id`,`ts`);--> statement-breakpoint
DROP TRIGGER `audit_events_no_update`;--> statement-breakpoint
UPDATE `audit_events` SET
  `prev_hash` = (SELECT `prev_hash` FROM `audit_chain` c WHERE c.`event_id` = `audit_events`.`id`),
  `hash` = (SELECT `hash` FROM `audit_chain` c WHERE c.`event_id` = `audit_events`.`id`);--> statement-breakpoint
-- Append-only again. A row's hash may be filled in once (rows from before the chain, at start);
-- nothing else about a written row can change.
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events`
WHEN OLD.`hash` IS NOT NULL
  OR NEW.`id` IS NOT OLD.`id` OR NEW.`ts` IS NOT OLD.`ts` OR NEW.`actor` IS NOT OLD.`actor`
  OR NEW.`action` IS NOT OLD.`action` OR NEW.`target` IS NOT OLD.`target`
  OR NEW.`params` IS NOT OLD.`params` OR NEW.`result` IS NOT OLD.`result`
  OR NEW.`error_code` IS NOT OLD.`error_code` OR NEW.`duration_ms` IS NOT OLD.`duration_ms`
  OR NEW.`host_id` IS NOT OLD.`host_id` OR NEW.`job_id` IS NOT OLD.`job_id`
  OR NEW.`session_id` IS NOT OLD.`session_id` OR NEW.`experiment_id` IS NOT OLD.`experiment_id`
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;--> statement-breakpoint
DROP TRIGGER `audit_chain_no_update`;--> statement-breakpoint
DROP TRIGGER `audit_chain_no_delete`;--> statement-breakpoint
DROP TABLE `audit_chain`;
