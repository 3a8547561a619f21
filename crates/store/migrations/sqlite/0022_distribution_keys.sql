-- Tables distributed by merchant on PostgreSQL (deploy/citus.sql) carry merchant_id here too, with
-- it in their natural keys and unique indexes, so one statement serves both engines. Rowid tables
-- keep `id` as their key: SQLite is one node. A table gains a NOT NULL column or a new key only
-- by being rebuilt; SQLite migrations run with foreign keys off and checked afterwards (Db::migrate).

CREATE TABLE shop_activity_rebuilt (
    merchant_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    products_listed BIGINT NOT NULL DEFAULT 0,
    orders_unshipped BIGINT NOT NULL DEFAULT 0,
    orders_in_transit BIGINT NOT NULL DEFAULT 0,
    after_sales_open BIGINT NOT NULL DEFAULT 0,
    complaints_open BIGINT NOT NULL DEFAULT 0,
    conversations_unanswered BIGINT NOT NULL DEFAULT 0,
    commissions_owed BIGINT NOT NULL DEFAULT 0,
    invoices_pending BIGINT NOT NULL DEFAULT 0,
    paid_orders_total BIGINT NOT NULL DEFAULT 0,
    gmv_total_fen BIGINT NOT NULL DEFAULT 0,
    last_order_closed_at_ms BIGINT,
    PRIMARY KEY (shop_id, merchant_id)
);
INSERT INTO shop_activity_rebuilt (merchant_id, shop_id, products_listed, orders_unshipped, orders_in_transit, after_sales_open, complaints_open, conversations_unanswered, commissions_owed, invoices_pending, paid_orders_total, gmv_total_fen, last_order_closed_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = shop_activity.shop_id), shop_id, products_listed, orders_unshipped, orders_in_transit, after_sales_open, complaints_open, conversations_unanswered, commissions_owed, invoices_pending, paid_orders_total, gmv_total_fen, last_order_closed_at_ms FROM shop_activity;
DROP TABLE shop_activity;
ALTER TABLE shop_activity_rebuilt RENAME TO shop_activity;

CREATE TABLE shop_monthly_sales_rebuilt (
    merchant_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    paid_orders BIGINT NOT NULL DEFAULT 0,
    gmv_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, month, merchant_id)
);
INSERT INTO shop_monthly_sales_rebuilt (merchant_id, shop_id, month, paid_orders, gmv_fen)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = shop_monthly_sales.shop_id), shop_id, month, paid_orders, gmv_fen FROM shop_monthly_sales;
DROP TABLE shop_monthly_sales;
ALTER TABLE shop_monthly_sales_rebuilt RENAME TO shop_monthly_sales;

CREATE TABLE payout_accounts_rebuilt (
    merchant_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    holder_name TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    account_sealed TEXT NOT NULL,
    account_last4 TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (shop_id, merchant_id)
);
INSERT INTO payout_accounts_rebuilt (merchant_id, shop_id, holder_name, bank_name, account_sealed, account_last4, updated_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = payout_accounts.shop_id), shop_id, holder_name, bank_name, account_sealed, account_last4, updated_at_ms FROM payout_accounts;
DROP TABLE payout_accounts;
ALTER TABLE payout_accounts_rebuilt RENAME TO payout_accounts;

CREATE TABLE products_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
INSERT INTO products_rebuilt (merchant_id, id, shop_id, title, price_fen, status, created_at_ms, updated_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = products.shop_id), id, shop_id, title, price_fen, status, created_at_ms, updated_at_ms FROM products;
DELETE FROM sqlite_sequence WHERE name = 'products_rebuilt';
UPDATE sqlite_sequence SET name = 'products_rebuilt' WHERE name = 'products';
DROP TABLE products;
ALTER TABLE products_rebuilt RENAME TO products;
CREATE INDEX products_by_shop ON products (shop_id, id);

