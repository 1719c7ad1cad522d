CREATE TABLE `audit_chain` (
	`event_id` integer PRIMARY KEY NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_questions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`filter` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_questions_name_unique` ON `audit_questions` (`name`);--> statement-breakpoint
ALTER TABLE `audit_events` ADD `host_id` integer;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `job_id` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `session_id` text;--> statement-breakpoint
CREATE INDEX `audit_host_ts_idx` ON `audit_events` (`host_id`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_job_ts_idx` ON `audit_events` (`job_id`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_session_ts_idx` ON `audit_events` (`session_id`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_actor_ts_idx` ON `audit_events` (`actor`,`ts`);