//! The money engine: every movement of money goes through `apply_commands`, which loads the touched
//! accounts and holds, decides each command with `domain::ledger`, asserts the invariants, and writes
//! transfers, counters, holds, idempotency keys and the chain head in the caller's transaction.
//!
//! High-volume requests (top-ups) go through `LedgerEngine`, one task per process that gathers the
//! requests waiting at the moment into one transaction (group commit): one durable commit carries
//! up to `BATCH_COMMANDS_MAX` requests. Use cases that write other rows too (violations, reversals)
//! call `apply_commands` inside their own transaction. Both paths are the same code.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use domain::ledger::{
    Account, AccountCode, Applied, AppliedKind, Hold, HoldState, LEDGER_GENESIS_HASH, LedgerState, Overdraft,
    PLATFORM_SHARDS, TransferError, TransferOp, platform_shard, transfer_hash,
};
use domain::money::Amount;
use sha2::{Digest, Sha256};
use store::ledger::{self as rows, AccountRow, HoldRow, IdempotencyRow, TransferRow};
use store::{Db, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::{AppError, AppResult, Code};

/// Requests one commit carries at most.
pub const BATCH_COMMANDS_MAX: usize = 256;
/// Requests waiting for the engine at most; more wait for a place (back-pressure).
const QUEUE_COMMANDS_MAX: usize = 8_192;
/// Scheduler turns the engine waits at most for more requests to join a batch (see `gather`).
const GATHER_TURNS_MAX: usize = 16;
/// Turns in a row that bring no request after which the batch goes as it is.
const GATHER_IDLE_TURNS_MAX: usize = 2;
/// Longest accepted `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_LENGTH_MAX: usize = 128;

/// An account named by what it is; resolved to a row id before deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRef {
    /// A shop's account, by row id.
    Row(i64),
    /// A platform account; `key` picks its shard (usually the shop id).
    Platform(AccountCode, u64),
}

/// One transfer a command asks for.
#[derive(Debug, Clone)]
pub struct Movement {
    pub op: MovementOp,
    /// Why the money moves (`top_up`, `penalty`, `compensation`, `penalty_reversal`, ...).
    pub reason: &'static str,
    /// The outside reference: a payment reference, a violation id.
    pub reference: String,
    pub shop_id: Option<i64>,
    pub merchant_id: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub enum MovementOp {
    Post { debit: AccountRef, credit: AccountRef, amount: Amount, overdraft: Overdraft },
    Hold { debit: AccountRef, credit: AccountRef, amount: Amount },
    PostHold { hold_id: i64, amount: Option<Amount> },
    VoidHold { hold_id: i64 },
}

/// A request's `Idempotency-Key`, scoped to its caller, with a fingerprint of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyClaim {
    /// Checks the header and fingerprints the request (method, path and body).
    pub fn parse(
        scope: String,
        key: Option<&str>,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> AppResult<IdempotencyClaim> {
        let key = key.map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| {
            AppError::new(Code::IdempotencyKeyRequired, "send an Idempotency-Key header with this request")
        })?;
        if key.len() > IDEMPOTENCY_KEY_LENGTH_MAX || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(AppError::new(
                Code::InvalidField,
                "Idempotency-Key must be 1-128 visible ASCII characters",
            ));
        }
        let mut hasher = Sha256::new();
        for part in [method.as_bytes(), path.as_bytes(), body] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Ok(IdempotencyClaim { scope, key: key.to_owned(), request_hash: hex::encode(hasher.finalize()) })
    }
}

/// One money-moving request: its movements succeed together or not at all.
#[derive(Debug, Clone)]
pub struct MoneyCommand {
    pub movements: Vec<Movement>,
    pub claim: Option<IdempotencyClaim>,
    /// The account whose balance after the command is reported back (the shop's deposit).
    pub report_account: Option<i64>,
    /// An id the use case created with the command (a violation), kept with the key for replays.
    pub subject_id: Option<i64>,
    pub merchant_id: Option<i64>,
}

impl MoneyCommand {
    /// One movement without an idempotency key (the caller's own state makes it happen once).
    pub fn single(movement: Movement, merchant_id: i64) -> MoneyCommand {
        MoneyCommand::many(vec![movement], merchant_id)
    }

    /// Movements applied together (all or none), without an idempotency key.
    pub fn many(movements: Vec<Movement>, merchant_id: i64) -> MoneyCommand {
        MoneyCommand {
            movements,
            claim: None,
            report_account: None,
            subject_id: None,
            merchant_id: Some(merchant_id),
        }
    }
}

/// What a command did. A replay answers exactly what the first request answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyOutcome {
    pub transfer_ids: Vec<i64>,
    pub balance_fen: Option<i64>,
    pub subject_id: Option<i64>,
    pub replayed: bool,
}