CREATE TABLE orders_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    buyer_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    shipped_at_ms BIGINT,
    closed_at_ms BIGINT,
    settle_on TEXT,
    settled_at_ms BIGINT
);
INSERT INTO orders_rebuilt (merchant_id, id, shop_id, product_id, buyer_id, amount_fen, status, created_at_ms, shipped_at_ms, closed_at_ms, settle_on, settled_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = orders.shop_id), id, shop_id, product_id, buyer_id, amount_fen, status, created_at_ms, shipped_at_ms, closed_at_ms, settle_on, settled_at_ms FROM orders;
DELETE FROM sqlite_sequence WHERE name = 'orders_rebuilt';
UPDATE sqlite_sequence SET name = 'orders_rebuilt' WHERE name = 'orders';
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_by_shop ON orders (shop_id, id);
CREATE INDEX orders_by_shop_created ON orders (shop_id, created_at_ms);

CREATE TABLE after_sales_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    created_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT
);
INSERT INTO after_sales_rebuilt (merchant_id, id, order_id, shop_id, kind, reason, status, resolution, created_at_ms, resolved_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = after_sales.shop_id), id, order_id, shop_id, kind, reason, status, resolution, created_at_ms, resolved_at_ms FROM after_sales;
DELETE FROM sqlite_sequence WHERE name = 'after_sales_rebuilt';
UPDATE sqlite_sequence SET name = 'after_sales_rebuilt' WHERE name = 'after_sales';
DROP TABLE after_sales;
ALTER TABLE after_sales_rebuilt RENAME TO after_sales;
CREATE INDEX after_sales_by_shop ON after_sales (shop_id, id);
CREATE INDEX after_sales_by_order ON after_sales (order_id);

CREATE TABLE complaints_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    buyer_id TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    resolved_by TEXT,
    created_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT
);
INSERT INTO complaints_rebuilt (merchant_id, id, shop_id, buyer_id, text, status, resolution, resolved_by, created_at_ms, resolved_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = complaints.shop_id), id, shop_id, buyer_id, text, status, resolution, resolved_by, created_at_ms, resolved_at_ms FROM complaints;
DELETE FROM sqlite_sequence WHERE name = 'complaints_rebuilt';
UPDATE sqlite_sequence SET name = 'complaints_rebuilt' WHERE name = 'complaints';
DROP TABLE complaints;
ALTER TABLE complaints_rebuilt RENAME TO complaints;
CREATE INDEX complaints_by_shop ON complaints (shop_id, id);

CREATE TABLE conversations_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    buyer_id TEXT NOT NULL,
    unanswered BIGINT NOT NULL,
    last_message_at_ms BIGINT NOT NULL
);
INSERT INTO conversations_rebuilt (merchant_id, id, shop_id, buyer_id, unanswered, last_message_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = conversations.shop_id), id, shop_id, buyer_id, unanswered, last_message_at_ms FROM conversations;
DELETE FROM sqlite_sequence WHERE name = 'conversations_rebuilt';
UPDATE sqlite_sequence SET name = 'conversations_rebuilt' WHERE name = 'conversations';
DROP TABLE conversations;
ALTER TABLE conversations_rebuilt RENAME TO conversations;
CREATE UNIQUE INDEX conversations_by_buyer ON conversations (shop_id, buyer_id, merchant_id);

CREATE TABLE messages_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
INSERT INTO messages_rebuilt (merchant_id, id, conversation_id, sender, text, at_ms)
    SELECT (SELECT p.merchant_id FROM conversations p WHERE p.id = messages.conversation_id), id, conversation_id, sender, text, at_ms FROM messages;
DELETE FROM sqlite_sequence WHERE name = 'messages_rebuilt';
UPDATE sqlite_sequence SET name = 'messages_rebuilt' WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_rebuilt RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

CREATE TABLE commissions_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    order_id BIGINT,
    creator_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    transfer_seq BIGINT,
    created_at_ms BIGINT NOT NULL,
    paid_at_ms BIGINT
, payee_holder_name TEXT, payee_bank_name TEXT, payee_account_sealed TEXT, payee_account_last4 TEXT, charged_at_ms BIGINT);
INSERT INTO commissions_rebuilt (merchant_id, id, shop_id, order_id, creator_id, amount_fen, status, transfer_seq, created_at_ms, paid_at_ms, payee_holder_name, payee_bank_name, payee_account_sealed, payee_account_last4, charged_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = commissions.shop_id), id, shop_id, order_id, creator_id, amount_fen, status, transfer_seq, created_at_ms, paid_at_ms, payee_holder_name, payee_bank_name, payee_account_sealed, payee_account_last4, charged_at_ms FROM commissions;
DELETE FROM sqlite_sequence WHERE name = 'commissions_rebuilt';
UPDATE sqlite_sequence SET name = 'commissions_rebuilt' WHERE name = 'commissions';
DROP TABLE commissions;
ALTER TABLE commissions_rebuilt RENAME TO commissions;
CREATE INDEX commissions_by_shop ON commissions (shop_id, id);

