-- The deposit ledger: accounts, hash-chained transfers, holds, idempotency keys; shops and violations.

CREATE TABLE shops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_name TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    deposit_account_id BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX shops_by_merchant ON shops (merchant_id, id);

-- Four counters per account (TigerBeetle-style). Platform accounts have one row per (code, shard)
-- so that no single row serialises every writer; shop accounts carry their shop and merchant.
CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    shard BIGINT NOT NULL,
    shop_id BIGINT,
    merchant_id BIGINT,
    debits_posted BIGINT NOT NULL DEFAULT 0,
    credits_posted BIGINT NOT NULL DEFAULT 0,
    debits_pending BIGINT NOT NULL DEFAULT 0,
    credits_pending BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ledger_platform_accounts ON ledger_accounts (code, shard) WHERE shop_id IS NULL;
CREATE UNIQUE INDEX ledger_shop_accounts ON ledger_accounts (shop_id, code) WHERE shop_id IS NOT NULL;

-- Immutable, hash-chained: `seq` is both the transfer id and its place in the chain. In SQLite,
-- INTEGER PRIMARY KEY makes `seq` the rowid itself (no separate key index to maintain).
CREATE TABLE ledger_transfers (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    debit_account_id BIGINT NOT NULL,
    credit_account_id BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    released_fen BIGINT NOT NULL,
    hold_id BIGINT,
    debit_balance_after_fen BIGINT NOT NULL,
    credit_balance_after_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    shop_id BIGINT,
    merchant_id BIGINT,
    at_ms BIGINT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit_account_id, seq);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit_account_id, seq);

CREATE TABLE ledger_holds (
    id INTEGER PRIMARY KEY,
    debit_account_id BIGINT NOT NULL,
    credit_account_id BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    state TEXT NOT NULL,
    posted_fen BIGINT NOT NULL DEFAULT 0,
    resolved_seq BIGINT,
    merchant_id BIGINT
);

INSERT INTO chain_heads (name, seq, hash)
VALUES ('ledger', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- One row per money-moving request: the same key with the same body answers the stored outcome.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    transfer_seq BIGINT,
    merchant_id BIGINT,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
) WITHOUT ROWID;

CREATE TABLE violations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL REFERENCES shops(id),
    merchant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    penalty_fen BIGINT NOT NULL,
    beneficiary TEXT NOT NULL,
    buyer_id TEXT,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    penalty_seq BIGINT,
    reversal_seq BIGINT,
    recorded_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    appeal_deadline_ms BIGINT NOT NULL,
    appeal_text TEXT,
    appealed_at_ms BIGINT,
    decided_by TEXT,
    decision_note TEXT,
    decided_at_ms BIGINT
);
CREATE INDEX violations_by_shop ON violations (shop_id, id);
CREATE INDEX violations_by_status ON violations (status, appealed_at_ms);