impl MoneyOutcome {
    fn encode(&self) -> String {
        let ids: Vec<String> = self.transfer_ids.iter().map(i64::to_string).collect();
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        format!("ok|{}|{}|{}", ids.join(","), opt(self.balance_fen), opt(self.subject_id))
    }

    fn decode(text: &str) -> Option<Result<MoneyOutcome, AppError>> {
        let parts: Vec<&str> = text.split('|').collect();
        match parts.as_slice() {
            ["ok", ids, balance, subject] => {
                let transfer_ids = ids
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .ok()?;
                let opt = |s: &str| if s.is_empty() { Ok(None) } else { s.parse().map(Some) };
                Some(Ok(MoneyOutcome {
                    transfer_ids,
                    balance_fen: opt(balance).ok()?,
                    subject_id: opt(subject).ok()?,
                    replayed: true,
                }))
            }
            ["err", code, detail] => {
                let code = Code::ALL.iter().copied().find(|c| c.as_str() == *code)?;
                Some(Err(AppError::new(code, *detail)))
            }
            _ => None,
        }
    }
}

fn encode_error(error: &AppError) -> String {
    format!("err|{}|{}", error.code.as_str(), error.detail.replace('|', "/"))
}

fn refusal(error: TransferError) -> AppError {
    match error {
        TransferError::InsufficientFunds { available, requested, .. } => AppError::new(
            Code::InsufficientFunds,
            format!("{requested} fen requested, {available} fen available"),
        ),
        TransferError::HoldAlreadyResolved(id) => {
            AppError::new(Code::AlreadyDecided, format!("hold {id} was already resolved"))
        }
        TransferError::PostExceedsHold { held, requested } => {
            AppError::new(Code::InvalidAmount, format!("{requested} fen is more than the {held} fen held"))
        }
        other => AppError::internal(&other),
    }
}

/// A stored account as the ledger state machine's `Account`, whose `balance`, `held` and
/// `available` are the one reading of its counters.
pub(crate) fn account_from_row(row: &AccountRow) -> AppResult<Account> {
    let code = AccountCode::parse(&row.code)
        .map_err(|_| AppError::internal(&format!("account {} has code {}", row.id, row.code)))?;
    Ok(Account {
        id: row.id,
        code,
        debits_posted: row.debits_posted,
        credits_posted: row.credits_posted,
        debits_pending: row.debits_pending,
        credits_pending: row.credits_pending,
    })
}

fn hold_from_row(row: &HoldRow) -> Hold {
    let state = match row.state.as_str() {
        "pending" => HoldState::Pending,
        "posted" => HoldState::Posted { amount: row.posted_fen },
        _ => HoldState::Voided,
    };
    Hold {
        id: row.id,
        debit: row.debit_account_id,
        credit: row.credit_account_id,
        amount: row.amount_fen,
        state,
    }
}

/// The platform accounts' row ids, by (code, shard); created at start-up.
#[derive(Debug, Default)]
pub struct PlatformAccounts {
    ids: HashMap<(AccountCode, u32), i64>,
}

impl PlatformAccounts {
    pub async fn load(db: &Db) -> AppResult<PlatformAccounts> {
        let codes: Vec<&str> =
            AccountCode::ALL.iter().filter(|c| c.is_platform()).map(|c| c.as_str()).collect();
        let mut tx = db.begin().await?;
        let found = rows::ensure_platform_accounts(&mut tx, &codes, PLATFORM_SHARDS).await?;
        tx.commit().await?;
        let mut ids = HashMap::new();
        for row in found {
            if let (Ok(code), Ok(shard)) = (AccountCode::parse(&row.code), u32::try_from(row.shard)) {
                ids.insert((code, shard), row.id);
            }
        }
        Ok(PlatformAccounts { ids })
    }

    pub(crate) fn resolve(&self, account: AccountRef) -> AppResult<i64> {
        match account {
            AccountRef::Row(id) => Ok(id),
            AccountRef::Platform(code, key) => {
                let shard = platform_shard(key);
                self.ids
                    .get(&(code, shard))
                    .copied()
                    .ok_or_else(|| AppError::internal(&format!("no platform account {code:?}/{shard}")))
            }
        }
    }

    /// Every shard's row id of a platform account code.
    pub fn shards(&self, code: AccountCode) -> Vec<i64> {
        let mut ids: Vec<i64> = self.ids.iter().filter(|((c, _), _)| *c == code).map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids
    }
}

fn resolve_op(platform: &PlatformAccounts, op: MovementOp) -> AppResult<TransferOp> {
    Ok(match op {
        MovementOp::Post { debit, credit, amount, overdraft } => TransferOp::Post {
            debit: platform.resolve(debit)?,
            credit: platform.resolve(credit)?,
            amount,
            overdraft,
        },
        MovementOp::Hold { debit, credit, amount } => {
            TransferOp::Hold { debit: platform.resolve(debit)?, credit: platform.resolve(credit)?, amount }
        }
        MovementOp::PostHold { hold_id, amount } => TransferOp::PostHold { hold_id, amount },
        MovementOp::VoidHold { hold_id } => TransferOp::VoidHold { hold_id },
    })
}