CREATE TABLE invoice_requests_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    invoice_number TEXT,
    created_at_ms BIGINT NOT NULL,
    issued_at_ms BIGINT
);
INSERT INTO invoice_requests_rebuilt (merchant_id, id, shop_id, order_id, title, amount_fen, status, invoice_number, created_at_ms, issued_at_ms)
    SELECT (SELECT p.merchant_id FROM shops p WHERE p.id = invoice_requests.shop_id), id, shop_id, order_id, title, amount_fen, status, invoice_number, created_at_ms, issued_at_ms FROM invoice_requests;
DELETE FROM sqlite_sequence WHERE name = 'invoice_requests_rebuilt';
UPDATE sqlite_sequence SET name = 'invoice_requests_rebuilt' WHERE name = 'invoice_requests';
DROP TABLE invoice_requests;
ALTER TABLE invoice_requests_rebuilt RENAME TO invoice_requests;
CREATE INDEX invoice_requests_by_shop ON invoice_requests (shop_id, id);

CREATE TABLE notification_reads_rebuilt (
    merchant_id BIGINT NOT NULL,
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    read_at_ms BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id, merchant_id)
);
INSERT INTO notification_reads_rebuilt (merchant_id, notification_id, user_id, read_at_ms)
    SELECT (SELECT p.merchant_id FROM notifications p WHERE p.id = notification_reads.notification_id), notification_id, user_id, read_at_ms FROM notification_reads;
DROP TABLE notification_reads;
ALTER TABLE notification_reads_rebuilt RENAME TO notification_reads;

CREATE TABLE webhook_attempts_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id),
    attempt BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
INSERT INTO webhook_attempts_rebuilt (merchant_id, id, delivery_id, attempt, at_ms, status_code, error, duration_ms)
    SELECT (SELECT p.merchant_id FROM webhook_deliveries p WHERE p.id = webhook_attempts.delivery_id), id, delivery_id, attempt, at_ms, status_code, error, duration_ms FROM webhook_attempts;
DELETE FROM sqlite_sequence WHERE name = 'webhook_attempts_rebuilt';
UPDATE sqlite_sequence SET name = 'webhook_attempts_rebuilt' WHERE name = 'webhook_attempts';
DROP TABLE webhook_attempts;
ALTER TABLE webhook_attempts_rebuilt RENAME TO webhook_attempts;
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt);

CREATE TABLE campaign_videos_rebuilt (
    merchant_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    video_id BIGINT NOT NULL REFERENCES videos(id),
    linked_by TEXT NOT NULL,
    linked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, video_id, merchant_id)
);
INSERT INTO campaign_videos_rebuilt (merchant_id, campaign_id, video_id, linked_by, linked_at_ms)
    SELECT (SELECT p.merchant_id FROM campaigns p WHERE p.id = campaign_videos.campaign_id), campaign_id, video_id, linked_by, linked_at_ms FROM campaign_videos;
DROP TABLE campaign_videos;
ALTER TABLE campaign_videos_rebuilt RENAME TO campaign_videos;

CREATE TABLE video_hourly_engagement_rebuilt (
    merchant_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    hour_ms BIGINT NOT NULL,
    views BIGINT NOT NULL,
    likes BIGINT NOT NULL,
    shares BIGINT NOT NULL,
    follows BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL,
    completions BIGINT NOT NULL,
    PRIMARY KEY (video_id, hour_ms, merchant_id)
);
INSERT INTO video_hourly_engagement_rebuilt (merchant_id, video_id, account_id, hour_ms, views, likes, shares, follows, watch_ms, completions)
    SELECT (SELECT p.merchant_id FROM enterprise_accounts p WHERE p.id = video_hourly_engagement.account_id), video_id, account_id, hour_ms, views, likes, shares, follows, watch_ms, completions FROM video_hourly_engagement;
