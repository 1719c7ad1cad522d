CREATE TABLE `host_keys` (
	`host_id` integer PRIMARY KEY NOT NULL,
	`key_type` text NOT NULL,
	`key_data` text NOT NULL,
	`fingerprint` text NOT NULL,
	`source` text NOT NULL,
	`trusted_at` integer NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `hosts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`user` text NOT NULL,
	`kind` text NOT NULL,
	`group_name` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`notes` text DEFAULT '' NOT NULL,
	`auth_method` text NOT NULL,
	`key_path` text,
	`secret_ref` text,
	`jump_host_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`jump_host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_name_unique` ON `hosts` (`name`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`ref` text PRIMARY KEY NOT NULL,
	`ciphertext` text NOT NULL,
	`cipher` text NOT NULL,
	`updated_at` integer NOT NULL
);
