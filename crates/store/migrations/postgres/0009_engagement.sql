-- Engagement events from the platform, rolled up at ingest so dashboards never scan events:
-- per video per hour and per day (0008 made the daily tables), per account per day, the views by
-- traffic source and by audience (age band, gender, province), and the batches already taken.

ALTER TABLE account_daily_engagement ADD COLUMN completions BIGINT NOT NULL DEFAULT 0;

-- Hours are the UTC millisecond of the hour's start (China hours start on the same instants).
CREATE TABLE video_hourly_engagement (
    video_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    hour_ms BIGINT NOT NULL,
    views BIGINT NOT NULL,
    likes BIGINT NOT NULL,
    shares BIGINT NOT NULL,
    follows BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL,
    completions BIGINT NOT NULL,
    PRIMARY KEY (video_id, hour_ms)
);

-- Views by traffic source ('recommend', 'follow', 'search', 'profile', 'paid', 'other').
CREATE TABLE video_daily_sources (
    video_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (video_id, day, source)
);

CREATE TABLE account_daily_sources (
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, source)
);

-- Views by the viewer's audience: dimension 'age', 'gender' or 'province' and its value.
CREATE TABLE video_daily_audience (
    video_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (video_id, day, dimension, value)
);

CREATE TABLE account_daily_audience (
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, dimension, value)
);

-- A batch sent with an Idempotency-Key is added once; a retry answers what the first one did.
CREATE TABLE event_batches (
    idempotency_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    answer TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL
);
