//! The JSON API: handlers, their extractors and their OpenAPI annotations.
//!
//! Every route is registered through `utoipa_axum::routes!`, which adds the handler to the
//! router and its `#[utoipa::path]` to the document in one step: a route cannot exist
//! without its documentation.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use copydesk_model::Article;
use copydesk_store::{SearchQuery, StoreError};
use http_body_util::BodyExt;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::{schema, AppState};

/// Longest id or site name accepted in a path.
const MAX_ID_BYTES: usize = 512;
/// Longest full-text query accepted.
const MAX_QUERY_BYTES: usize = 2048;
/// Deepest page of search results served: deeper pages cost the index offset+limit.
const MAX_OFFSET: usize = 10_000;
/// How long a check waits for a free slot before answering 503.
const CHECK_WAIT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "copydesk",
        description = "Where a news article came from: stored articles with their layers and \
            provenance, full-text search, reprint families, per-site spin. Every error is \
            `{\"error\": message, \"status\": code}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's routes and their document, before the state is attached.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(post_articles))
        .routes(routes!(get_article))
        .routes(routes!(search))
        .routes(routes!(check))
        .routes(routes!(get_family))
        .routes(routes!(get_site))
        .routes(routes!(stats))
        .routes(routes!(openapi_json))
}

/// A path parameter naming an article, family or site: decoded, then refused when it
/// could be a trick rather than a name.
pub struct Name(pub String);

impl FromRequestParts<AppState> for Name {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("bad path parameter: {}", e.body_text())))?;
        validate_name(&raw).map(Name).map_err(ApiError::bad_request)
    }
}

/// Ids come from inputs (JSON lines ids, URL hashes) and are only ever looked up in
/// SQLite, so a `../` could do no harm there; it is still refused, with control
/// characters and oversize names, because no real id has them and a client sending one
/// has made a mistake it should hear about.
pub fn validate_name(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("empty id".into());
    }
    if raw.len() > MAX_ID_BYTES {
        return Err(format!("id is {} bytes long; at most {MAX_ID_BYTES} are accepted", raw.len()));
    }
    if let Some(c) = raw.chars().find(|c| c.is_control()) {
        return Err(format!("id {:?} holds a control character (U+{:04X})", raw, c as u32));
    }
    if raw.split(['/', '\\']).any(|seg| seg == ".." || seg == ".") {
        return Err(format!("id {raw:?} holds a relative path segment ('.' or '..')"));
    }
    Ok(raw.to_string())
}

/// Writes need `Authorization: Bearer TOKEN`. Checked before the body is read, so an
/// unauthorised client cannot make the server buffer megabytes.
pub struct WriteAccess;

impl FromRequestParts<AppState> for WriteAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(expected) = state.config.token.as_deref() else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "writes are disabled: start the server with --token or COPYDESK_TOKEN",
            ));
        };
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "writes need an 'Authorization: Bearer TOKEN' header"));
        };
        let given = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        match given {
            Some(t) if constant_time_eq(t.as_bytes(), expected.as_bytes()) => Ok(WriteAccess),
            Some(_) => Err(ApiError::new(StatusCode::FORBIDDEN, "wrong token")),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "the Authorization header must be 'Bearer TOKEN'")),
        }
    }
}

/// Comparison time does not depend on where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A request body of at most `limit` bytes. A declared length over the limit is refused
/// before a byte of the body is read; an undeclared (chunked) one when it passes the limit.
async fn read_body(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request body is larger than the limit of {}", human_bytes(limit)));
    if let Some(len) = req.headers().get(header::CONTENT_LENGTH) {
        match len.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) {
            Some(n) if n > limit as u64 => return Err(too_large()),
            Some(_) => {}
            None => return Err(ApiError::bad_request("Content-Length is not a number")),
        }
    }
    match http_body_util::Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(ApiError::bad_request(format!("could not read the request body: {e}"))),
    }
}