DROP TABLE video_hourly_engagement;
ALTER TABLE video_hourly_engagement_rebuilt RENAME TO video_hourly_engagement;

CREATE TABLE video_daily_sources_rebuilt (
    merchant_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (video_id, day, source, merchant_id)
);
INSERT INTO video_daily_sources_rebuilt (merchant_id, video_id, day, source, views)
    SELECT (SELECT p.merchant_id FROM videos p WHERE p.id = video_daily_sources.video_id), video_id, day, source, views FROM video_daily_sources;
DROP TABLE video_daily_sources;
ALTER TABLE video_daily_sources_rebuilt RENAME TO video_daily_sources;

CREATE TABLE account_daily_sources_rebuilt (
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, source, merchant_id)
);
INSERT INTO account_daily_sources_rebuilt (merchant_id, account_id, day, source, views)
    SELECT (SELECT p.merchant_id FROM enterprise_accounts p WHERE p.id = account_daily_sources.account_id), account_id, day, source, views FROM account_daily_sources;
DROP TABLE account_daily_sources;
ALTER TABLE account_daily_sources_rebuilt RENAME TO account_daily_sources;

CREATE TABLE video_daily_audience_rebuilt (
    merchant_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (video_id, day, dimension, value, merchant_id)
);
INSERT INTO video_daily_audience_rebuilt (merchant_id, video_id, day, dimension, value, views)
    SELECT (SELECT p.merchant_id FROM videos p WHERE p.id = video_daily_audience.video_id), video_id, day, dimension, value, views FROM video_daily_audience;
DROP TABLE video_daily_audience;
ALTER TABLE video_daily_audience_rebuilt RENAME TO video_daily_audience;

CREATE TABLE account_daily_audience_rebuilt (
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, dimension, value, merchant_id)
);
INSERT INTO account_daily_audience_rebuilt (merchant_id, account_id, day, dimension, value, views)
    SELECT (SELECT p.merchant_id FROM enterprise_accounts p WHERE p.id = account_daily_audience.account_id), account_id, day, dimension, value, views FROM account_daily_audience;
DROP TABLE account_daily_audience;
ALTER TABLE account_daily_audience_rebuilt RENAME TO account_daily_audience;

CREATE TABLE comment_auto_replies_rebuilt (
    merchant_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    day TEXT NOT NULL,
    comment_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    PRIMARY KEY (video_id, author_id, day, merchant_id)
);
INSERT INTO comment_auto_replies_rebuilt (merchant_id, video_id, author_id, day, comment_id, rule_id)
    SELECT (SELECT p.merchant_id FROM videos p WHERE p.id = comment_auto_replies.video_id), video_id, author_id, day, comment_id, rule_id FROM comment_auto_replies;
DROP TABLE comment_auto_replies;
ALTER TABLE comment_auto_replies_rebuilt RENAME TO comment_auto_replies;

