//! The shop operation pages a closure depends on: products, orders, after-sales cases, complaints
//! (with the reviewers' queue), buyer conversations, settlement with withdrawals and creator
//! commissions, and invoice requests; plus the per-shop navigation every shop page shares. Each
//! form calls one `app` use case; a refused form shows the page again with the error.

use std::future::Future;

use app::ledger::IdempotencyClaim;
use app::operations::{CaseRow, CaseTable, DueTable};
use app::shops::ShopRow;
use app::{AppError, AppResult, Code};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::auth::Role;
use domain::limits::{
    INVOICE_NUMBER_LENGTH_MAX, MESSAGE_LENGTH_MAX, PAGE_SIZE_MAX, PRODUCT_TITLE_LENGTH_MAX,
};
use domain::operations::{
    CaseStatus, CommissionStatus, DueStatus, InvoiceStatus, OrderStatus, ProductStatus, ShopStatus,
};
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, error_note, error_page, failed_redirect, form_token, is_refusal, may, money, name,
    parse_id, parse_yuan, refusal, render,
};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{Viewer, lang, viewer};
use domain::access::UseCase;
use domain::team::TeamRight;

/// Notices the operation pages show after a redirect (`?notice=KEY`, text `notice_KEY`).
const NOTICES: [&str; 12] = [
    "product_created",
    "product_delisted",
    "order_shipped",
    "order_cancelled",
    "after_sales_resolved",
    "complaint_resolved",
    "reply_sent",
    "withdrawal_done",
    "withdrawal_replayed",
    "commission_paid",
    "commission_replayed",
    "invoice_issued",
];

/// The pages of one shop, in the order of the shop navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Overview,
    Products,
    Orders,
    AfterSales,
    Complaints,
    Conversations,
    Settlement,
    Invoices,
    Payout,
    Closure,
}

impl Section {
    const ALL: [Section; 10] = [
        Section::Overview,
        Section::Products,
        Section::Orders,
        Section::AfterSales,
        Section::Complaints,
        Section::Conversations,
        Section::Settlement,
        Section::Invoices,
        Section::Payout,
        Section::Closure,
    ];

    /// What the section's page runs, by the access table: money pages need the right to see money;
    /// every member reads the shop's operations.
    fn use_case(self) -> UseCase {
        match self {
            Section::Settlement | Section::Payout | Section::Closure => UseCase::ViewMoney,
            _ => UseCase::ListShops,
        }
    }

    /// The path after `/console/shops/{id}`; the same words as `app::closure::check_page`.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Section::Overview => "",
            Section::Products => "products",
            Section::Orders => "orders",
            Section::AfterSales => "after-sales",
            Section::Complaints => "complaints",
            Section::Conversations => "conversations",
            Section::Settlement => "settlement",
            Section::Invoices => "invoices",
            Section::Payout => "payout-account",
            Section::Closure => "closure",
        }
    }

    /// The text key of the section's title.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Section::Overview => "shop_overview",
            Section::Products => "products",
            Section::Orders => "orders",
            Section::AfterSales => "after_sales",
            Section::Complaints => "complaints",
            Section::Conversations => "conversations",
            Section::Settlement => "settlement",
            Section::Invoices => "invoices",
            Section::Payout => "payout_account",
            Section::Closure => "closure",
        }
    }

    pub(crate) fn href(self, shop_id: i64) -> String {
        match self {
            Section::Overview => format!("/console/shops/{shop_id}"),
            other => format!("/console/shops/{shop_id}/{}", other.path()),
        }
    }
}

/// The links between a shop's pages.
pub(crate) fn shop_nav(lang: Lang, actor: &app::Actor, shop_id: i64, current: Section) -> Markup {
    html! {
        nav.card.shop-nav #shop-nav aria-label=(t(lang, "shop_sections")) {
            @for section in Section::ALL.into_iter().filter(|s| *s == current || may(actor, s.use_case())) {
                @if section == current {
                    strong.current { (t(lang, section.key())) }
                } @else {
                    a id={ "nav-" (section.key()) } href=(section.href(shop_id)) { (t(lang, section.key())) }
                }
                " "
            }
        }
    }
}

