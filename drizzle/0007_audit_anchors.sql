CREATE TABLE `audit_anchors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`first_event_id` integer NOT NULL,
	`last_event_id` integer NOT NULL,
	`last_hash` text NOT NULL,
	`file` text NOT NULL,
	`rows` integer NOT NULL,
	`oldest_ts` integer NOT NULL,
	`newest_ts` integer NOT NULL,
	`created_at` integer NOT NULL
);
