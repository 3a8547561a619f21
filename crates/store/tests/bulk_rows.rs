//! The bulk paths that pass a batch as one JSON parameter and read rows back as one JSON value
//! (`json_rows`) write and read the same rows on both engines: conversations opened once,
//! messages stored once by id with texts and NULLs intact, conversation state saved, feed events
//! appended in order and removed by age; a ledger batch (one statement of array literals on
//! PostgreSQL) written and read back with its texts and NULLs intact, a stored key refused.

use domain::private_messages::ConversationStatus;
use store::ledger::{self, AccountRow, BatchRows, IdempotencyRow, TransferRow};
use store::private_messages::{self as pm, NewMessage};
use store::{StoreError, feed};
use test_support::{Backend, TestDb};

const NOW: i64 = 1_780_000_000_000;

fn message<'a>(
    conversation_id: i64,
    external_id: &'a str,
    text: &'a str,
    image: Option<&'a str>,
) -> NewMessage<'a> {
    NewMessage {
        merchant_id: 7,
        account_id: 9,
        conversation_id,
        external_id,
        sender: "user",
        automatic: false,
        sent_by: None,
        rule_id: None,
        text,
        image_ref: image,
        created_at_ms: NOW - 5,
    }
}

async fn story(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.open().await;
    let backend = db.backend();
    let mut tx = db.begin().await.unwrap();
    let users = ["u-1", "u-2", "用户 \"三\""];
    let opened = pm::open_conversations(&mut tx, backend, 7, 9, &users, NOW).await.unwrap();
    assert_eq!(opened.len(), 3);
    let again = pm::open_conversations(&mut tx, backend, 7, 9, &users[..2], NOW + 1).await.unwrap();
    assert_eq!(again.len(), 2, "known users are read, not created again");
    assert!(
        again
            .iter()
            .all(|c| c.created_at_ms == NOW && c.status == ConversationStatus::Open && c.messages == 0)
    );
    let third = opened.iter().find(|c| c.user_id == users[2]).unwrap();

    let texts = ["你好，\"在吗\"\n", "price?\\", ""];
    let batch = [
        message(third.id, "m-1", texts[0], None),
        message(third.id, "m-2", texts[1], Some("img/1.png")),
        message(third.id, "m-1", "a repeat in the batch", None),
    ];
    let inserted = pm::insert_messages(&mut tx, backend, &batch, NOW).await.unwrap();
    let mut ids: Vec<&str> = inserted.iter().map(|(external, _)| external.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["m-1", "m-2"]);
    let replay = pm::insert_messages(&mut tx, backend, &batch[..2], NOW).await.unwrap();
    assert!(replay.is_empty(), "stored ids are skipped");
    let mut own = message(third.id, "xd:1", texts[2], None);
    own.sender = "account";
    own.automatic = true;
    own.sent_by = Some("rule");
    own.rule_id = Some(42);
    assert_eq!(pm::insert_own_messages(&mut tx, &[own], NOW).await.unwrap(), 1);
    let stored = pm::conversation_messages(&mut tx, third.id, 10).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].text, texts[0]);
    assert_eq!(stored[1].image_ref.as_deref(), Some("img/1.png"));
    assert_eq!(
        (stored[2].automatic, stored[2].rule_id, stored[2].sent_by.as_deref()),
        (1, Some(42), Some("rule"))
    );
    assert!(stored.iter().all(|m| m.received_at_ms == NOW && m.merchant_id == 7));

    let mut changed = third.clone();
    changed.messages = 3;
    changed.unread = 2;
    changed.awaiting_since_ms = Some(NOW - 5);
    changed.last_message_at_ms = NOW;
    changed.last_text = texts[0].to_owned();
    changed.away_until_ms = None;
    changed.status = ConversationStatus::Closed;
    changed.closed_at_ms = Some(NOW);
    pm::save_conversations(&mut tx, std::slice::from_ref(&changed)).await.unwrap();
    let read = pm::find_conversation(&mut tx, third.id).await.unwrap().unwrap();
    assert_eq!(read, changed);

    let events =
        vec![(7, "message.reply_created", "{\"a\":\"引号\\\"\"}".to_owned()), (8, "x.y", "{}".to_owned())];
    let first = feed::append_events(&mut tx, &events, NOW).await.unwrap();
    let written = feed::events_after(&mut tx, first - 1, 10).await.unwrap();
    let seen: Vec<(i64, i64, &str, &str)> =
        written.iter().map(|e| (e.id, e.merchant_id, e.event_type.as_str(), e.data.as_str())).collect();
    assert_eq!(
        seen,
        [(first, 7, "message.reply_created", events[0].2.as_str()), (first + 1, 8, "x.y", "{}")]
    );

    // Retention walks from the oldest id (no index by time): what came before the first event
    // at or after the cut goes, the rest stays; with nothing that recent, everything goes.
    let later = feed::append_events(&mut tx, &events[..1], NOW + 1_000).await.unwrap();
    assert_eq!(feed::delete_events_before(&mut tx, NOW + 1).await.unwrap(), 2);
    let kept: Vec<i64> = feed::events_after(&mut tx, 0, 10).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(kept, [later]);
    assert_eq!(feed::delete_events_before(&mut tx, NOW + 1_000).await.unwrap(), 0);
    assert_eq!(feed::delete_events_before(&mut tx, NOW + 2_000).await.unwrap(), 1);
    assert!(feed::events_after(&mut tx, 0, 10).await.unwrap().is_empty());
    tx.commit().await.unwrap();

    ledger_batch(&db).await;
}