/// The body of a write (`max_body`).
pub struct WriteBody(pub Bytes);

impl FromRequest<AppState> for WriteBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        read_body(req, state.config.max_body).await.map(WriteBody)
    }
}

/// The body of a check (`max_check_body`, smaller: a check is analysed and traced at once).
pub struct CheckBody(pub Bytes);

impl FromRequest<AppState> for CheckBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        read_body(req, state.config.max_check_body).await.map(CheckBody)
    }
}

pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Articles from a body holding one JSON object, a JSON array of them, or JSON lines.
/// A missing `id` is derived as `copydesk extract` derives it; missing paragraphs and hash
/// are computed from `text`. The first malformed record fails the whole request, naming
/// its line: nothing is stored from a body that is partly wrong.
pub fn parse_articles(body: &[u8]) -> Result<Vec<Article>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::bad_request(format!("request body is not UTF-8 (at byte {})", e.valid_up_to())))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("empty body: send one article as a JSON object, an array of them, or JSON lines"));
    }
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(serde_json::Value::Array(items))) => {
                let line = line_at(text, start);
                values.extend(items.into_iter().map(|v| (line, v)));
            }
            Some(Ok(v)) => values.push((line_at(text, start + leading_ws(&text[start..])), v)),
            Some(Err(e)) => {
                return Err(ApiError::bad_request(format!("malformed JSON at line {}, column {}: {e}", e.line(), e.column())))
            }
        }
    }
    let mut articles = Vec::with_capacity(values.len());
    for (i, (line, v)) in values.into_iter().enumerate() {
        let where_ = format!("article {} (line {line})", i + 1);
        let serde_json::Value::Object(mut obj) = v else {
            return Err(ApiError::bad_request(format!("{where_}: expected a JSON object with at least \"text\"")));
        };
        obj.entry("id").or_insert_with(|| serde_json::Value::String(String::new()));
        let mut a: Article = serde_json::from_value(serde_json::Value::Object(obj))
            .map_err(|e| ApiError::bad_request(format!("{where_}: {e}")))?;
        if a.text.trim().is_empty() {
            return Err(ApiError::bad_request(format!("{where_}: \"text\" is missing or empty")));
        }
        if a.paragraphs.is_empty() {
            let t = std::mem::take(&mut a.text);
            a.set_text(t);
        } else if let Some(bad) = a.paragraphs.iter().find(|s| s.end > a.text.len() || s.get(&a.text).is_none()) {
            return Err(ApiError::bad_request(format!(
                "{where_}: paragraph span [{}, {}] is not a range of whole characters of the {}-byte text",
                bad.start, bad.end, a.text.len()
            )));
        }
        if a.content_hash.is_empty() {
            a.content_hash = copydesk_model::hash_hex(a.text.as_bytes());
        }
        if a.origin.path.is_empty() {
            a.origin.path = "POST /api/articles".into();
        }
        a.ensure_id();
        articles.push(a);
    }
    Ok(articles)
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count()
}

/// Runs a store call on the blocking pool: the store is synchronous (SQLite, tantivy) and
/// must never hold a runtime thread.
///
/// At most `store_slots` calls run at once; the rest wait here, not in threads. The calls
/// are CPU-bound reads: more of them than cores only adds switching, and more than the
/// store's pool of read connections opens a fresh SQLite connection per call.
async fn blocking<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let _slot = state
        .store_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"))?;
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) if e.is_panic() => {
            let p = e.into_panic();
            let detail = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown cause".into());
            tracing::error!("store call panicked: {detail}");
            Err(ApiError::internal(format!("internal error in the store: {detail}")))
        }
        Err(_) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down")),
    }
}

