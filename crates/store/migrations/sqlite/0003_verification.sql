-- Enterprise (blue V) verification: enterprise accounts, applications, their documents, and the
-- merchants' notifications (generic: later areas add their own kinds).

CREATE TABLE enterprise_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    nickname TEXT NOT NULL,
    bio TEXT NOT NULL,
    verified BIGINT NOT NULL DEFAULT 0,
    -- The approved application behind the current badge, and the badge's dates (YYYY-MM-DD).
    badge_verification_id BIGINT,
    badge_granted_on TEXT,
    badge_valid_until TEXT,
    -- After a failed application, a new one may start only from this instant.
    cooldown_until_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX enterprise_accounts_by_merchant ON enterprise_accounts (merchant_id, id);

CREATE TABLE verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    renewal BIGINT NOT NULL DEFAULT 0,
    company_name TEXT NOT NULL,
    brand_name TEXT,
    uscc TEXT NOT NULL,
    legal_rep_name TEXT NOT NULL,
    -- The resident ID number only encrypted (ChaCha20-Poly1305), masked, and as a keyed hash
    -- (blind index) to find the same number on other applications. Never in clear.
    legal_rep_id_sealed TEXT NOT NULL,
    legal_rep_id_masked TEXT NOT NULL,
    legal_rep_id_index TEXT NOT NULL,
    industry TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    operator_is_legal_rep BIGINT NOT NULL,
    warnings TEXT NOT NULL,
    status TEXT NOT NULL,
    fee_paid_at_ms BIGINT,
    fee_transfer_id BIGINT,
    fee_payment_ref TEXT,
    submission BIGINT NOT NULL DEFAULT 0,
    submitted_at_ms BIGINT,
    target_on TEXT,
    due_on TEXT,
    claimed_by TEXT,
    claimed_at_ms BIGINT,
    rejection_count BIGINT NOT NULL DEFAULT 0,
    changes_due_at_ms BIGINT,
    decision_outcome TEXT,
    decision_reasons TEXT,
    decision_note TEXT,
    decided_by TEXT,
    decided_at_ms BIGINT,
    decided_submission BIGINT NOT NULL DEFAULT 0,
    failed_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX verifications_by_merchant ON verifications (merchant_id, id);
CREATE INDEX verifications_by_account ON verifications (account_id, id);
CREATE INDEX verifications_by_status ON verifications (status, due_on);
CREATE INDEX verifications_by_uscc ON verifications (uscc);
CREATE INDEX verifications_by_id_index ON verifications (legal_rep_id_index);

CREATE TABLE verification_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_id BIGINT NOT NULL REFERENCES verifications(id),
    merchant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_at_ms BIGINT NOT NULL
);
CREATE INDEX verification_documents_by_verification ON verification_documents (verification_id, id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    read_at_ms BIGINT
);
CREATE INDEX notifications_by_merchant ON notifications (merchant_id, id);