/// What each command of a batch is, once the stored keys are known.
enum Plan {
    Replay(Result<MoneyOutcome, AppError>),
    SameKeyAs(usize),
    Decide(Vec<TransferOp>),
    Failed(AppError),
}

/// Why a whole batch could not be written.
#[derive(Debug)]
pub enum BatchError {
    /// Another transaction stored one of the batch's idempotency keys first (another server, or a
    /// concurrent request with the same key). The transaction is spoiled: retry in a new one, which
    /// then finds the key and answers the stored outcome.
    KeyConflict,
    /// A batch decided without reading the stored keys (`KeyLookup::AssumeNew`) met one that was
    /// stored: decide it again, reading them.
    KeysStored,
    Other(AppError),
}

/// Whether a batch reads the stored idempotency keys before deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyLookup {
    /// Read them: a retried request gets its stored outcome.
    Stored,
    /// Assume every key is new and let the write tell (PostgreSQL's engine: a retry is rare, and
    /// the lookup is a round trip and an index probe per key in every batch). A stored key
    /// turns the batch into `BatchError::KeysStored`, and it is decided again with `Stored`.
    AssumeNew,
}

impl From<StoreError> for BatchError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict => BatchError::KeyConflict,
            other => BatchError::Other(other.into()),
        }
    }
}

impl From<AppError> for BatchError {
    fn from(error: AppError) -> Self {
        BatchError::Other(error)
    }
}

impl From<BatchError> for AppError {
    fn from(error: BatchError) -> Self {
        match error {
            BatchError::KeyConflict => AppError::internal(&"an idempotency key conflicted again on retry"),
            BatchError::KeysStored => AppError::internal(&"a batch that read its keys found them stored"),
            BatchError::Other(error) => error,
        }
    }
}

/// Runs a money use case that stores an idempotency key; when a concurrent request stored the
/// same key first, runs it once more, which then answers that request's outcome.
pub(crate) async fn retry_on_key_conflict<T, F, Fut>(mut attempt: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BatchError>>,
{
    match attempt().await {
        Err(BatchError::KeyConflict) => Ok(attempt().await?),
        other => Ok(other?),
    }
}

impl crate::App {
    /// Applies one command inside the caller's transaction and answers its outcome.
    /// The row id of an account reference (a platform account's shard, or the row itself).
    pub(crate) fn account_id(&self, account: AccountRef) -> AppResult<i64> {
        self.platform.resolve(account)
    }

    pub(crate) async fn apply_one(
        &self,
        tx: &mut store::WriteTx,
        command: MoneyCommand,
        now_ms: i64,
    ) -> Result<MoneyOutcome, BatchError> {
        let mut results = apply_commands(tx, self.db().backend(), &self.platform, &[command], now_ms).await?;
        Ok(results.pop().unwrap_or_else(|| Err(AppError::internal(&"no result")))?)
    }
}

/// Decides and writes a batch of commands in the caller's transaction; answers one result per
/// command, in order. A refused command changes nothing; its refusal is kept with its key so a
/// retry answers the same.
pub async fn apply_commands(
    tx: &mut store::WriteTx,
    backend: store::Backend,
    platform: &PlatformAccounts,
    commands: &[MoneyCommand],
    now_ms: i64,
) -> Result<Vec<AppResult<MoneyOutcome>>, BatchError> {
    let cache = AccountCache::default();
    let (results, _) =
        apply_batch(tx, backend, platform, commands, now_ms, &cache, KeyLookup::Stored).await?;
    Ok(results)
}

/// The accounts a batch left behind and the chain head it wrote: what the engine's cache keeps
/// once the batch has committed.
struct Written {
    began_at_seq: i64,
    head_seq: i64,
    accounts: Vec<AccountRow>,
}

/// The engine's copy of the accounts it wrote last. It is valid only while the chain head is
/// the one its last batch wrote: every change to an account's counters is a transfer, and every
/// transfer moves the head, so a head anyone else moved (another process, a use case's own
/// transaction) shows the copy is stale, and it is dropped.
#[derive(Debug, Default)]
struct AccountCache {
    head_seq: Option<i64>,
    accounts: HashMap<i64, AccountRow>,
}

/// Accounts the cache holds at most; a batch that touches more starts it again.
const CACHED_ACCOUNTS_MAX: usize = 100_000;

impl AccountCache {
    /// The cached rows of `ids` when the cache matches the locked head `seq`, and the ids to load.
    fn lookup(&self, seq: i64, ids: &BTreeSet<i64>) -> (Vec<AccountRow>, Vec<i64>) {
        if self.head_seq != Some(seq) {
            return (Vec::new(), ids.iter().copied().collect());
        }
        let mut hits = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.accounts.get(id) {
                Some(row) => hits.push(row.clone()),
                None => missing.push(*id),
            }
        }
        (hits, missing)
    }

    /// After a commit: the batch's accounts as it left them, valid at the head it wrote.
    fn committed(&mut self, written: Written) {
        // Rows cached at another head than the one the batch began from may be stale.
        if self.head_seq != Some(written.began_at_seq)
            || self.accounts.len() + written.accounts.len() > CACHED_ACCOUNTS_MAX
        {
            self.accounts.clear();
        }
        self.head_seq = Some(written.head_seq);
        for row in written.accounts {
            self.accounts.insert(row.id, row);
        }
    }

    fn clear(&mut self) {
        self.head_seq = None;
        self.accounts.clear();
    }
}