CREATE TABLE dm_notes_rebuilt (
    merchant_id BIGINT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES dm_conversations(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
INSERT INTO dm_notes_rebuilt (merchant_id, id, conversation_id, author, text, created_at_ms)
    SELECT (SELECT p.merchant_id FROM dm_conversations p WHERE p.id = dm_notes.conversation_id), id, conversation_id, author, text, created_at_ms FROM dm_notes;
DELETE FROM sqlite_sequence WHERE name = 'dm_notes_rebuilt';
UPDATE sqlite_sequence SET name = 'dm_notes_rebuilt' WHERE name = 'dm_notes';
DROP TABLE dm_notes;
ALTER TABLE dm_notes_rebuilt RENAME TO dm_notes;
CREATE INDEX dm_notes_by_conversation ON dm_notes (conversation_id, id);
DROP INDEX violations_by_incident;
CREATE UNIQUE INDEX violations_by_incident ON violations (incident_id, merchant_id);

CREATE TABLE deposit_refunds_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    entity_name TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    hold_id BIGINT,
    closed_on TEXT NOT NULL,
    release_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    review_reasons TEXT NOT NULL DEFAULT '',
    outcome TEXT,
    paid_fen BIGINT,
    deduct_fen BIGINT,
    decision_reason TEXT,
    decided_by TEXT,
    decided_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL
);
INSERT INTO deposit_refunds_rebuilt (id, shop_id, merchant_id, entity_name, status, amount_fen, hold_id, closed_on, release_on, due_on, review_reasons, outcome, paid_fen, deduct_fen, decision_reason, decided_by, decided_at_ms, created_at_ms) SELECT id, shop_id, merchant_id, entity_name, status, amount_fen, hold_id, closed_on, release_on, due_on, review_reasons, outcome, paid_fen, deduct_fen, decision_reason, decided_by, decided_at_ms, created_at_ms FROM deposit_refunds;
DELETE FROM sqlite_sequence WHERE name = 'deposit_refunds_rebuilt';
UPDATE sqlite_sequence SET name = 'deposit_refunds_rebuilt' WHERE name = 'deposit_refunds';
DROP TABLE deposit_refunds;
ALTER TABLE deposit_refunds_rebuilt RENAME TO deposit_refunds;
CREATE INDEX deposit_refunds_by_status ON deposit_refunds (status, due_on);
CREATE INDEX deposit_refunds_by_entity ON deposit_refunds (entity_name);
CREATE UNIQUE INDEX deposit_refunds_by_shop ON deposit_refunds (shop_id, merchant_id);

CREATE TABLE video_cadences_rebuilt (
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    videos_per_week BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, merchant_id)
);
INSERT INTO video_cadences_rebuilt (account_id, merchant_id, videos_per_week, updated_at_ms) SELECT account_id, merchant_id, videos_per_week, updated_at_ms FROM video_cadences;
DROP TABLE video_cadences;
ALTER TABLE video_cadences_rebuilt RENAME TO video_cadences;

CREATE TABLE comments_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign keys: a batch reads its videos' owners in its own transaction and writes these
    -- from them, and videos and accounts are never deleted. On PostgreSQL the three key checks
    -- (a FOR KEY SHARE lookup per key and row) cost three quarters of the ingest time.
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    video_id BIGINT NOT NULL,
    -- The platform's comment id ('xd:' and our id for a reply written here); a repeat is ignored.
    external_id TEXT NOT NULL,
    -- The platform id of the comment this one answers (replies to replies too); it may arrive later.
    parent_external_id TEXT,
    author_id TEXT NOT NULL,
    -- 1 for a reply written by the account's staff here; 0 for a comment from the platform.
    by_account BIGINT NOT NULL,
    -- The member who wrote a reply of the account.
    replied_by TEXT,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    -- The time of the account's first reply; NULL while unanswered.
    answered_at_ms BIGINT,
    hidden_at_ms BIGINT,
    -- At most one pinned comment per video (the unique index below).
    pinned_at_ms BIGINT,
    -- Filled at ingest by sentiment analysis (later); NULL until then.
    sentiment TEXT,
    sentiment_score REAL
, sentiment_corrected_by TEXT, sentiment_corrected_at_ms BIGINT, sentiment_version BIGINT);
INSERT INTO comments_rebuilt (id, merchant_id, account_id, video_id, external_id, parent_external_id, author_id, by_account, replied_by, text, created_at_ms, received_at_ms, answered_at_ms, hidden_at_ms, pinned_at_ms, sentiment, sentiment_score, sentiment_corrected_by, sentiment_corrected_at_ms, sentiment_version) SELECT id, merchant_id, account_id, video_id, external_id, parent_external_id, author_id, by_account, replied_by, text, created_at_ms, received_at_ms, answered_at_ms, hidden_at_ms, pinned_at_ms, sentiment, sentiment_score, sentiment_corrected_by, sentiment_corrected_at_ms, sentiment_version FROM comments;
DELETE FROM sqlite_sequence WHERE name = 'comments_rebuilt';
UPDATE sqlite_sequence SET name = 'comments_rebuilt' WHERE name = 'comments';
DROP TABLE comments;
ALTER TABLE comments_rebuilt RENAME TO comments;
CREATE INDEX comments_inbox ON comments (account_id, created_at_ms, id);
CREATE INDEX comments_by_video ON comments (video_id, created_at_ms, id);
CREATE INDEX comments_unanswered ON comments (account_id, created_at_ms, id)
    WHERE by_account = 0 AND answered_at_ms IS NULL AND hidden_at_ms IS NULL;
