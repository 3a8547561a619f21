-- Each team member's notification centre (read marks per member) and outbound webhooks per merchant.

-- Notification kinds are dotted like every other kind.
UPDATE notifications SET kind = 'shop.closed' WHERE kind = 'shop_closed';
UPDATE notifications SET kind = 'refund.decided' WHERE kind = 'refund_decided';
CREATE INDEX notifications_by_merchant_kind ON notifications (merchant_id, kind, id);

-- A notification is read or unread for each member on its own.
CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    read_at_ms BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);
INSERT INTO notification_reads (notification_id, user_id, read_at_ms)
    SELECT n.id, u.id, n.read_at_ms FROM notifications n JOIN users u ON u.merchant_id = n.merchant_id
    WHERE n.read_at_ms IS NOT NULL;

-- One endpoint per merchant; the signing secret is sealed with the server's secret key.
CREATE TABLE webhooks (
    merchant_id BIGINT PRIMARY KEY REFERENCES merchants(id),
    url TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

-- One event to deliver: pending until a 2xx answer (delivered) or the last attempt (failed).
-- A sender leases a due row until leased_until_ms while its request is in flight.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at_ms BIGINT NOT NULL,
    leased_until_ms BIGINT NOT NULL,
    last_status_code BIGINT,
    last_error TEXT,
    created_at_ms BIGINT NOT NULL,
    delivered_at_ms BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);
CREATE INDEX webhook_deliveries_by_merchant ON webhook_deliveries (merchant_id, id);

-- The delivery log: every attempt with its answer or error.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id),
    attempt BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt);
