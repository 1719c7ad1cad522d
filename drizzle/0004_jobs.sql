CREATE TABLE `job_logs` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`ts` integer NOT NULL,
	`stream` text NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`job_id`, `seq`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`target` text NOT NULL,
	`host_ids` text NOT NULL,
	`actor` text NOT NULL,
	`state` text NOT NULL,
	`steps` text NOT NULL,
	`progress` real DEFAULT 0 NOT NULL,
	`message` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`last_seen_at` integer NOT NULL,
	`log_bytes` integer DEFAULT 0 NOT NULL,
	`log_truncated` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_created_idx` ON `jobs` (`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_state_idx` ON `jobs` (`state`);