async fn apply_batch(
    tx: &mut store::WriteTx,
    backend: store::Backend,
    platform: &PlatformAccounts,
    commands: &[MoneyCommand],
    now_ms: i64,
    cache: &AccountCache,
    lookup: KeyLookup,
) -> Result<(Vec<AppResult<MoneyOutcome>>, Written), BatchError> {
    let plans = plan(tx, platform, commands, lookup).await?;
    let mut account_ids = BTreeSet::new();
    let mut hold_ids = BTreeSet::new();
    for (command, plan) in commands.iter().zip(&plans) {
        if let Plan::Decide(ops) = plan {
            // The reported account is loaded even when no movement touches it (a zero penalty).
            account_ids.extend(command.report_account);
            for op in ops {
                match *op {
                    TransferOp::Post { debit, credit, .. } | TransferOp::Hold { debit, credit, .. } => {
                        account_ids.insert(debit);
                        account_ids.insert(credit);
                    }
                    TransferOp::PostHold { hold_id, .. } | TransferOp::VoidHold { hold_id } => {
                        hold_ids.insert(hold_id);
                    }
                }
            }
        }
    }
    let hold_rows = rows::load_holds(tx, backend, &hold_ids.iter().copied().collect::<Vec<_>>()).await?;
    for hold in &hold_rows {
        account_ids.insert(hold.debit_account_id);
        account_ids.insert(hold.credit_account_id);
    }
    // The chain head's lock serialises every writer of account counters, so the accounts are
    // read after it (from the cache when nothing moved the head since this engine wrote it).
    let (mut seq, mut hash) = rows::lock_chain_head(tx).await?;
    let chain_start = seq;
    let (mut account_rows, missing) = cache.lookup(seq, &account_ids);
    account_rows.extend(rows::load_accounts(tx, backend, &missing).await?);
    account_rows.sort_unstable_by_key(|row| row.id);
    let accounts: Vec<Account> = account_rows.iter().map(account_from_row).collect::<AppResult<_>>()?;
    let mut state = LedgerState::new(accounts, hold_rows.iter().map(hold_from_row));
    let totals_before = state.totals();

    let mut results: Vec<AppResult<MoneyOutcome>> = Vec::with_capacity(commands.len());
    let mut transfers: Vec<TransferRow> = Vec::new();
    let mut idempotency: Vec<IdempotencyRow> = Vec::new();
    for (command, plan) in commands.iter().zip(plans) {
        // A key is stored by the command that decided it, never by a replay of it.
        let (result, record_key) = match plan {
            Plan::Replay(result) => (result, false),
            Plan::Failed(error) => (Err(error), true),
            Plan::SameKeyAs(first) => (
                same_key_result(&results[first], commands[first].claim.as_ref(), command.claim.as_ref()),
                false,
            ),
            Plan::Decide(ops) => {
                // A refused transfer changes nothing, so only a command of several transfers
                // keeps the state to undo the ones before the refusal.
                let snapshot = (ops.len() > 1).then(|| (state.clone(), seq, hash.clone(), transfers.len()));
                let result = decide(&mut state, command, &ops, &mut seq, &mut hash, now_ms, &mut transfers);
                if let (Err(_), Some(snapshot)) = (&result, snapshot) {
                    state = snapshot.0;
                    seq = snapshot.1;
                    hash = snapshot.2;
                    transfers.truncate(snapshot.3);
                }
                (result, true)
            }
        };
        if let (Some(claim), true) = (&command.claim, record_key) {
            let outcome = match &result {
                Ok(outcome) => outcome.encode(),
                Err(error) => encode_error(error),
            };
            idempotency.push(IdempotencyRow {
                scope: claim.scope.clone(),
                idem_key: claim.key.clone(),
                request_hash: claim.request_hash.clone(),
                outcome,
                transfer_seq: result.as_ref().ok().and_then(|o| o.transfer_ids.first().copied()),
                merchant_id: command.merchant_id,
                created_at_ms: now_ms,
            });
        }
        results.push(result);
    }

    // Assertions for bugs: a batch moves money between accounts, it never creates or destroys any,
    // and a transfer touching a shop's account names the shop (its statement reads by shop).
    assert_eq!(state.totals(), totals_before, "a batch changed the sum of balances");
    let shop_of = shops_of(&account_rows);
    for transfer in &transfers {
        assert_eq!(shop_mismatch(&shop_of, transfer), None, "transfer {} names the wrong shop", transfer.seq);
    }
    assert_eq!(seq - chain_start, transfers.len() as i64, "one chain link per transfer");
    let head = (seq != chain_start).then_some((seq, hash.as_str()));
    match write(tx, backend, &account_rows, &state, &transfers, &idempotency, head).await {
        // A key of the batch is stored: when the keys were not read, most likely by an earlier
        // request (a retry); when they were, by a transaction that stored it since.
        Err(BatchError::KeyConflict) if lookup == KeyLookup::AssumeNew => return Err(BatchError::KeysStored),
        other => other?,
    }
    let accounts =
        account_rows.iter().filter_map(|row| state.account(row.id).map(|now| row_of(row, now))).collect();
    Ok((results, Written { began_at_seq: chain_start, head_seq: seq, accounts }))
}

