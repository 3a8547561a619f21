-- Xiaodian on Citus, distributed by merchant (docs/scaling.md). Run once on the coordinator after the
-- first `xiaodian serve --db postgres://…` has migrated an empty database, before any data is loaded.
--
-- Each table of the schema appears here exactly once, as one of three kinds. The store test
-- crates/store/tests/citus.rs reads this file with the migrated catalog and fails when a table is
-- missing, when a distributed table lacks merchant_id in its primary key, in a unique index or in a
-- foreign key to another distributed table, when a table points at a kind it may not point at, or
-- when a distributed table comes before a table its foreign keys point at.

CREATE EXTENSION IF NOT EXISTS citus;

-- Reference tables: a copy on every node. Small, read by every merchant's queries, written rarely,
-- or unique across merchants.
SELECT create_reference_table('merchants'); -- one row per merchant, its name unique across merchants; tenant tables point here
SELECT create_reference_table('users'); -- reviewers and service staff belong to no merchant; every request reads its user
SELECT create_reference_table('sessions'); -- read by every request, with its user
SELECT create_reference_table('entities'); -- a company (by its credit code) belongs to one merchant only: unique across merchants
SELECT create_reference_table('calendar_notices'); -- the State Council's working-day calendar, read by every deadline
SELECT create_reference_table('trending_topics'); -- the platform's trending topics, the same for every merchant
SELECT create_reference_table('sentiment_adaptations'); -- the sentiment model's correction layers, one for the platform

-- Distributed tables: a merchant's rows on one node, every table co-located with shops, parents
-- before the tables whose foreign keys point at them.
SELECT create_distributed_table('shops', 'merchant_id');
SELECT create_distributed_table('enterprise_accounts', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('verifications', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('verification_documents', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('notifications', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('notification_reads', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('shop_activity', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('shop_monthly_sales', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('products', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('orders', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('after_sales', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('complaints', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('conversations', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('messages', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('commissions', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('invoice_requests', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('shop_closures', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('payout_accounts', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('deposit_refunds', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('videos', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('video_cadences', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('comments', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('comment_counters', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('webhooks', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('webhook_deliveries', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('webhook_attempts', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('campaigns', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('campaign_videos', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('video_daily_engagement', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('account_daily_engagement', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('video_hourly_engagement', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('video_daily_sources', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('account_daily_sources', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('video_daily_audience', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('account_daily_audience', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('comment_hourly_sentiment', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('reputation_settings', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('reputation_keywords', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('reputation_incidents', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('violations', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('reputation_incident_comments', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('sentiment_corrections', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('payouts', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('dm_conversations', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('dm_messages', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('dm_notes', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('auto_reply_rules', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('comment_auto_replies', 'merchant_id', colocate_with => 'shops');
SELECT create_distributed_table('leads', 'merchant_id', colocate_with => 'shops');

-- Local tables: kept on the coordinator. Each is one ordered stream or has one writer; they grow
-- with the platform's money and actions, not with its comments and events, and scale up, not out.
SELECT citus_add_local_table_to_metadata('chain_heads'); -- the heads of the audit and ledger hash chains
SELECT citus_add_local_table_to_metadata('ledger_accounts'); -- the ledger: one state machine, one writer, one hash chain
SELECT citus_add_local_table_to_metadata('ledger_transfers');
SELECT citus_add_local_table_to_metadata('ledger_holds');
SELECT citus_add_local_table_to_metadata('idempotency_keys'); -- decided with the ledger's transfers, in its transactions
SELECT citus_add_local_table_to_metadata('audit_log'); -- one hash chain over every merchant's actions
SELECT citus_add_local_table_to_metadata('jobs'); -- one queue, claimed with SKIP LOCKED by every serve process
SELECT citus_add_local_table_to_metadata('platform_events'); -- the feed to the platform, read by cursor in id order
SELECT citus_add_local_table_to_metadata('event_batches'); -- the engagement ingest's idempotency keys
SELECT citus_add_local_table_to_metadata('settlement_files'); -- the bank's settlement files, uploaded by reviewers
SELECT citus_add_local_table_to_metadata('unreferenced_files'); -- storage housekeeping
SELECT citus_add_local_table_to_metadata('login_failures'); -- login rate limits, by user name
