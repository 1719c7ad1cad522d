CREATE TABLE `open_items` (
	`id` text PRIMARY KEY NOT NULL,
	`close_with` text NOT NULL,
	`target` text NOT NULL,
	`opened_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
