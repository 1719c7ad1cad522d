CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`params` text NOT NULL,
	`result` text NOT NULL,
	`error_code` text,
	`duration_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_ts_idx` ON `audit_events` (`ts`);--> statement-breakpoint
CREATE INDEX `audit_action_ts_idx` ON `audit_events` (`action`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_result_ts_idx` ON `audit_events` (`result`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_action_result_ts_idx` ON `audit_events` (`action`,`result`,`ts`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
