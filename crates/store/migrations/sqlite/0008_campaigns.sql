-- Campaigns of enterprise accounts with their linked videos, the trending topics the platform
-- pushes, and the daily engagement rollups campaign results read (filled by the event ingest).

CREATE TABLE trending_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    heat BIGINT NOT NULL,
    observed_at_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX trending_topics_by_observed_at ON trending_topics (observed_at_ms);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    name TEXT NOT NULL,
    -- 'awareness', 'engagement', 'followers' or 'sales'.
    goal TEXT NOT NULL,
    -- China dates YYYY-MM-DD, both included.
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    -- Topic tags without their '#', separated by single spaces.
    tags TEXT NOT NULL,
    created_by TEXT NOT NULL,
    -- Planned, running and ended follow from the dates; only the cancellation is stored.
    cancelled_at_ms BIGINT,
    cancelled_by TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX campaigns_by_account ON campaigns (account_id, id);

CREATE TABLE campaign_videos (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    video_id BIGINT NOT NULL REFERENCES videos(id),
    linked_by TEXT NOT NULL,
    linked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, video_id)
);

-- Daily engagement per video and per account (China dates), added to by the event ingest.
CREATE TABLE video_daily_engagement (
    video_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    likes BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    shares BIGINT NOT NULL,
    follows BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL,
    completions BIGINT NOT NULL,
    PRIMARY KEY (video_id, day)
);
CREATE INDEX video_daily_engagement_by_account ON video_daily_engagement (account_id, day);

CREATE TABLE account_daily_engagement (
    account_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    likes BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    shares BIGINT NOT NULL,
    follows BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);

-- Orders of a shop by creation time, for results over a window.
CREATE INDEX orders_by_shop_created ON orders (shop_id, created_at_ms);