/// The account of a shop that `transfer` touches without naming that shop, if any.
fn shop_mismatch(shop_of: &HashMap<i64, i64>, transfer: &TransferRow) -> Option<i64> {
    [transfer.debit_account_id, transfer.credit_account_id]
        .into_iter()
        .find(|id| shop_of.get(id).is_some_and(|shop| transfer.shop_id != Some(*shop)))
}

/// The shop of each shop account among `accounts`.
fn shops_of(accounts: &[AccountRow]) -> HashMap<i64, i64> {
    accounts.iter().filter_map(|a| Some((a.id, a.shop_id?))).collect()
}

/// A loaded account row with the counters `now` holds.
fn row_of(row: &AccountRow, now: &Account) -> AccountRow {
    AccountRow {
        debits_posted: now.debits_posted,
        credits_posted: now.credits_posted,
        debits_pending: now.debits_pending,
        credits_pending: now.credits_pending,
        ..row.clone()
    }
}

/// A later command with an earlier command's key gets the earlier result when it is the same request.
fn same_key_result(
    first: &AppResult<MoneyOutcome>,
    first_claim: Option<&IdempotencyClaim>,
    claim: Option<&IdempotencyClaim>,
) -> AppResult<MoneyOutcome> {
    if first_claim.map(|c| &c.request_hash) != claim.map(|c| &c.request_hash) {
        return Err(AppError::new(
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used with a different request",
        ));
    }
    match first {
        Ok(outcome) => Ok(MoneyOutcome { replayed: true, ..outcome.clone() }),
        Err(error) => Err(error.clone()),
    }
}

/// What a stored key answers to a request carrying it: the first outcome for the same request.
fn replay_of(row: &IdempotencyRow, claim: &IdempotencyClaim) -> AppResult<MoneyOutcome> {
    if row.request_hash != claim.request_hash {
        return Err(AppError::new(
            Code::IdempotencyKeyReused,
            "this Idempotency-Key was used with a different request",
        ));
    }
    MoneyOutcome::decode(&row.outcome).unwrap_or_else(|| {
        Err(AppError::internal(&format!("stored outcome {:?} does not parse", row.outcome)))
    })
}

/// The answer a request's key already has, when it was stored before (a retry): for use cases
/// that must tell a retry from a second request before they write anything.
pub(crate) async fn stored_outcome(
    tx: &mut store::WriteTx,
    claim: &IdempotencyClaim,
) -> AppResult<Option<AppResult<MoneyOutcome>>> {
    let keys = [(claim.scope.clone(), claim.key.clone())];
    let stored = rows::find_idempotency(tx, &keys).await?;
    Ok(stored
        .iter()
        .find(|r| r.scope == claim.scope && r.idem_key == claim.key)
        .map(|row| replay_of(row, claim)))
}