CREATE INDEX comments_answered ON comments (account_id, answered_at_ms) WHERE answered_at_ms IS NOT NULL;
CREATE UNIQUE INDEX comments_pinned ON comments (video_id, merchant_id) WHERE pinned_at_ms IS NOT NULL;
CREATE UNIQUE INDEX comments_by_external_id ON comments (external_id, merchant_id);

CREATE TABLE comment_counters_rebuilt (
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    comments BIGINT NOT NULL,
    unanswered BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, merchant_id)
);
INSERT INTO comment_counters_rebuilt (account_id, merchant_id, comments, unanswered, updated_at_ms) SELECT account_id, merchant_id, comments, unanswered, updated_at_ms FROM comment_counters;
DROP TABLE comment_counters;
ALTER TABLE comment_counters_rebuilt RENAME TO comment_counters;

CREATE TABLE video_daily_engagement_rebuilt (
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
    PRIMARY KEY (video_id, day, merchant_id)
);
INSERT INTO video_daily_engagement_rebuilt (video_id, account_id, merchant_id, day, views, likes, comments, shares, follows, watch_ms, completions) SELECT video_id, account_id, merchant_id, day, views, likes, comments, shares, follows, watch_ms, completions FROM video_daily_engagement;
DROP TABLE video_daily_engagement;
ALTER TABLE video_daily_engagement_rebuilt RENAME TO video_daily_engagement;
CREATE INDEX video_daily_engagement_by_account ON video_daily_engagement (account_id, day);

CREATE TABLE account_daily_engagement_rebuilt (
    account_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    likes BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    shares BIGINT NOT NULL,
    follows BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL, completions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day, merchant_id)
);
INSERT INTO account_daily_engagement_rebuilt (account_id, merchant_id, day, views, likes, comments, shares, follows, watch_ms, completions) SELECT account_id, merchant_id, day, views, likes, comments, shares, follows, watch_ms, completions FROM account_daily_engagement;
DROP TABLE account_daily_engagement;
ALTER TABLE account_daily_engagement_rebuilt RENAME TO account_daily_engagement;

CREATE TABLE comment_hourly_sentiment_rebuilt (
    account_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    hour_ms BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    negative BIGINT NOT NULL,
    PRIMARY KEY (account_id, hour_ms, merchant_id)
);
INSERT INTO comment_hourly_sentiment_rebuilt (account_id, merchant_id, hour_ms, comments, negative) SELECT account_id, merchant_id, hour_ms, comments, negative FROM comment_hourly_sentiment;
DROP TABLE comment_hourly_sentiment;
ALTER TABLE comment_hourly_sentiment_rebuilt RENAME TO comment_hourly_sentiment;

CREATE TABLE reputation_settings_rebuilt (
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    negative_min BIGINT NOT NULL,
    deviation_sigmas REAL NOT NULL,
    rate_floor REAL NOT NULL,
    baseline_hours BIGINT NOT NULL,
    yellow_negative BIGINT NOT NULL,
    orange_negative BIGINT NOT NULL,
    red_negative BIGINT NOT NULL,
    yellow_growth REAL NOT NULL,
    orange_growth REAL NOT NULL,
    red_growth REAL NOT NULL,
    blue_minutes BIGINT NOT NULL,
    yellow_minutes BIGINT NOT NULL,
    orange_minutes BIGINT NOT NULL,
    red_minutes BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, merchant_id)
);
INSERT INTO reputation_settings_rebuilt (account_id, merchant_id, negative_min, deviation_sigmas, rate_floor, baseline_hours, yellow_negative, orange_negative, red_negative, yellow_growth, orange_growth, red_growth, blue_minutes, yellow_minutes, orange_minutes, red_minutes, updated_by, updated_at_ms) SELECT account_id, merchant_id, negative_min, deviation_sigmas, rate_floor, baseline_hours, yellow_negative, orange_negative, red_negative, yellow_growth, orange_growth, red_growth, blue_minutes, yellow_minutes, orange_minutes, red_minutes, updated_by, updated_at_ms FROM reputation_settings;
DROP TABLE reputation_settings;
ALTER TABLE reputation_settings_rebuilt RENAME TO reputation_settings;