/// Store one article (a JSON object), several (an array) or JSON lines.
///
/// Articles without layers are analysed; each is traced against the store. Identical
/// text under a known id is `unchanged`; new text under a known id is a new revision.
#[utoipa::path(
    post, path = "/api/articles", tag = "articles",
    request_body(content = schema::Article, description = "One article as JSON, an array of them, or JSON lines (`application/x-ndjson`). Only `text` is required."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One result per article, in input order", body = schema::IngestResponse),
        (status = 400, description = "Malformed JSON, wrong types, missing text", body = ErrorBody),
        (status = 401, description = "No bearer token", body = ErrorBody),
        (status = 403, description = "Wrong token, or writes disabled", body = ErrorBody),
        (status = 413, description = "Body over the size limit", body = ErrorBody),
    )
)]
async fn post_articles(_auth: WriteAccess, State(state): State<AppState>, WriteBody(body): WriteBody) -> Result<Response, ApiError> {
    let articles = parse_articles(&body)?;
    let backend = state.backend.clone();
    let (results, report) = blocking(&state, move || backend.ingest(articles)).await?;
    Ok(Json(serde_json::json!({ "results": results, "report": report })).into_response())
}

/// One stored article with all its layers and its provenance.
#[utoipa::path(
    get, path = "/api/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "The article id (percent-encoded)")),
    responses(
        (status = 200, description = "The article, its passages and sources", body = schema::ArticleView),
        (status = 400, description = "An id that cannot be one", body = ErrorBody),
        (status = 404, description = "No article with this id", body = ErrorBody),
    )
)]
async fn get_article(State(state): State<AppState>, Name(id): Name) -> Result<Response, ApiError> {
    let backend = state.backend.clone();
    let lookup = id.clone();
    match blocking(&state, move || backend.article(&lookup)).await? {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(ApiError::not_found(format!("no article with id {id:?}"))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Full-text query: words, "phrases", AND/OR/-. May be empty when a filter is given.
    q: Option<String>,
    /// Only articles of this site.
    site: Option<String>,
    /// Published at or after (RFC 3339 or YYYY-MM-DD).
    from: Option<String>,
    /// Published at or before (RFC 3339 or YYYY-MM-DD).
    to: Option<String>,
    /// A person or organisation named as a speaker or source.
    entity: Option<String>,
    /// Hits per page, 1 to 100 (default 20).
    limit: Option<usize>,
    /// Hits to skip, at most 10000.
    offset: Option<usize>,
}

fn search_query(p: SearchParams) -> Result<SearchQuery, ApiError> {
    let q = p.q.unwrap_or_default();
    if q.len() > MAX_QUERY_BYTES {
        return Err(ApiError::bad_request(format!("query is {} bytes long; at most {MAX_QUERY_BYTES} are accepted", q.len())));
    }
    for (name, v) in [("from", &p.from), ("to", &p.to)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            if copydesk_model::time::parse_instant(v).is_none() {
                return Err(ApiError::bad_request(format!("{name}={v:?} is not an RFC 3339 date-time or YYYY-MM-DD date")));
            }
        }
    }
    if let Some(l) = p.limit {
        if !(1..=100).contains(&l) {
            return Err(ApiError::bad_request(format!("limit={l}: it must be between 1 and 100")));
        }
    }
    if let Some(o) = p.offset {
        if o > MAX_OFFSET {
            return Err(ApiError::bad_request(format!("offset={o}: at most {MAX_OFFSET}; narrow the query instead")));
        }
    }
    let nonempty = |o: Option<String>| o.filter(|s| !s.trim().is_empty());
    let query = SearchQuery {
        q,
        site: nonempty(p.site),
        from: nonempty(p.from),
        to: nonempty(p.to),
        entity: nonempty(p.entity),
        limit: p.limit,
        offset: p.offset,
    };
    if query.q.trim().is_empty() && query.site.is_none() && query.from.is_none() && query.to.is_none() && query.entity.is_none() {
        return Err(ApiError::bad_request("give a query q= or at least one filter (site, from, to, entity)"));
    }
    Ok(query)
}

/// Full-text search over stored articles, with filters.
#[utoipa::path(
    get, path = "/api/search", tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching articles, best first", body = schema::SearchResults),
        (status = 400, description = "Bad query syntax, date or bounds", body = ErrorBody),
    )
)]
async fn search(State(state): State<AppState>, params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))?;
    let query = search_query(params)?;
    let backend = state.backend.clone();
    Ok(Json(blocking(&state, move || backend.search(&query)).await?).into_response())
}

