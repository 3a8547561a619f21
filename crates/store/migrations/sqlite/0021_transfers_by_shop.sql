-- A shop's statement is the only read of transfers by account, so the transfers are indexed by the
-- shop they belong to, not by both accounts: a top-up used to add three index entries (the chain,
-- its debit and its credit account, one of them a platform account that nothing reads by), now two.
-- Every transfer that touches a shop's account carries that shop's id (asserted where a batch is
-- decided and checked by `ledger verify`).
DROP INDEX ledger_transfers_by_debit;
DROP INDEX ledger_transfers_by_credit;
CREATE INDEX ledger_transfers_by_shop ON ledger_transfers (shop_id, seq) WHERE shop_id IS NOT NULL;