CREATE TABLE reputation_keywords_rebuilt (
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    position BIGINT NOT NULL,
    keyword TEXT NOT NULL,
    PRIMARY KEY (account_id, position, merchant_id)
);
INSERT INTO reputation_keywords_rebuilt (account_id, merchant_id, position, keyword) SELECT account_id, merchant_id, position, keyword FROM reputation_keywords;
DROP TABLE reputation_keywords;
ALTER TABLE reputation_keywords_rebuilt RENAME TO reputation_keywords;
DROP INDEX reputation_incidents_open;
CREATE UNIQUE INDEX reputation_incidents_open ON reputation_incidents (account_id, merchant_id) WHERE status = 'open';

CREATE TABLE reputation_incident_comments_rebuilt (
    incident_id BIGINT NOT NULL REFERENCES reputation_incidents(id),
    comment_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    linked_at_ms BIGINT NOT NULL,
    PRIMARY KEY (incident_id, comment_id, merchant_id)
);
INSERT INTO reputation_incident_comments_rebuilt (incident_id, comment_id, merchant_id, role, linked_at_ms) SELECT incident_id, comment_id, merchant_id, role, linked_at_ms FROM reputation_incident_comments;
DROP TABLE reputation_incident_comments;
ALTER TABLE reputation_incident_comments_rebuilt RENAME TO reputation_incident_comments;
CREATE INDEX reputation_incident_comments_by_comment ON reputation_incident_comments (comment_id);
DROP INDEX payouts_one_in_flight;
CREATE UNIQUE INDEX payouts_one_in_flight ON payouts (reference, merchant_id) WHERE status IN ('requested', 'sent') AND purpose <> 'withdrawal';
DROP INDEX dm_conversations_by_user;
CREATE UNIQUE INDEX dm_conversations_by_user ON dm_conversations (account_id, user_id, merchant_id);

CREATE TABLE dm_messages_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    -- The platform's message id ('xd:' and our id for a message written here); a repeat is ignored.
    external_id TEXT NOT NULL,
    -- user or account.
    sender TEXT NOT NULL,
    -- 1 when sent automatically (an auto-reply here, or marked so by the platform).
    automatic BIGINT NOT NULL,
    -- Who sent an account message here: a member's username, or 'rule:ID' for an auto-reply.
    sent_by TEXT,
    rule_id BIGINT,
    text TEXT NOT NULL,
    image_ref TEXT,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    -- For the first user message of a run: when a member answered it (first-response statistics).
    answered_at_ms BIGINT
);
INSERT INTO dm_messages_rebuilt (id, merchant_id, account_id, conversation_id, external_id, sender, automatic, sent_by, rule_id, text, image_ref, created_at_ms, received_at_ms, answered_at_ms) SELECT id, merchant_id, account_id, conversation_id, external_id, sender, automatic, sent_by, rule_id, text, image_ref, created_at_ms, received_at_ms, answered_at_ms FROM dm_messages;
DELETE FROM sqlite_sequence WHERE name = 'dm_messages_rebuilt';
UPDATE sqlite_sequence SET name = 'dm_messages_rebuilt' WHERE name = 'dm_messages';
DROP TABLE dm_messages;
ALTER TABLE dm_messages_rebuilt RENAME TO dm_messages;
CREATE INDEX dm_messages_by_conversation ON dm_messages (conversation_id, created_at_ms, id);
CREATE INDEX dm_messages_answered ON dm_messages (account_id, answered_at_ms) WHERE answered_at_ms IS NOT NULL;
CREATE UNIQUE INDEX dm_messages_by_external_id ON dm_messages (external_id, merchant_id);
DROP INDEX auto_reply_rules_one_of_kind;
CREATE UNIQUE INDEX auto_reply_rules_one_of_kind ON auto_reply_rules (account_id, kind, merchant_id) WHERE kind <> 'keyword' AND deleted_at_ms IS NULL;
DROP INDEX leads_one_per_contact;
CREATE UNIQUE INDEX leads_one_per_contact ON leads (account_id, contact_kind, contact_hash, merchant_id);