/// Analyse and trace an article against the store without storing it.
///
/// Costs CPU: its body limit is smaller than a write's, and only a few run at once.
#[utoipa::path(
    post, path = "/api/check", tag = "articles",
    request_body(content = schema::Article, description = "One article as JSON; only `text` is required."),
    responses(
        (status = 200, description = "The article as it would be stored: layers, passages, sources", body = schema::ArticleView),
        (status = 400, description = "Malformed JSON, wrong types, missing text, more than one article", body = ErrorBody),
        (status = 413, description = "Body over the check size limit", body = ErrorBody),
        (status = 503, description = "Too many checks running", body = ErrorBody),
    )
)]
async fn check(State(state): State<AppState>, CheckBody(body): CheckBody) -> Result<Response, ApiError> {
    let mut articles = parse_articles(&body)?;
    if articles.len() != 1 {
        return Err(ApiError::bad_request(format!("check takes one article; the body holds {}", articles.len())));
    }
    let article = articles.pop().expect("one article");
    let _slot = tokio::time::timeout(CHECK_WAIT, state.check_slots.clone().acquire_owned())
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too many checks running; try again later"))?
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"))?;
    let backend = state.backend.clone();
    Ok(Json(blocking(&state, move || backend.check(article)).await?).into_response())
}

/// A reprint family: its original, its copies and who copied from whom.
#[utoipa::path(
    get, path = "/api/families/{id}", tag = "families",
    params(("id" = String, Path, description = "The family id: its original's article id")),
    responses(
        (status = 200, description = "The family and its lineage", body = schema::FamilyView),
        (status = 400, description = "An id that cannot be one", body = ErrorBody),
        (status = 404, description = "No family with this id", body = ErrorBody),
    )
)]
async fn get_family(State(state): State<AppState>, Name(id): Name) -> Result<Response, ApiError> {
    let backend = state.backend.clone();
    let lookup = id.clone();
    match blocking(&state, move || backend.family(&lookup)).await? {
        Some(f) => Ok(Json(f).into_response()),
        None => Err(ApiError::not_found(format!("no family with id {id:?} (a family's id is its original's article id)"))),
    }
}

/// A site's reuse statistics and spin fingerprint (its systematic substitutions).
#[utoipa::path(
    get, path = "/api/sites/{site}", tag = "sites",
    params(("site" = String, Path, description = "The site, e.g. `example.com`")),
    responses(
        (status = 200, description = "The site's statistics and substitutions", body = schema::SiteView),
        (status = 400, description = "A name that cannot be a site", body = ErrorBody),
        (status = 404, description = "No stored article from this site", body = ErrorBody),
    )
)]
async fn get_site(State(state): State<AppState>, Name(site): Name) -> Result<Response, ApiError> {
    let backend = state.backend.clone();
    let lookup = site.clone();
    match blocking(&state, move || backend.site(&lookup)).await? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::not_found(format!("no stored article from site {site:?}"))),
    }
}

/// Counts of what the store holds.
#[utoipa::path(
    get, path = "/api/stats", tag = "store",
    responses((status = 200, description = "Counts", body = schema::StoreStats))
)]
async fn stats(State(state): State<AppState>) -> Result<Response, ApiError> {
    let backend = state.backend.clone();
    Ok(Json(blocking(&state, move || backend.stats()).await?).into_response())
}

/// This document.
#[utoipa::path(
    get, path = "/api/openapi.json", tag = "store",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json"))
)]
async fn openapi_json(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.clone()).into_response()
}
