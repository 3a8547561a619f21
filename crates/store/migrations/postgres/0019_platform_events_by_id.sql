-- The platform feed, cheaper to append to: the index by time goes (on SQLite the id also becomes
-- the table's own key): ids follow time, so the retention job finds its cut by walking from the
-- oldest id.
DROP INDEX platform_events_by_time;