async fn plan(
    tx: &mut store::WriteTx,
    platform: &PlatformAccounts,
    commands: &[MoneyCommand],
    lookup: KeyLookup,
) -> AppResult<Vec<Plan>> {
    let stored = match lookup {
        KeyLookup::Stored => {
            let keys: Vec<(String, String)> = commands
                .iter()
                .filter_map(|c| c.claim.as_ref().map(|k| (k.scope.clone(), k.key.clone())))
                .collect();
            rows::find_idempotency(tx, &keys).await?
        }
        KeyLookup::AssumeNew => Vec::new(),
    };
    let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
    let mut plans = Vec::with_capacity(commands.len());
    for (index, command) in commands.iter().enumerate() {
        if let Some(claim) = &command.claim {
            if let Some(row) = stored.iter().find(|r| r.scope == claim.scope && r.idem_key == claim.key) {
                plans.push(Plan::Replay(replay_of(row, claim)));
                continue;
            }
            if let Some(first) = first_with_key.get(&(claim.scope.as_str(), claim.key.as_str())) {
                plans.push(Plan::SameKeyAs(*first));
                continue;
            }
            first_with_key.insert((claim.scope.as_str(), claim.key.as_str()), index);
        }
        let ops: AppResult<Vec<TransferOp>> =
            command.movements.iter().map(|m| resolve_op(platform, m.op)).collect();
        plans.push(match ops {
            Ok(ops) => Plan::Decide(ops),
            Err(error) => Plan::Failed(error),
        });
    }
    Ok(plans)
}

/// Applies one command's movements; on a refusal the caller restores the snapshot.
fn decide(
    state: &mut LedgerState,
    command: &MoneyCommand,
    ops: &[TransferOp],
    seq: &mut i64,
    hash: &mut String,
    now_ms: i64,
    transfers: &mut Vec<TransferRow>,
) -> AppResult<MoneyOutcome> {
    let mut transfer_ids = Vec::with_capacity(ops.len());
    for (movement, op) in command.movements.iter().zip(ops) {
        let id = *seq + 1;
        let applied = state.apply(id, op).map_err(refusal)?;
        let balance_of = |account: i64| state.account(account).map(|a| a.balance().get()).unwrap_or_default();
        let link = transfer_hash(hash, id, &applied, now_ms);
        transfers.push(transfer_row(
            &applied,
            movement,
            balance_of(applied.debit),
            balance_of(applied.credit),
            now_ms,
            &link,
        ));
        *seq = id;
        *hash = link;
        transfer_ids.push(id);
    }
    let balance_fen = command.report_account.and_then(|id| state.account(id)).map(|a| a.balance().get());
    Ok(MoneyOutcome { transfer_ids, balance_fen, subject_id: command.subject_id, replayed: false })
}

fn transfer_row(
    applied: &Applied,
    movement: &Movement,
    debit_after: i64,
    credit_after: i64,
    at_ms: i64,
    hash: &str,
) -> TransferRow {
    let released = match applied.kind {
        AppliedKind::HoldPosted { released } => released,
        _ => 0,
    };
    TransferRow {
        seq: applied.transfer_id,
        kind: applied.kind.as_str().to_owned(),
        debit_account_id: applied.debit,
        credit_account_id: applied.credit,
        amount_fen: applied.amount,
        released_fen: released,
        hold_id: applied.hold_id,
        debit_balance_after_fen: debit_after,
        credit_balance_after_fen: credit_after,
        reason: movement.reason.to_owned(),
        reference: movement.reference.clone(),
        shop_id: movement.shop_id,
        merchant_id: movement.merchant_id,
        at_ms,
        hash: hash.to_owned(),
    }
}

/// Writes a decided batch (a key already stored fails it with `BatchError::KeyConflict`).
async fn write(
    tx: &mut store::WriteTx,
    backend: store::Backend,
    loaded: &[AccountRow],
    state: &LedgerState,
    transfers: &[TransferRow],
    idempotency: &[IdempotencyRow],
    head: Option<(i64, &str)>,
) -> Result<(), BatchError> {
    let changed: Vec<AccountRow> = loaded
        .iter()
        .filter_map(|row| {
            let now = state.account(row.id)?;
            let moved = (now.debits_posted, now.credits_posted, now.debits_pending, now.credits_pending)
                != (row.debits_posted, row.credits_posted, row.debits_pending, row.credits_pending);
            moved.then(|| row_of(row, now))
        })
        .collect();
    write_holds(tx, transfers).await?;
    match (backend, head) {
        (store::Backend::Postgres, Some(head)) => {
            let batch = rows::BatchRows { transfers, accounts: &changed, idempotency, head };
            let written = rows::write_batch_postgres(tx, batch).await?;
            assert_eq!(written.accounts, changed.len() as u64, "every account of the batch exists");
            assert_eq!(written.keys, idempotency.len() as u64, "every key of the batch went in");
            Ok(())
        }
        _ => {
            rows::insert_transfers(tx, transfers).await?;
            rows::update_accounts(tx, &changed).await?;
            rows::insert_idempotency(tx, idempotency).await?;
            if let Some((seq, hash)) = head {
                rows::set_chain_head(tx, seq, hash).await?;
            }
            Ok(())
        }
    }
}

