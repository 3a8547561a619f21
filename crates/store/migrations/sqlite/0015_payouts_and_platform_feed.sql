-- Payouts and the platform feed. A payout (refund, withdrawal, commission) is written in the
-- transaction that decides it, with its payee copied from the payout account (number sealed) and
-- the ledger account its money came from, so a failed or returned payout puts it back there.
CREATE TABLE payouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    shop_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    holder_name TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    account_sealed TEXT NOT NULL,
    account_last4 TEXT NOT NULL,
    source_account_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    channel_ref TEXT,
    paid_on TEXT,
    failure_reason TEXT,
    requested_at_ms BIGINT NOT NULL,
    sent_at_ms BIGINT,
    overdue_on TEXT,
    settled_at_ms BIGINT
);
CREATE INDEX payouts_by_status ON payouts (status, id);
CREATE INDEX payouts_by_shop ON payouts (shop_id, id);
CREATE INDEX payouts_by_reference ON payouts (reference, id);
-- One payout in flight per refund or commission at a time: a second one is a bug, refused here too.
CREATE UNIQUE INDEX payouts_one_in_flight ON payouts (reference)
    WHERE status IN ('requested', 'sent') AND purpose <> 'withdrawal';

-- The platform feed, a transactional outbox. An event's id comes from the 'platform_feed' head row,
-- taken in the writing transaction: emitting transactions commit in id order, so a reader that has
-- seen id N never later finds a smaller id appear.
CREATE TABLE platform_events (
    id BIGINT PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX platform_events_by_time ON platform_events (created_at_ms);
INSERT INTO chain_heads (name, seq, hash) VALUES ('platform_feed', 0, '');

-- The platform webhook's delivery cursor: the last event id it delivered.
INSERT INTO chain_heads (name, seq, hash) VALUES ('platform_webhook', 0, '');
