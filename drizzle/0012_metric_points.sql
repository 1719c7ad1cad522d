CREATE TABLE `metric_points` (
	`host_id` integer NOT NULL,
	`metric` text NOT NULL,
	`res` integer NOT NULL,
	`ts` integer NOT NULL,
	`min` real NOT NULL,
	`avg` real NOT NULL,
	`max` real NOT NULL,
	PRIMARY KEY(`host_id`, `metric`, `res`, `ts`)
);
--> statement-breakpoint
CREATE INDEX `metric_points_res_ts_idx` ON `metric_points` (`res`,`ts`);