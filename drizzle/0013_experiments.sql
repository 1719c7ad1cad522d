CREATE TABLE `experiments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`host_id` integer NOT NULL,
	`host_name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`template` text NOT NULL,
	`packages` text DEFAULT '[]' NOT NULL,
	`memory_mib` integer,
	`cpu_weight` integer,
	`linux_user` text NOT NULL,
	`database` text NOT NULL,
	`home` text NOT NULL,
	`repo_kind` text,
	`repo_remote` text,
	`repo_work_tree` text,
	`status` text NOT NULL,
	`message` text,
	`operation` text NOT NULL,
	`failed_step` text,
	`done_steps` text DEFAULT '[]' NOT NULL,
	`secret_names` text DEFAULT '[]' NOT NULL,
	`job_id` text,
	`restore_from` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	`archive` text
);
--> statement-breakpoint
CREATE INDEX `experiments_host_idx` ON `experiments` (`host_id`);--> statement-breakpoint
CREATE INDEX `experiments_name_idx` ON `experiments` (`name`);