/// One ledger batch as the engine writes it, read back field for field.
async fn ledger_batch(db: &store::Db) {
    let mut tx = db.begin().await.unwrap();
    let accounts =
        ledger::ensure_platform_accounts(&mut tx, &["test_debit", "test_credit"], 1).await.unwrap();
    let moved = |row: &AccountRow, debits: i64, credits: i64| AccountRow {
        debits_posted: debits,
        credits_posted: credits,
        ..row.clone()
    };
    let (debit, credit) = (&accounts[0], &accounts[1]);
    let changed = [moved(debit, 500, 0), moved(credit, 0, 500)];
    let transfer = |seq: i64, reference: &str, shop_id: Option<i64>| TransferRow {
        seq,
        kind: "posted".into(),
        debit_account_id: debit.id,
        credit_account_id: credit.id,
        amount_fen: 250,
        released_fen: 0,
        hold_id: None,
        debit_balance_after_fen: -250 * seq,
        credit_balance_after_fen: 250 * seq,
        reason: "top_up".into(),
        reference: reference.into(),
        shop_id,
        merchant_id: Some(7),
        at_ms: NOW,
        hash: format!("hash-{seq}"),
    };
    let transfers = [transfer(1, "付款 \"A-1\" {x},y\\ NULL", None), transfer(2, "", Some(3))];
    let key = |key: &str, seq: Option<i64>| IdempotencyRow {
        scope: "user:1".into(),
        idem_key: key.into(),
        request_hash: "\"{}\\".into(),
        outcome: "ok|1||".into(),
        transfer_seq: seq,
        merchant_id: None,
        created_at_ms: NOW,
    };
    let keys = [key("k-1", Some(1)), key("键 2", None)];
    let batch =
        BatchRows { transfers: &transfers, accounts: &changed, idempotency: &keys, head: (2, "hash-2") };
    write_batch(&mut tx, db.backend(), batch).await.unwrap();

    assert_eq!(ledger::transfers_after(&mut tx, 0, 10).await.unwrap(), transfers);
    let asked = [("user:1".to_owned(), "k-1".to_owned()), ("user:1".to_owned(), "键 2".to_owned())];
    let mut found = ledger::find_idempotency(&mut tx, &asked).await.unwrap();
    found.sort_by(|a, b| a.idem_key.cmp(&b.idem_key));
    assert_eq!(found, keys);
    for account in &changed {
        assert_eq!(ledger::find_account(&mut tx, account.id).await.unwrap().as_ref(), Some(account));
    }
    assert_eq!(ledger::chain_head(&mut tx).await.unwrap(), (2, "hash-2".to_owned()));

    // A key already stored fails the whole write.
    let again = [transfer(3, "x", None)];
    let batch =
        BatchRows { transfers: &again, accounts: &changed, idempotency: &keys[..1], head: (3, "hash-3") };
    assert!(matches!(write_batch(&mut tx, db.backend(), batch).await, Err(StoreError::Conflict)));
}

/// What the ledger engine runs for a batch on each engine.
async fn write_batch(
    tx: &mut store::WriteTx,
    backend: store::Backend,
    batch: BatchRows<'_>,
) -> Result<(), StoreError> {
    match backend {
        store::Backend::Postgres => {
            let written = ledger::write_batch_postgres(tx, batch).await?;
            assert_eq!(
                (written.keys, written.accounts),
                (batch.idempotency.len() as u64, batch.accounts.len() as u64)
            );
        }
        store::Backend::Sqlite => {
            ledger::insert_idempotency(tx, batch.idempotency).await?;
            ledger::insert_transfers(tx, batch.transfers).await?;
            ledger::update_accounts(tx, batch.accounts).await?;
            ledger::set_chain_head(tx, batch.head.0, batch.head.1).await?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn bulk_rows_on_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test]
async fn bulk_rows_on_postgres() {
    story(Backend::Postgres).await;
}