/// Renders one page of a shop: the shop's name and navigation, a notice or error, then the body
/// from what `load` read. Another merchant's shop is the not-found page.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn shop_section<T>(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    section: Section,
    here: &str,
    note: Option<Markup>,
    load: impl Future<Output = AppResult<T>>,
    body: impl FnOnce(Lang, &str, &ShopRow, T) -> Markup,
) -> Response {
    let loaded = async {
        let shop = state.app.shop(&viewer.ctx.actor, shop_id).await?;
        Ok::<_, AppError>((shop, load.await?))
    }
    .await;
    let (shop, data) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, section.key(), here, &error),
    };
    let title = format!("{} · {}", t(lang(&jar), section.key()), shop.name);
    render(jar, viewer, &title, here, |lang, csrf| {
        html! {
            div.card {
                p.muted { a href="/console/shops" { "← " (t(lang, "back_to_shops")) } }
                h1 { span #shop-name data-user { (shop.name) } " · " (t(lang, section.key())) }
                p { (t(lang, "status")) ": " span #shop-status { (name(lang, "shop_status", shop.status.as_str())) } }
            }
            (shop_nav(lang, &viewer.ctx.actor, shop.id, section))
            @if let Some(note) = note { (note) }
            (body(lang, csrf, &shop, data))
        }
    })
}

/// After a form about one record of a shop: on success, back to the section with a notice; on a
/// refusal, the refusal page; otherwise the section again with the error. `shop_of` finds the
/// record's shop only when needed.
pub(crate) async fn form_done(
    jar: CookieJar,
    viewer: &Viewer,
    section: Section,
    outcome: AppResult<(i64, &'static str)>,
    shop_of: impl Future<Output = AppResult<i64>>,
) -> Response {
    match outcome {
        Ok((shop_id, key)) => {
            Redirect::to(&format!("{}?notice={key}", section.href(shop_id))).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => match shop_of.await {
            // Back to the shop's page with the error (Post/Redirect/Get: a refresh resends nothing).
            Ok(shop_id) => failed_redirect(&section.href(shop_id), &error),
            Err(other) if is_refusal(&other) => refusal(jar, &other),
            Err(_) => error_page(jar, viewer, section.key(), "/console/shops", &error),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
    status: Option<String>,
    cursor: Option<String>,
}

fn is_merchant(viewer: &Viewer) -> bool {
    viewer.ctx.actor.role == Role::Merchant
}

fn operating(shop: &ShopRow) -> bool {
    shop.status == ShopStatus::Operating
}

/// A small form with only the CSRF field and one button.
fn button_form(csrf: &str, class: &str, action: &str, text: &str) -> Markup {
    html! {
        form class={ "inline " (class) } method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            button.small type="submit" { (text) }
        }
    }
}

/// Reads a GET page's viewer and the id in its path (the not-found page for a bad id).
macro_rules! shop_get {
    ($state:ident, $jar:ident, $headers:ident, $id:ident) => {{
        let viewer = match viewer(&$state, &$jar, &$headers).await {
            Ok(viewer) => viewer,
            Err(redirect) => return redirect,
        };
        let Some(shop_id) = parse_id(&$id) else { return not_found_page($jar) };
        (viewer, shop_id)
    }};
}

/// Reads a POST's viewer (CSRF first) and the record id of its path.
macro_rules! record_post {
    ($state:ident, $jar:ident, $headers:ident, $csrf:expr, $id:ident) => {{
        let viewer = match form_viewer(&$state, &$jar, &$headers, $csrf).await {
            Ok(viewer) => viewer,
            Err(refusal) => return refusal,
        };
        let Some(record_id) = parse_id(&$id) else { return not_found_page($jar) };
        (viewer, record_id)
    }};
}

// ----- products -----

pub async fn products_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    products_response(&state, jar, &viewer, shop_id, query.cursor, note).await
}

async fn products_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let may_edit = viewer.ctx.actor.may(TeamRight::ManageMerchant);
    let here = Section::Products.href(shop_id);
    let load = state.app.products(&viewer.ctx.actor, shop_id, Some(PAGE_SIZE_MAX), cursor.as_deref());
    shop_section(state, jar, viewer, shop_id, Section::Products, &here, note, load, |lang, csrf, shop, products| {
        html! {
            div.card {
                h2 { (t(lang, "products")) }
                @if products.items.is_empty() {
                    p.muted #no-products { (t(lang, "no_products")) }
                } @else {
                    table #products {
                        tr {
                            th { "#" } th { (t(lang, "product_title")) } th { (t(lang, "price")) }
                            th { (t(lang, "status")) } th { (t(lang, "created_at")) } th {}
                        }
                        @for product in &products.items {
                            tr.product data-product-id=(product.id) data-status=(product.status) {
                                td { (product.id) }
                                td.title { (product.title) }
                                td { (money(product.price_fen)) }
                                td.status { (name(lang, "product_status", product.status.as_str())) }
                                td { (at(product.created_at_ms)) }
                                td {
                                    @if may_edit && product.status == ProductStatus::Listed {
                                        (button_form(csrf, "delist-form", &format!("/console/products/{}/delist", product.id), t(lang, "delist")))
                                    }
                                }
                            }
                        }
                    }
                }
                (next_page(lang, &here, products.next_cursor.as_ref()))
            }
            @if may_edit && operating(shop) {
                div.card {
                    h2 { (t(lang, "add_product")) }
                    form #product-form method="post" action={ "/console/shops/" (shop.id) "/products" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="product-title" { (t(lang, "product_title")) }
                        input #product-title name="title" required maxlength=(PRODUCT_TITLE_LENGTH_MAX) size="40";
                        label for="product-price" { (t(lang, "price_yuan")) }
                        input #product-price name="price_yuan" required inputmode="decimal" placeholder="59.00" maxlength="20";
                        div { button.primary #add-product type="submit" { (t(lang, "add_product")) } }
                    }
                }
            }
        }
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProductForm {
    csrf: String,
    title: String,
    price_yuan: String,
}

pub async fn create_product(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ProductForm>,
) -> Response {
    let (viewer, shop_id) = record_post!(state, jar, headers, &form.csrf, id);
    let lang = lang(&jar);
    let outcome = async {
        let price_fen = parse_yuan(&form.price_yuan)
            .ok_or_else(|| AppError::new(Code::InvalidAmount, t(lang, "invalid_yuan")))?;
        state.app.create_product(&viewer.ctx, shop_id, &form.title, price_fen).await?;
        Ok((shop_id, "product_created"))
    }
    .await;
    form_done(jar, &viewer, Section::Products, outcome, async { Ok(shop_id) }).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn delist_product(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let (viewer, product_id) = record_post!(state, jar, headers, &form.csrf, id);
    let outcome =
        state.app.delist_product(&viewer.ctx, product_id).await.map(|p| (p.shop_id, "product_delisted"));
    let shop_of = async { Ok(state.app.product(&viewer.ctx.actor, product_id).await?.shop_id) };
    form_done(jar, &viewer, Section::Products, outcome, shop_of).await
}

// ----- orders -----

pub async fn orders_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    let status = query.status.filter(|s| !s.is_empty());
    orders_response(&state, jar, &viewer, shop_id, status, query.cursor, note).await
}

async fn orders_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    status: Option<String>,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let may_act = viewer.ctx.actor.may(TeamRight::ManageMerchant);
    let here = match &status {
        Some(status) => format!("{}?status={status}", Section::Orders.href(shop_id)),
        None => Section::Orders.href(shop_id),
    };
    let load = state.app.orders(&viewer.ctx.actor, shop_id, status.as_deref(), None, cursor.as_deref());
    shop_section(state, jar, viewer, shop_id, Section::Orders, &here, note, load, |lang, csrf, shop, orders| {
        let base = Section::Orders.href(shop.id);
        html! {
            div.card {
                h2 { (t(lang, "orders")) }
                p #order-filter {
                    @if status.is_none() { strong { (t(lang, "all")) } } @else { a href=(base) { (t(lang, "all")) } }
                    @for candidate in OrderStatus::ALL {
                        " · "
                        @if status.as_deref() == Some(candidate.as_str()) {
                            strong { (name(lang, "order_status", candidate.as_str())) }
                        } @else {
                            a href={ (base) "?status=" (candidate.as_str()) } { (name(lang, "order_status", candidate.as_str())) }
                        }
                    }
                }
                @if orders.items.is_empty() {
                    p.muted #no-orders { (t(lang, "no_orders")) }
                } @else {
                    table #orders {
                        tr {
                            th { "#" } th { (t(lang, "buyer")) } th { (t(lang, "product")) } th { (t(lang, "amount")) }
                            th { (t(lang, "status")) } th { (t(lang, "created_at")) } th { (t(lang, "shipped_at")) }
                            th { (t(lang, "closed_at")) } th { (t(lang, "settle_on")) } th {}
                        }
                        @for order in &orders.items {
                            tr.order data-order-id=(order.id) data-status=(order.status) {
                                td { (order.id) }
                                td { (order.buyer_id) }
                                td { "#" (order.product_id) }
                                td { (money(order.amount_fen)) }
                                td.status { (name(lang, "order_status", order.status.as_str())) }
                                td { (at(order.created_at_ms)) }
                                td { (order.shipped_at_ms.map(at).unwrap_or_default()) }
                                td { (order.closed_at_ms.map(at).unwrap_or_default()) }
                                td {
                                    (order.settle_on.as_deref().unwrap_or_default())
                                    @if order.settled_at_ms.is_some() { " " span.badge { (t(lang, "settled")) } }
                                }
                                td {
                                    @if may_act && order.status == OrderStatus::Paid {
                                        (button_form(csrf, "ship-form", &format!("/console/orders/{}/ship", order.id), t(lang, "ship")))
                                        " "
                                        (button_form(csrf, "cancel-form", &format!("/console/orders/{}/cancel", order.id), t(lang, "cancel_order")))
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(next) = &orders.next_cursor {
                    @let filter = status.as_deref().map(|s| format!("status={s}&")).unwrap_or_default();
                    p { a #orders-next href={ (base) "?" (filter) "cursor=" (next) } { (t(lang, "next_page")) " →" } }
                }
            }
        }
    })
    .await
}

async fn order_action(
    state: ConsoleState,
    jar: CookieJar,
    headers: HeaderMap,
    id: String,
    csrf: &str,
    ship: bool,
) -> Response {
    let (viewer, order_id) = record_post!(state, jar, headers, csrf, id);
    let outcome = if ship {
        state.app.ship_order(&viewer.ctx, order_id).await.map(|o| (o.shop_id, "order_shipped"))
    } else {
        state.app.cancel_order(&viewer.ctx, order_id).await.map(|o| (o.shop_id, "order_cancelled"))
    };
    let shop_of = async { Ok(state.app.order(&viewer.ctx.actor, order_id).await?.shop_id) };
    form_done(jar, &viewer, Section::Orders, outcome, shop_of).await
}

pub async fn ship_order(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    order_action(state, jar, headers, id, &form.csrf, true).await
}

pub async fn cancel_order(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    order_action(state, jar, headers, id, &form.csrf, false).await
}

// ----- after-sales cases and complaints -----

pub async fn after_sales_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    cases_response(&state, jar, &viewer, shop_id, CaseTable::AfterSales, query.cursor, note).await
}

pub async fn complaints_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    cases_response(&state, jar, &viewer, shop_id, CaseTable::Complaints, query.cursor, note).await
}

async fn cases_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    table: CaseTable,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let (section, resolver) = match table {
        CaseTable::AfterSales => (Section::AfterSales, Role::Merchant),
        CaseTable::Complaints => (Section::Complaints, Role::Reviewer),
    };
    let may_resolve = viewer.ctx.actor.role == resolver;
    let here = section.href(shop_id);
    let load = state.app.cases(&viewer.ctx.actor, table, shop_id, Some(PAGE_SIZE_MAX), cursor.as_deref());
    shop_section(state, jar, viewer, shop_id, section, &here, note, load, |lang, csrf, _shop, cases| {
        html! {
            div.card {
                h2 { (t(lang, section.key())) }
                @if table == CaseTable::Complaints && viewer.ctx.actor.role == Role::Merchant {
                    p.muted { (t(lang, "complaints_by_reviewers")) }
                }
                @if cases.items.is_empty() {
                    p.muted #no-cases { (t(lang, "no_cases")) }
                } @else {
                    (cases_table(lang, csrf, table, &cases.items, may_resolve, false))
                }
                (next_page(lang, &here, cases.next_cursor.as_ref()))
            }
        }
    })
    .await
}

/// After-sales cases or complaints, with a resolve form on the open ones when the viewer may
/// resolve them. `with_shop` adds a column linking to each case's shop (the complaint queue).
fn cases_table(
    lang: Lang,
    csrf: &str,
    table: CaseTable,
    cases: &[CaseRow],
    may_resolve: bool,
    with_shop: bool,
) -> Markup {
    let (base, back) = match table {
        CaseTable::AfterSales => ("/console/after-sales", ""),
        CaseTable::Complaints => ("/console/complaints", if with_shop { "queue" } else { "shop" }),
    };
    html! {
        table #cases {
            tr {
                th { "#" }
                @if with_shop { th { (t(lang, "shop")) } }
                @if table == CaseTable::AfterSales { th { (t(lang, "order")) } th { (t(lang, "after_sales_kind")) } }
                th { (t(lang, "buyer")) } th { (t(lang, "case_text")) } th { (t(lang, "status")) }
                th { (t(lang, "created_at")) } th { (t(lang, "resolution")) }
            }
            @for case in cases {
                tr.case id={ "case-" (case.id) } data-status=(case.status) {
                    td { (case.id) }
                    @if with_shop { td { a href=(Section::Complaints.href(case.shop_id)) { "#" (case.shop_id) } } }
                    @if table == CaseTable::AfterSales {
                        td { @if let Some(order_id) = case.order_id { "#" (order_id) } }
                        td { (name(lang, "after_sales_kind", &case.kind)) }
                    }
                    td { (case.buyer_id) }
                    td.case-text { (case.text) }
                    td.status { (name(lang, "case_status", case.status.as_str())) }
                    td { (at(case.created_at_ms)) }
                    td {
                        @if let Some(resolution) = &case.resolution {
                            (resolution) br; span.muted { (case.resolved_at_ms.map(at).unwrap_or_default()) }
                        } @else if may_resolve && case.status == CaseStatus::Open {
                            form.resolve-form method="post" action={ (base) "/" (case.id) "/resolve" } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="back" value=(back);
                                input name="resolution" required maxlength=(MESSAGE_LENGTH_MAX) size="24"
                                    placeholder=(t(lang, "resolution_placeholder"));
                                " "
                                button.small type="submit" { (t(lang, "resolve")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    csrf: String,
    resolution: String,
    back: String,
}

pub async fn resolve_after_sales(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ResolveForm>,
) -> Response {
    let (viewer, case_id) = record_post!(state, jar, headers, &form.csrf, id);
    let table = CaseTable::AfterSales;
    let outcome = state
        .app
        .resolve_case(&viewer.ctx, table, case_id, &form.resolution)
        .await
        .map(|c| (c.shop_id, "after_sales_resolved"));
    let shop_of = async { Ok(state.app.case(&viewer.ctx.actor, table, case_id).await?.shop_id) };
    form_done(jar, &viewer, Section::AfterSales, outcome, shop_of).await
}

/// A reviewer resolves a complaint, from the queue or from the shop's complaints page.
pub async fn resolve_complaint(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ResolveForm>,
) -> Response {
    let (viewer, case_id) = record_post!(state, jar, headers, &form.csrf, id);
    let table = CaseTable::Complaints;
    let outcome = state.app.resolve_case(&viewer.ctx, table, case_id, &form.resolution).await;
    if form.back != "queue" {
        let outcome = outcome.map(|c| (c.shop_id, "complaint_resolved"));
        let shop_of = async { Ok(state.app.case(&viewer.ctx.actor, table, case_id).await?.shop_id) };
        return form_done(jar, &viewer, Section::Complaints, outcome, shop_of).await;
    }
    match outcome {
        Ok(_) => Redirect::to("/console/complaints?notice=complaint_resolved").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            complaint_queue_response(&state, jar, &viewer, None, Some(note)).await
        }
    }
}

/// Open complaints of every shop, oldest first (reviewers resolve them, admins look).
pub async fn complaint_queue(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    complaint_queue_response(&state, jar, &viewer, query.cursor, note).await
}

async fn complaint_queue_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let here = "/console/complaints";
    let queue =
        match state.app.open_complaints(&viewer.ctx.actor, Some(PAGE_SIZE_MAX), cursor.as_deref()).await {
            Ok(queue) => queue,
            Err(error) if is_refusal(&error) => return refusal(jar, &error),
            Err(error) => return error_page(jar, viewer, "complaint_queue", here, &error),
        };
    let may_resolve = viewer.ctx.actor.role == Role::Reviewer;
    let title = t(lang(&jar), "complaint_queue");
    render(jar, viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                @if queue.items.is_empty() {
                    p.muted #no-complaints { (t(lang, "no_open_complaints")) }
                } @else {
                    (cases_table(lang, csrf, CaseTable::Complaints, &queue.items, may_resolve, true))
                }
                (next_page(lang, here, queue.next_cursor.as_ref()))
            }
        }
    })
}

// ----- buyer conversations -----

pub async fn conversations_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    conversations_response(&state, jar, &viewer, shop_id, query.cursor, note).await
}

async fn conversations_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let here = Section::Conversations.href(shop_id);
    let load = state.app.conversations(&viewer.ctx.actor, shop_id, Some(PAGE_SIZE_MAX), cursor.as_deref());
    shop_section(state, jar, viewer, shop_id, Section::Conversations, &here, note, load, |lang, _csrf, _shop, list| {
        html! {
            div.card {
                h2 { (t(lang, "conversations")) }
                @if list.items.is_empty() {
                    p.muted #no-conversations { (t(lang, "no_conversations")) }
                } @else {
                    table #conversations {
                        tr { th { "#" } th { (t(lang, "buyer")) } th { (t(lang, "status")) } th { (t(lang, "last_message_at")) } th {} }
                        @for conversation in &list.items {
                            tr.conversation data-conversation-id=(conversation.id) data-unanswered=(conversation.unanswered == 1) {
                                td { (conversation.id) }
                                td { (conversation.buyer_id) }
                                td {
                                    @if conversation.unanswered == 1 {
                                        span.badge.failing { (t(lang, "unanswered")) }
                                    } @else {
                                        span.badge { (t(lang, "answered")) }
                                    }
                                }
                                td { (at(conversation.last_message_at_ms)) }
                                td { a.open-conversation href={ "/console/conversations/" (conversation.id) } { (t(lang, "open_conversation")) } }
                            }
                        }
                    }
                }
                (next_page(lang, &here, list.next_cursor.as_ref()))
            }
        }
    })
    .await
}

pub async fn conversation_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, conversation_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    conversation_response(&state, jar, &viewer, conversation_id, note).await
}

async fn conversation_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    conversation_id: i64,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/conversations/{conversation_id}");
    let view = match state.app.conversation(&viewer.ctx.actor, conversation_id).await {
        Ok(view) => view,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "conversations", &here, &error),
    };
    let may_reply = is_merchant(viewer);
    let shop_id = view.conversation.shop_id;
    let load = async { Ok(view) };
    shop_section(state, jar, viewer, shop_id, Section::Conversations, &here, note, load, |lang, csrf, _shop, view| {
        let conversation = &view.conversation;
        html! {
            div.card #conversation {
                p.muted { a href=(Section::Conversations.href(shop_id)) { "← " (t(lang, "conversations")) } }
                h2 { (t(lang, "buyer")) " " (conversation.buyer_id) " "
                    @if conversation.unanswered == 1 { span.badge.failing #conversation-status { (t(lang, "unanswered")) } }
                    @else { span.badge #conversation-status { (t(lang, "answered")) } }
                }
                @for message in &view.messages {
                    div class={ "message " (if message.sender == "merchant" { "from-merchant" } else { "from-buyer" }) } data-sender=(message.sender) {
                        span.muted { (name(lang, "sender", &message.sender)) " · " (at(message.at_ms)) }
                        div.message-text { (message.text) }
                    }
                }
                @if may_reply {
                    form #reply-form method="post" action={ "/console/conversations/" (conversation.id) "/replies" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="reply-text" { (t(lang, "reply")) }
                        textarea #reply-text name="text" required maxlength=(MESSAGE_LENGTH_MAX) rows="3" cols="60" {}
                        div { button.primary #send-reply type="submit" { (t(lang, "send_reply")) } }
                    }
                }
            }
        }
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    csrf: String,
    text: String,
}

pub async fn reply(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let (viewer, conversation_id) = record_post!(state, jar, headers, &form.csrf, id);
    match state.app.reply(&viewer.ctx, conversation_id, &form.text).await {
        Ok(_) => Redirect::to(&format!("/console/conversations/{conversation_id}?notice=reply_sent"))
            .into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            conversation_response(&state, jar, &viewer, conversation_id, Some(note)).await
        }
    }
}

// ----- settlement, withdrawals and commissions -----

pub async fn settlement_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    settlement_response(&state, jar, &viewer, shop_id, query.cursor, note).await
}

async fn settlement_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let may_act = viewer.ctx.actor.may(TeamRight::ManageMerchant);
    let here = Section::Settlement.href(shop_id);
    let actor = &viewer.ctx.actor;
    let load = async {
        let settlement = state.app.settlement(actor, shop_id).await?;
        let payout = state.app.payout_account(actor, shop_id).await?;
        let commissions = state
            .app
            .dues(actor, DueTable::Commissions, shop_id, Some(PAGE_SIZE_MAX), cursor.as_deref())
            .await?;
        Ok((settlement, payout, commissions))
    };
    shop_section(state, jar, viewer, shop_id, Section::Settlement, &here, note, load, |lang, csrf, shop, (settlement, payout, commissions)| {
        let amount =
            if settlement.withdrawable_fen > 0 { app::shops::yuan(settlement.withdrawable_fen) } else { String::new() };
        html! {
            div.card #settlement {
                h2 { (t(lang, "settlement")) }
                table {
                    tr { th { (t(lang, "settling")) } td #settling { (money(settlement.settling_fen)) } }
                    tr { th { (t(lang, "withdrawable")) } td #withdrawable { strong { (money(settlement.withdrawable_fen)) } } }
                    tr {
                        th { (t(lang, "payout_account")) }
                        td #payout {
                            @match &payout {
                                Some(p) => { (p.holder_name) " · " (p.bank_name) " · ****" (p.account_last4) }
                                None => { span.failing { (t(lang, "payout_missing")) } }
                            }
                            " " a href=(Section::Payout.href(shop.id)) { (t(lang, "edit_payout")) }
                        }
                    }
                }
                p.muted { (t(lang, "settlement_intro")) }
                @if may_act {
                    form #withdraw-form method="post" action={ "/console/shops/" (shop.id) "/withdrawals" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="form_token" value=(form_token());
                        label for="withdraw-amount" { (t(lang, "withdraw_yuan")) }
                        input #withdraw-amount name="amount_yuan" required inputmode="decimal" maxlength="20" value=(amount);
                        div { button.primary #withdraw type="submit" { (t(lang, "withdraw")) } }
                    }
                }
            }
            div.card #commissions {
                h2 { (t(lang, "commissions")) }
                @if commissions.items.is_empty() {
                    p.muted #no-commissions { (t(lang, "no_commissions")) }
                } @else {
                    table {
                        tr {
                            th { "#" } th { (t(lang, "creator")) } th { (t(lang, "order")) } th { (t(lang, "amount")) }
                            th { (t(lang, "status")) } th { (t(lang, "created_at")) } th { (t(lang, "commission_arrived")) }
                        }
                        @for due in &commissions.items {
                            tr.commission data-commission-id=(due.id) data-status=(due.status) {
                                td { (due.id) }
                                td { (due.party) }
                                td { @if let Some(order_id) = due.order_id { "#" (order_id) } }
                                td { (money(due.amount_fen)) }
                                td.status {
                                    (name(lang, "commission_status", due.status.as_str()))
                                    @if let (Some(holder), Some(bank), Some(last4)) = (&due.payee_holder_name, &due.payee_bank_name, &due.payee_last4) {
                                        br; span.muted.payee { (t(lang, "creator_payee")) "：" (holder) " · " (bank) " · ****" (last4) }
                                    }
                                    @if let Some(at_ms) = due.charged_at_ms {
                                        br; span.muted { (t(lang, "commission_charged")) " " (at(at_ms)) }
                                    }
                                }
                                td { (at(due.created_at_ms)) }
                                td {
                                    @if may_act && due.status == DueStatus::Commission(CommissionStatus::Owed) {
                                        form.inline.pay-form method="post" action={ "/console/commissions/" (due.id) "/pay" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="form_token" value=(form_token());
                                            button.small type="submit" { (t(lang, "pay")) }
                                        }
                                    } @else if let Some(at_ms) = due.done_at_ms {
                                        span.muted { (at(at_ms)) }
                                    }
                                }
                            }
                        }
                    }
                }
                (next_page(lang, &here, commissions.next_cursor.as_ref()))
            }
        }
    })
    .await
}

