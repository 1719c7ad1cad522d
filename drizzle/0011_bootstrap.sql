CREATE TABLE `bootstrap_hosts` (
	`run_id` text NOT NULL,
	`host_id` integer NOT NULL,
	`host_name` text NOT NULL,
	`state` text NOT NULL,
	`message` text,
	`remote_dir` text,
	`launcher` text,
	`offset` integer DEFAULT 0 NOT NULL,
	`ok` integer DEFAULT 0 NOT NULL,
	`changed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`unreachable` integer DEFAULT 0 NOT NULL,
	`current_task` text,
	`exit_code` integer,
	`expected_tasks` integer,
	`started_at` integer,
	`ended_at` integer,
	`log` text,
	`log_truncated` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`run_id`, `host_id`),
	FOREIGN KEY (`run_id`) REFERENCES `bootstrap_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `bootstrap_hosts_host_idx` ON `bootstrap_hosts` (`host_id`);--> statement-breakpoint
CREATE TABLE `bootstrap_prefs` (
	`host_id` integer PRIMARY KEY NOT NULL,
	`skip_preview` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE `bootstrap_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`mode` text NOT NULL,
	`roles` text NOT NULL,
	`vars` text NOT NULL,
	`state` text NOT NULL,
	`actor` text NOT NULL,
	`created_at` integer NOT NULL,
	`ended_at` integer,
	`preview_of` text,
	`approved_as` text
);
--> statement-breakpoint
CREATE INDEX `bootstrap_runs_created_idx` ON `bootstrap_runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `bootstrap_tasks` (
	`run_id` text NOT NULL,
	`host_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`task_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text,
	`action` text,
	`handler` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`duration_ms` integer,
	`msg` text,
	`detail` text,
	PRIMARY KEY(`run_id`, `host_id`, `seq`),
	FOREIGN KEY (`run_id`) REFERENCES `bootstrap_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