/// The holds a batch's transfers create or resolve.
async fn write_holds(tx: &mut store::WriteTx, transfers: &[TransferRow]) -> Result<(), BatchError> {
    for transfer in transfers {
        let Some(hold_id) = transfer.hold_id else { continue };
        match transfer.kind.as_str() {
            "hold_created" => {
                let hold = HoldRow {
                    id: hold_id,
                    debit_account_id: transfer.debit_account_id,
                    credit_account_id: transfer.credit_account_id,
                    amount_fen: transfer.amount_fen,
                    state: "pending".into(),
                    posted_fen: 0,
                    resolved_seq: None,
                    merchant_id: transfer.merchant_id,
                };
                rows::insert_hold(tx, &hold).await?;
            }
            kind => {
                let (state, posted) =
                    if kind == "hold_posted" { ("posted", transfer.amount_fen) } else { ("voided", 0) };
                let resolved = rows::resolve_hold(tx, hold_id, state, posted, transfer.seq).await?;
                assert!(resolved, "hold {hold_id} resolved twice");
            }
        }
    }
    Ok(())
}

struct Job {
    command: MoneyCommand,
    reply: oneshot::Sender<AppResult<MoneyOutcome>>,
}

/// The group-commit task of this process.
#[derive(Clone)]
pub struct LedgerEngine {
    sender: mpsc::Sender<Job>,
}

impl std::fmt::Debug for LedgerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerEngine")
    }
}

impl LedgerEngine {
    pub fn start(db: Db, platform: Arc<PlatformAccounts>, clock: Arc<dyn crate::Clock>) -> LedgerEngine {
        let (sender, receiver) = mpsc::channel(QUEUE_COMMANDS_MAX);
        tokio::spawn(run_engine(db, platform, clock, receiver));
        LedgerEngine { sender }
    }

    /// Queues a command and waits for the commit that carries it.
    pub async fn submit(&self, command: MoneyCommand) -> AppResult<MoneyOutcome> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { command, reply })
            .await
            .map_err(|_| AppError::internal(&"the ledger engine stopped"))?;
        answer.await.map_err(|_| AppError::internal(&"the ledger engine dropped a request"))?
    }
}

