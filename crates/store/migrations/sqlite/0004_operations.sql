-- Shop operations (products, orders, after-sales, complaints, conversations, commissions,
-- invoices), the counters closure checks read, closures, payout accounts and deposit refunds.

-- One row per shop, changed in the same transaction as every row it counts, so that closure
-- checks never scan orders. Every closure-relevant write updates this row first: on PostgreSQL
-- that row lock orders the write against a closure check of the same shop.
CREATE TABLE shop_activity (
    shop_id BIGINT PRIMARY KEY,
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
    last_order_closed_at_ms BIGINT
);

-- Paid orders and their amount by calendar month (China time, 'YYYY-MM'), for the deposit policy.
CREATE TABLE shop_monthly_sales (
    shop_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    paid_orders BIGINT NOT NULL DEFAULT 0,
    gmv_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, month)
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX products_by_shop ON products (shop_id, id);

CREATE TABLE orders (
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
CREATE INDEX orders_by_shop ON orders (shop_id, id);

CREATE TABLE after_sales (
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
CREATE INDEX after_sales_by_shop ON after_sales (shop_id, id);
CREATE INDEX after_sales_by_order ON after_sales (order_id);

CREATE TABLE complaints (
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
CREATE INDEX complaints_by_shop ON complaints (shop_id, id);

-- A conversation is unanswered while its latest message is from the buyer.
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    buyer_id TEXT NOT NULL,
    unanswered BIGINT NOT NULL,
    last_message_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_by_buyer ON conversations (shop_id, buyer_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

CREATE TABLE commissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    order_id BIGINT,
    creator_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    transfer_seq BIGINT,
    created_at_ms BIGINT NOT NULL,
    paid_at_ms BIGINT
);
CREATE INDEX commissions_by_shop ON commissions (shop_id, id);

CREATE TABLE invoice_requests (
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
CREATE INDEX invoice_requests_by_shop ON invoice_requests (shop_id, id);

-- Every closure request, withdrawn or not; at most one in notice per shop.
CREATE TABLE shop_closures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    requested_at_ms BIGINT NOT NULL,
    closes_on TEXT NOT NULL,
    blockers TEXT NOT NULL DEFAULT '',
    ended_at_ms BIGINT
);
CREATE INDEX shop_closures_by_shop ON shop_closures (shop_id, id);

-- Where refunds and withdrawals go. The account number is sealed; only its last four digits show.
CREATE TABLE payout_accounts (
    shop_id BIGINT PRIMARY KEY,
    holder_name TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    account_sealed TEXT NOT NULL,
    account_last4 TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE deposit_refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL UNIQUE,
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
CREATE INDEX deposit_refunds_by_status ON deposit_refunds (status, due_on);
CREATE INDEX deposit_refunds_by_entity ON deposit_refunds (entity_name);
INSERT INTO shop_activity (shop_id) SELECT id FROM shops;
-- Every shop has its settling and withdrawable proceeds accounts beside its deposit.
INSERT INTO ledger_accounts (code, shard, shop_id, merchant_id) SELECT 'shop_settling', 0, id, merchant_id FROM shops;
INSERT INTO ledger_accounts (code, shard, shop_id, merchant_id) SELECT 'shop_settlement', 0, id, merchant_id FROM shops;
