//! The demo shops' stories, played day by day through the real use cases (see `demo.rs`): a
//! flagship operating with every kind of closure blocker, a shop with an appeal under review, a
//! shop counting down its notice period, one whose closing-day re-check found a buyer's new
//! after-sales case, and closed shops whose deposit refunds are held, in review (one overdue, with
//! a serious violation) and paid.

use domain::closure::ReasonCode;
use store::shops::ShopRow;

use crate::demo::DemoHistory;
use crate::ledger::IdempotencyClaim;
use crate::payouts::PayeeInput;
use crate::shops::NewShopInput;
use crate::violations::NewViolationInput;
use crate::{App, AppError, AppResult, Ctx};

/// The demo merchant's registered entity; its enterprise shops are paid to accounts in this name.
const ENTITY: &str = "杭州小店科技有限公司";

/// The demo's actors.
struct Cast {
    merchant: Ctx,
    reviewer: Ctx,
    service: Ctx,
}

/// A shop that asks to close during the history: its deposit, its one product and order, why it
/// closes, and the violation recorded against it (kind, severity, penalty, evidence).
struct Closing {
    name: &'static str,
    category: &'static str,
    top_up_fen: i64,
    product: (&'static str, i64),
    buyer: &'static str,
    reason: ReasonCode,
    reason_text: &'static str,
    violation: Option<(&'static str, &'static str, i64, &'static str)>,
}

/// A closing shop once opened, with its product and order.
struct Opened {
    shop: ShopRow,
    product_id: i64,
    order_id: i64,
    plan: Closing,
}

fn claim(ctx: &Ctx, key: &str, path: &str) -> AppResult<IdempotencyClaim> {
    IdempotencyClaim::parse(format!("user:{}", ctx.actor.user_id), Some(key), "POST", path, b"demo")
}

fn violation(kind: &str, severity: &str, penalty_fen: i64, evidence: &str) -> NewViolationInput {
    NewViolationInput {
        kind: kind.into(),
        severity: severity.into(),
        penalty_fen,
        beneficiary: "platform".into(),
        buyer_id: None,
        evidence: evidence.into(),
    }
}

impl App {
    async fn demo_shop(
        &self,
        cast: &Cast,
        name: &str,
        category: &str,
        top_up_fen: i64,
    ) -> AppResult<ShopRow> {
        let input = NewShopInput {
            name: name.into(),
            entity_type: "enterprise".into(),
            entity_name: ENTITY.into(),
            category: category.into(),
        };
        let shop = self.create_shop(&cast.merchant, &input).await?;
        let path = format!("/demo/shops/{}/deposit/top-ups", shop.id);
        let key = format!("demo-topup-{}", shop.id);
        let payment_ref = format!("PAY-DEMO-{:04}", shop.id);
        self.top_up(&cast.service, shop.id, top_up_fen, &payment_ref, claim(&cast.service, &key, &path)?)
            .await?;
        Ok(shop)
    }

    async fn demo_payout(&self, cast: &Cast, shop: &ShopRow) -> AppResult<()> {
        let number = format!("6222 0210 {:04} {:04}", 1000 + shop.id, 2000 + shop.id);
        self.set_payout_account(&cast.merchant, shop.id, ENTITY, "招商银行杭州分行", &number).await?;
        Ok(())
    }

    async fn demo_violation(
        &self,
        cast: &Cast,
        shop_id: i64,
        input: &NewViolationInput,
        key: &str,
    ) -> AppResult<i64> {
        let path = format!("/demo/shops/{shop_id}/violations");
        let recorded =
            self.record_violation(&cast.reviewer, shop_id, input, claim(&cast.reviewer, key, &path)?).await?;
        recorded.subject_id.ok_or_else(|| AppError::internal(&"the demo violation has no id"))
    }

    /// A paid order of the order system.
    async fn demo_order(
        &self,
        cast: &Cast,
        shop_id: i64,
        product_id: i64,
        buyer: &str,
        fen: i64,
    ) -> AppResult<i64> {
        Ok(self.create_order(&cast.service, shop_id, product_id, buyer, fen).await?.id)
    }

    async fn demo_close(&self, cast: &Cast, opened: &Opened) -> AppResult<()> {
        let plan = &opened.plan;
        let outcome = self
            .request_closure(
                &cast.merchant,
                opened.shop.id,
                plan.reason.as_str(),
                plan.reason_text,
                plan.name,
            )
            .await?;
        match outcome {
            crate::closure::ClosureOutcome::Notice(_) => Ok(()),
            crate::closure::ClosureOutcome::Blocked(checks) => {
                Err(AppError::internal(&format!("demo shop {} is blocked: {checks:?}", plan.name)))
            }
        }
    }
}

/// The latest closing day, between 9 and 27 days ago, whose refund release day is already past
/// (so the refund reached review) while its due day is not (so it is not overdue yet); holidays
/// move it.
fn review_closing_days_ago(history: &DemoHistory) -> i64 {
    let workdays = history.app.config().refund_release_workdays;
    (9..=27)
        .find(|back| {
            let release = history.app.add_workdays(history.day(*back), workdays).map(|d| d.date);
            release.is_ok_and(|day| day < history.day(0))
        })
        .unwrap_or(20)
}

pub(crate) async fn play(history: &mut DemoHistory) -> AppResult<()> {
    let app = history.app.clone();
    let cast = Cast {
        merchant: app.demo_ctx("merchant").await?,
        reviewer: app.demo_ctx("reviewer").await?,
        service: app.demo_ctx("service").await?,
    };

    // Half a year ago every shop opens (once one has closed, the same entity could not open more
    // until its refund is six months settled).
    let flagship = app.demo_shop(&cast, "杭州小店旗舰店", "apparel", 200_000).await?;
    app.demo_payout(&cast, &flagship).await?;
    let mut flagship_products = Vec::new();
    for (title, fen) in [("夏季纯棉T恤", 5_900), ("冰丝防晒衣", 12_900), ("亚麻休闲裤", 16_900)]
    {
        flagship_products.push(app.create_product(&cast.merchant, flagship.id, title, fen).await?.id);
    }
    let books = app.demo_shop(&cast, "小店图书专营", "books", 50_000).await?;
    let plans = [
        Closing {
            name: "小店零食铺",
            category: "food",
            top_up_fen: 50_000,
            product: ("手工牛轧糖礼盒", 6_800),
            buyer: "buyer-5101",
            reason: ReasonCode::PoorResults,
            reason_text: "零食品类竞争激烈，连续三个月亏损，决定停止经营。",
            violation: None,
        },
        Closing {
            name: "小店潮玩手办店",
            category: "other",
            top_up_fen: 100_000,
            product: ("限定款手办", 39_900),
            buyer: "buyer-5202",
            reason: ReasonCode::MovingPlatform,
            reason_text: "团队转型到其他平台经营潮玩业务，本店不再运营。",
            violation: Some(("counterfeit", "serious", 30_000, "抽检发现“限定款手办”为仿冒品，无品牌授权")),
        },
        Closing {
            name: "小店美妆集合店",
            category: "beauty",
            top_up_fen: 200_000,
            product: ("保湿精华水", 15_900),
            buyer: "buyer-5303",
            reason: ReasonCode::NoLongerOperating,
            reason_text: "公司调整业务方向，美妆线上店铺不再继续经营。",
            violation: Some(("late_shipment", "minor", 5_000, "订单付款后 48 小时未发货")),
        },
        Closing {
            name: "小店数码配件店",
            category: "electronics",
            top_up_fen: 50_000,
            product: ("快充数据线", 3_900),
            buyer: "buyer-5404",
            reason: ReasonCode::PoorResults,
            reason_text: "数码配件利润太低，经营不善，店铺准备关闭。",
            violation: None,
        },
        Closing {
            name: "小店母婴用品店",
            category: "other",
            top_up_fen: 50_000,
            product: ("婴儿纯棉连体衣", 8_900),
            buyer: "buyer-5505",
            reason: ReasonCode::Other,
            reason_text: "母婴品类需要专门资质，暂时关闭店铺，以后再考虑。",
            violation: None,
        },
        Closing {
            name: "小店家居生活馆",
            category: "home",
            top_up_fen: 50_000,
            product: ("北欧风陶瓷花瓶", 12_800),
            buyer: "buyer-5606",
            reason: ReasonCode::NoLongerOperating,
            reason_text: "家居店铺合并到旗舰店经营，本店不再单独运营。",
            violation: None,
        },
    ];
    let mut closing = Vec::new();
    for plan in plans {
        let shop = app.demo_shop(&cast, plan.name, plan.category, plan.top_up_fen).await?;
        app.demo_payout(&cast, &shop).await?;
        let (title, fen) = plan.product;
        let product_id = app.create_product(&cast.merchant, shop.id, title, fen).await?.id;
        closing.push(Opened { shop, product_id, order_id: 0, plan });
    }
    let [snacks, toys, beauty, digital, baby, home] = &mut closing[..] else {
        return Err(AppError::internal(&"six demo shops close"));
    };

    // Each closing shop sells once; the order completes, settles after the delay and is
    // withdrawn; the product comes off the shelf.
    history.walk_to(185).await?;
    for opened in [&mut *snacks, &mut *toys, &mut *beauty, &mut *digital, &mut *baby, &mut *home] {
        let fen = opened.plan.product.1;
        opened.order_id =
            app.demo_order(&cast, opened.shop.id, opened.product_id, opened.plan.buyer, fen).await?;
    }
    history.walk_to(183).await?;
    for opened in [&*snacks, &*toys, &*beauty, &*digital, &*baby, &*home] {
        app.ship_order(&cast.merchant, opened.order_id).await?;
    }
    history.walk_to(175).await?;
    for opened in [&*snacks, &*toys, &*beauty, &*digital, &*baby, &*home] {
        app.complete_order(&cast.service, opened.order_id).await?;
    }
    // Two of the orders came through creators: the platform knows where 达人-阿杰 is paid (that
    // commission is paid out), not yet where 达人-木木 is (its money waits for the account).
    let jie = PayeeInput {
        holder_name: "陈杰".into(),
        bank_name: "招商银行".into(),
        account_number: "6225 8801 2345 6789".into(),
    };
    let mut commissions = Vec::new();
    for (opened, creator, payee) in [(&*snacks, "达人-阿杰", Some(&jie)), (&*toys, "达人-木木", None)]
    {
        let fen = opened.plan.product.1 / 10;
        let commission = app
            .record_commission(&cast.service, opened.shop.id, creator, fen, Some(opened.order_id), payee)
            .await?;
        commissions.push(commission.id);
    }
    history.walk_to(165).await?;
    for id in commissions {
        let (path, key) = (format!("/demo/commissions/{id}/pay"), format!("demo-commission-{id}"));
        app.pay_commission(&cast.merchant, id, claim(&cast.merchant, &key, &path)?).await?;
    }
    for opened in [&*snacks, &*toys, &*beauty, &*digital, &*baby, &*home] {
        let shop_id = opened.shop.id;
        let withdrawable = app.settlement(&cast.merchant.actor, shop_id).await?.withdrawable_fen;
        let path = format!("/demo/shops/{shop_id}/withdrawals");
        let key = format!("demo-withdraw-{shop_id}");
        app.withdraw(&cast.merchant, shop_id, withdrawable, claim(&cast.merchant, &key, &path)?).await?;
        app.delist_product(&cast.merchant, opened.product_id).await?;
    }
    history.walk_to(120).await?;
    for opened in [&*toys, &*beauty] {
        if let Some((kind, severity, fen, evidence)) = opened.plan.violation {
            let key = format!("demo-violation-{}", opened.shop.id);
            app.demo_violation(&cast, opened.shop.id, &violation(kind, severity, fen, evidence), &key)
                .await?;
        }
    }

    // The closures: 30 days of notice each, then the closure job; 7 working days later the
    // release job pays a clean shop's refund and sends the others to review.
    history.walk_to(90).await?;
    app.demo_close(&cast, snacks).await?; // closes 60 days ago; refund paid
    history.walk_to(70).await?;
    app.demo_close(&cast, toys).await?; // closes 40 days ago; in review, overdue
    history.walk_to(58).await?;
    app.demo_close(&cast, baby).await?; // due 28 days ago, held in notice by a new case
    let review_request = review_closing_days_ago(history) + 30;
    history.walk_to(review_request).await?;
    app.demo_close(&cast, beauty).await?; // in review, not yet due
    history.walk_to(35).await?;
    app.open_after_sales(&cast.service, baby.order_id, "exchange", "收到的婴儿连体衣有线头，申请换货")
        .await?;
    history.walk_to(32).await?;
    app.demo_close(&cast, digital).await?; // closes 2 days ago; refund held

    // The flagship keeps trading: an order completed, its commission and invoice request.
    history.walk_to(30).await?;
    let [tee, jacket, trousers] = flagship_products[..] else {
        return Err(AppError::internal(&"three flagship products"));
    };
    let first = app.demo_order(&cast, flagship.id, tee, "buyer-1024", 5_900).await?;
    history.walk_to(29).await?;
    app.ship_order(&cast.merchant, first).await?;
    history.walk_to(27).await?;
    app.complete_order(&cast.service, first).await?;
    app.record_commission(&cast.service, flagship.id, "达人-小鹿", 590, Some(first), None).await?;
    history.walk_to(26).await?;
    app.request_invoice(&cast.service, first, "杭州某某网络科技有限公司").await?;

    history.walk_to(10).await?;
    app.demo_close(&cast, home).await?; // 20 days of notice left
    let second = app.demo_order(&cast, flagship.id, jacket, "buyer-1077", 12_900).await?;
    history.walk_to(9).await?;
    app.ship_order(&cast.merchant, second).await?;
    history.walk_to(8).await?;
    app.buyer_message(&cast.service, flagship.id, "buyer-3001", "请问防晒衣什么时候发货？").await?;
    history.walk_to(7).await?;
    let conversation = app.conversations(&cast.merchant.actor, flagship.id, None, None).await?.items;
    if let Some(first_conversation) = conversation.first() {
        app.reply(&cast.merchant, first_conversation.id, "您好，今天下午发出，请留意物流信息。").await?;
    }
    history.walk_to(6).await?;
    let third = app.demo_order(&cast, flagship.id, trousers, "buyer-1101", 16_900).await?;
    history.walk_to(5).await?;
    app.ship_order(&cast.merchant, third).await?;
    history.walk_to(4).await?;
    app.demo_order(&cast, flagship.id, tee, "buyer-1135", 5_900).await?;
    app.open_complaint(
        &cast.service,
        flagship.id,
        "buyer-2048",
        "收到的T恤与详情页颜色不符，联系客服没有回应。",
    )
    .await?;
    history.walk_to(3).await?;
    app.complete_order(&cast.service, second).await?;
    app.open_after_sales(&cast.service, third, "return", "裤长偏短，申请退货退款").await?;
    let advertising =
        violation("false_advertising", "serious", 50_000, "详情页宣称“全网销量第一”“名师独家押题”，无依据");
    let appealed = app.demo_violation(&cast, books.id, &advertising, "demo-violation-books").await?;
    history.walk_to(2).await?;
    let late = violation("late_shipment", "general", 10_000, "订单 DY20260105001 付款后 72 小时仍未发货");
    app.demo_violation(&cast, flagship.id, &late, "demo-violation-flagship").await?;
    app.appeal_violation(
        &cast.merchant,
        appealed,
        "“名师独家押题”是出版社的官方宣传语，已附出版社授权书，请复核。",
    )
    .await?;
    history.walk_to(1).await?;
    app.buyer_message(&cast.service, flagship.id, "buyer-3002", "衣服尺码偏小，可以换大一码吗？").await?;
    Ok(())
}