/// The request fingerprint of a console money form: its fields after parsing, each prefixed by
/// its length, so two different requests never share one.
fn fingerprint(fields: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in fields {
        bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    bytes
}

/// The idempotency claim of a console money form: the key was rendered into the form, so the same
/// form submitted twice replays the first answer.
fn form_claim(viewer: &Viewer, token: &str, path: &str, fields: &[&str]) -> AppResult<IdempotencyClaim> {
    let scope = format!("user:{}", viewer.ctx.actor.user_id);
    IdempotencyClaim::parse(scope, Some(token), "POST", path, &fingerprint(fields))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    csrf: String,
    form_token: String,
    amount_yuan: String,
}

pub async fn withdraw(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    let (viewer, shop_id) = record_post!(state, jar, headers, &form.csrf, id);
    let lang = lang(&jar);
    let outcome = async {
        let amount_fen = parse_yuan(&form.amount_yuan)
            .filter(|fen| *fen > 0)
            .ok_or_else(|| AppError::new(Code::InvalidAmount, t(lang, "invalid_yuan")))?;
        let path = format!("/console/shops/{shop_id}/withdrawals");
        let claim = form_claim(&viewer, &form.form_token, &path, &[&amount_fen.to_string()])?;
        state.app.withdraw(&viewer.ctx, shop_id, amount_fen, claim).await
    }
    .await;
    match outcome {
        Ok(outcome) => {
            let key = if outcome.replayed { "withdrawal_replayed" } else { "withdrawal_done" };
            Redirect::to(&format!("{}?notice={key}", Section::Settlement.href(shop_id))).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&Section::Settlement.href(shop_id), &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayForm {
    csrf: String,
    form_token: String,
}

pub async fn pay_commission(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PayForm>,
) -> Response {
    let (viewer, commission_id) = record_post!(state, jar, headers, &form.csrf, id);
    let outcome = async {
        let path = format!("/console/commissions/{commission_id}/pay");
        let claim = form_claim(&viewer, &form.form_token, &path, &[])?;
        let outcome = state.app.pay_commission(&viewer.ctx, commission_id, claim).await?;
        let shop_id = state.app.due(&viewer.ctx.actor, DueTable::Commissions, commission_id).await?.shop_id;
        Ok((shop_id, if outcome.replayed { "commission_replayed" } else { "commission_paid" }))
    }
    .await;
    let shop_of =
        async { Ok(state.app.due(&viewer.ctx.actor, DueTable::Commissions, commission_id).await?.shop_id) };
    form_done(jar, &viewer, Section::Settlement, outcome, shop_of).await
}

// ----- invoice requests -----

pub async fn invoices_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let (viewer, shop_id) = shop_get!(state, jar, headers, id);
    let note = query.outcome.note(lang(&jar), &NOTICES);
    invoices_response(&state, jar, &viewer, shop_id, query.cursor, note).await
}

async fn invoices_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    cursor: Option<String>,
    note: Option<Markup>,
) -> Response {
    let may_act = viewer.ctx.actor.may(TeamRight::ManageMerchant);
    let here = Section::Invoices.href(shop_id);
    let load = state.app.dues(
        &viewer.ctx.actor,
        DueTable::Invoices,
        shop_id,
        Some(PAGE_SIZE_MAX),
        cursor.as_deref(),
    );
    shop_section(state, jar, viewer, shop_id, Section::Invoices, &here, note, load, |lang, csrf, _shop, invoices| {
        html! {
            div.card {
                h2 { (t(lang, "invoices")) }
                @if invoices.items.is_empty() {
                    p.muted #no-invoices { (t(lang, "no_invoices")) }
                } @else {
                    table #invoices {
                        tr {
                            th { "#" } th { (t(lang, "order")) } th { (t(lang, "invoice_title")) } th { (t(lang, "amount")) }
                            th { (t(lang, "status")) } th { (t(lang, "created_at")) } th { (t(lang, "invoice_number")) }
                        }
                        @for due in &invoices.items {
                            tr.invoice data-invoice-id=(due.id) data-status=(due.status) {
                                td { (due.id) }
                                td { @if let Some(order_id) = due.order_id { "#" (order_id) } }
                                td { (due.party) }
                                td { (money(due.amount_fen)) }
                                td.status { (name(lang, "invoice_status", due.status.as_str())) }
                                td { (at(due.created_at_ms)) }
                                td {
                                    @if let Some(number) = &due.done_ref {
                                        code { (number) }
                                    } @else if may_act && due.status == DueStatus::Invoice(InvoiceStatus::Pending) {
                                        form.inline.issue-form method="post" action={ "/console/invoices/" (due.id) "/issue" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input name="invoice_number" required maxlength=(INVOICE_NUMBER_LENGTH_MAX) size="16"
                                                placeholder=(t(lang, "invoice_number"));
                                            " "
                                            button.small type="submit" { (t(lang, "issue")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (next_page(lang, &here, invoices.next_cursor.as_ref()))
            }
        }
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssueForm {
    csrf: String,
    invoice_number: String,
}

pub async fn issue_invoice(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<IssueForm>,
) -> Response {
    let (viewer, invoice_id) = record_post!(state, jar, headers, &form.csrf, id);
    let outcome = state
        .app
        .issue_invoice(&viewer.ctx, invoice_id, &form.invoice_number)
        .await
        .map(|d| (d.shop_id, "invoice_issued"));
    let shop_of =
        async { Ok(state.app.due(&viewer.ctx.actor, DueTable::Invoices, invoice_id).await?.shop_id) };
    form_done(jar, &viewer, Section::Invoices, outcome, shop_of).await
}

/// The link to the next page of a list shown at `base`, when there is one.
fn next_page(lang: Lang, base: &str, next: Option<&String>) -> Markup {
    html! {
        @if let Some(next) = next {
            p.next-page { a href={ (base) "?cursor=" (next) } { (t(lang, "next_page")) " →" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::lookup;

    #[test]
    fn every_notice_and_section_has_its_texts() {
        for key in NOTICES {
            for lang in [Lang::Zh, Lang::En] {
                assert!(lookup(lang, &format!("notice_{key}")).is_some(), "{key}");
            }
        }
        for section in Section::ALL {
            assert!(lookup(Lang::En, section.key()).is_some(), "{:?}", section);
        }
    }

    /// The closure page links each check to the section `app::closure::check_page` names.
    #[test]
    fn check_pages_are_sections() {
        for code in domain::closure::CheckCode::ALL {
            let page = app::closure::check_page(*code);
            assert!(page.is_empty() || Section::ALL.iter().any(|s| s.path() == page), "{page}");
        }
    }

    #[test]
    fn fingerprints_separate_fields() {
        assert_eq!(fingerprint(&["1", "2"]), fingerprint(&["1", "2"]));
        assert_ne!(fingerprint(&["12", ""]), fingerprint(&["1", "2"]));
    }
}
