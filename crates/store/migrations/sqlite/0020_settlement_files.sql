-- The payment channel's settlement files as a reviewer or admin sent them to be reconciled. The
-- report is a page read back by the file's id (Post/Redirect/Get: it can be refreshed and linked),
-- and the platform keeps what was compared. A file holds payout ids, channel references, amounts,
-- statuses and dates: no payee's account.
CREATE TABLE settlement_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uploaded_by TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
