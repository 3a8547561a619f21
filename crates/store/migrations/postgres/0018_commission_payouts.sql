-- Creator commissions are paid out through the payment channel like refunds and withdrawals. The
-- platform gives the creator's payee with the commission (or later); the number is sealed like a
-- payout account's. `charged_at_ms` is when the merchant paid (money to commission_payable); the
-- commission reads paid (`paid_at_ms`) only when its payout is reported paid. Commissions paid
-- before payouts existed keep `charged_at_ms` empty.
ALTER TABLE commissions ADD COLUMN payee_holder_name TEXT;
ALTER TABLE commissions ADD COLUMN payee_bank_name TEXT;
ALTER TABLE commissions ADD COLUMN payee_account_sealed TEXT;
ALTER TABLE commissions ADD COLUMN payee_account_last4 TEXT;
ALTER TABLE commissions ADD COLUMN charged_at_ms BIGINT;
