ALTER TABLE `audit_events` ADD `area` text GENERATED ALWAYS AS (substr(action, 1, instr(action, '.') - 1)) VIRTUAL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `has_secret` integer GENERATED ALWAYS AS (params LIKE '%"[redacted]"%') VIRTUAL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `run_as` text GENERATED ALWAYS AS (CASE WHEN action = 'terminals.open' AND instr(target, ' as ') > 0 THEN substr(target, instr(target, ' as ') + 4) END) VIRTUAL;--> statement-breakpoint
CREATE INDEX `audit_area_ts_idx` ON `audit_events` (`area`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_secret_ts_idx` ON `audit_events` (`has_secret`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_run_as_ts_idx` ON `audit_events` (`run_as`,`ts`);