async fn run_engine(
    db: Db,
    platform: Arc<PlatformAccounts>,
    clock: Arc<dyn crate::Clock>,
    mut receiver: mpsc::Receiver<Job>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_COMMANDS_MAX);
    let mut cache = AccountCache::default();
    while receiver.recv_many(&mut batch, BATCH_COMMANDS_MAX).await > 0 {
        gather(&mut receiver, &mut batch).await;
        let (commands, replies): (Vec<MoneyCommand>, Vec<_>) =
            batch.drain(..).map(|job| (job.command, job.reply)).unzip();
        let lookup = match db.backend() {
            store::Backend::Postgres => KeyLookup::AssumeNew,
            store::Backend::Sqlite => KeyLookup::Stored,
        };
        let mut done = commit_batch(&db, &platform, clock.as_ref(), &commands, &cache, lookup).await;
        if matches!(done, Err(BatchError::KeysStored)) {
            done = commit_batch(&db, &platform, clock.as_ref(), &commands, &cache, KeyLookup::Stored).await;
        }
        let results = match done {
            Ok((results, written)) => {
                cache.committed(written);
                results
            }
            // Another server committed one of these keys first: decide each command on its own,
            // so the retried ones find that key and the others are not held back.
            Err(BatchError::KeyConflict) => {
                cache.clear();
                let mut results = Vec::with_capacity(commands.len());
                for command in &commands {
                    let single = std::slice::from_ref(command);
                    let one =
                        commit_batch(&db, &platform, clock.as_ref(), single, &cache, KeyLookup::Stored).await;
                    results.push(match one {
                        Ok((mut result, written)) => {
                            cache.committed(written);
                            result.pop().unwrap_or_else(|| Err(AppError::internal(&"empty batch result")))
                        }
                        Err(error) => {
                            cache.clear();
                            Err(error.into())
                        }
                    });
                }
                results
            }
            Err(error) => {
                cache.clear();
                let error: AppError = error.into();
                commands.iter().map(|_| Err(error.clone())).collect()
            }
        };
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Lets requests about to arrive join the batch before it is decided: the clients the last
/// commit answered are runnable and send their next request within a few turns of the scheduler.
/// Stops at the first turn that brings nothing, so a lone request waits for no one.
async fn gather(receiver: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    let mut idle_turns = 0;
    for _ in 0..GATHER_TURNS_MAX {
        tokio::task::yield_now().await;
        let before = batch.len();
        while batch.len() < BATCH_COMMANDS_MAX {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        idle_turns = if batch.len() == before { idle_turns + 1 } else { 0 };
        if idle_turns == GATHER_IDLE_TURNS_MAX || batch.len() >= BATCH_COMMANDS_MAX {
            return;
        }
    }
}

async fn commit_batch(
    db: &Db,
    platform: &PlatformAccounts,
    clock: &dyn crate::Clock,
    commands: &[MoneyCommand],
    cache: &AccountCache,
    lookup: KeyLookup,
) -> Result<(Vec<AppResult<MoneyOutcome>>, Written), BatchError> {
    let mut tx = db.begin_bulk().await?;
    let done = apply_batch(&mut tx, db.backend(), platform, commands, clock.now_ms(), cache, lookup).await?;
    tx.commit().await?;
    Ok(done)
}

/// Verification of the whole ledger: the chain, every account against the replay of its transfers,
/// the totals, the holds and the idempotency keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerReport {
    Valid {
        transfers: i64,
        accounts: usize,
        keys: i64,
    },
    Broken(String),
    /// The ledger holds together, but business invariants (`invariants::check`) do not: one line
    /// each.
    Invariants(Vec<String>),
}

impl LedgerReport {
    /// What is wrong, one line each (empty when valid).
    pub fn problems(&self) -> Vec<String> {
        match self {
            LedgerReport::Valid { .. } => Vec::new(),
            LedgerReport::Broken(why) => vec![why.clone()],
            LedgerReport::Invariants(lines) => lines.clone(),
        }
    }
}

const VERIFY_PAGE_TRANSFERS: i64 = 5_000;

pub async fn verify(db: &Db) -> AppResult<LedgerReport> {
    let mut conn = db.read().await?;
    let account_rows = rows::all_accounts(&mut conn).await?;
    let accounts: Vec<Account> = account_rows.iter().map(account_from_row).collect::<AppResult<_>>()?;
    let mut applied = Vec::new();
    let mut running = (0_i64, LEDGER_GENESIS_HASH.to_owned());
    let shop_of = shops_of(&account_rows);
    loop {
        let page = rows::transfers_after(&mut conn, running.0, VERIFY_PAGE_TRANSFERS).await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            if let Some(account) = shop_mismatch(&shop_of, row) {
                return Ok(LedgerReport::Broken(format!(
                    "transfer seq={} touches account {account} of another shop than {:?}",
                    row.seq, row.shop_id
                )));
            }
            let kind = match row.kind.as_str() {
                "posted" => AppliedKind::Posted,
                "hold_created" => AppliedKind::HoldCreated,
                "hold_posted" => AppliedKind::HoldPosted { released: row.released_fen },
                "hold_voided" => AppliedKind::HoldVoided,
                other => {
                    return Ok(LedgerReport::Broken(format!(
                        "transfer seq={} has unknown kind {other}",
                        row.seq
                    )));
                }
            };
            let one = Applied {
                transfer_id: row.seq,
                debit: row.debit_account_id,
                credit: row.credit_account_id,
                amount: row.amount_fen,
                kind,
                hold_id: row.hold_id,
            };
            match domain::ledger::verify_transfer_link(
                (running.0, &running.1),
                row.seq,
                &one,
                row.at_ms,
                &row.hash,
            ) {
                Ok(hash) => running = (row.seq, hash),
                Err(broken) => {
                    return Ok(LedgerReport::Broken(format!("transfer seq={}: {broken:?}", row.seq)));
                }
            }
            applied.push(one);
        }
    }
    let head = rows::chain_head(&mut conn).await?;
    if head != running {
        return Ok(LedgerReport::Broken(format!(
            "the chain head says seq={} but the last transfer is seq={}",
            head.0, running.0
        )));
    }
    if let Err(broken) = domain::ledger::replay(&accounts, &applied) {
        return Ok(LedgerReport::Broken(format!("account counters differ from their transfers: {broken:?}")));
    }
    if let Err(broken) = domain::ledger::check_totals(&accounts) {
        return Ok(LedgerReport::Broken(format!("totals: {broken:?}")));
    }
    let holds: Vec<Hold> = rows::all_holds(&mut conn).await?.iter().map(hold_from_row).collect();
    if let Err(broken) = domain::ledger::check_holds(&accounts, &holds) {
        return Ok(LedgerReport::Broken(format!("holds: {broken:?}")));
    }
    let twice = rows::transfers_claimed_twice(&mut conn).await?;
    if let Some(seq) = twice.first() {
        return Ok(LedgerReport::Broken(format!("transfer seq={seq} is claimed by two idempotency keys")));
    }
    let problems = crate::invariants::check(&mut conn).await?;
    if !problems.is_empty() {
        return Ok(LedgerReport::Invariants(problems));
    }
    let keys = rows::count_idempotency(&mut conn).await?;
    Ok(LedgerReport::Valid { transfers: running.0, accounts: accounts.len(), keys })
}

impl crate::App {
    /// Verifies every ledger invariant (see `verify`).
    pub async fn verify_ledger(&self) -> AppResult<LedgerReport> {
        verify(self.db()).await
    }
}
