//! copydesk's HTTP server: the JSON API over a [`copydesk_store::Store`] and the web page
//! that reads it, on one port.
//!
//! This crate owns the HTTP surface: routes and their OpenAPI document (generated from
//! the handlers' annotations, see [`api`]), authentication of writes, body limits, the
//! JSON error shape, and the page's files (embedded in the binary, see [`page`]). It
//! holds no domain logic: every answer is a store call, run on the blocking pool.
//!
//! Invariants:
//! - A request never panics the server: a panicking handler or store call answers 500.
//! - Every error is `{"error": message, "status": code}` with a 4xx/5xx that fits.
//! - The runtime's threads never wait on SQLite or tantivy (`spawn_blocking`).
//! - Writes need the bearer token; a server on a non-loopback address needs one to start.

pub mod api;
pub mod error;
pub mod page;
pub mod schema;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::Router;
use copydesk_model::Article;
use copydesk_store::{
    ArticleView, FamilyView, IngestReport, IngestResult, SearchQuery, SearchResults, SiteView, Store, StoreStats,
};

pub use error::{ApiError, ErrorBody};

/// Default limit on a request body (writes).
pub const DEFAULT_MAX_BODY: usize = 8 << 20;
/// Default limit on a `POST /api/check` body: one article, analysed and traced at once.
pub const DEFAULT_MAX_CHECK_BODY: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct Config {
    /// Bearer token for writes; `None` disables writes.
    pub token: Option<String>,
    pub max_body: usize,
    pub max_check_body: usize,
    /// Checks running at once; more wait for a slot.
    pub check_slots: usize,
    /// Store calls running at once (each on a blocking-pool thread); more wait for a slot.
    pub store_slots: usize,
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Config {
            token: None,
            max_body: DEFAULT_MAX_BODY,
            max_check_body: DEFAULT_MAX_CHECK_BODY,
            check_slots: cores,
            store_slots: (2 * cores).clamp(4, MAX_BLOCKING_THREADS),
        }
    }
}

/// What the server asks of a store. [`Store`] is the one that counts; the trait lets the
/// server be tested with a store that fails or panics on purpose.
pub trait Backend: Send + Sync + 'static {
    fn ingest(&self, articles: Vec<Article>) -> copydesk_store::Result<(Vec<IngestResult>, IngestReport)>;
    fn article(&self, id: &str) -> copydesk_store::Result<Option<ArticleView>>;
    fn check(&self, article: Article) -> copydesk_store::Result<ArticleView>;
    fn search(&self, query: &SearchQuery) -> copydesk_store::Result<SearchResults>;
    fn family(&self, id: &str) -> copydesk_store::Result<Option<FamilyView>>;
    fn site(&self, site: &str) -> copydesk_store::Result<Option<SiteView>>;
    fn stats(&self) -> copydesk_store::Result<StoreStats>;
}

impl Backend for Store {
    fn ingest(&self, articles: Vec<Article>) -> copydesk_store::Result<(Vec<IngestResult>, IngestReport)> {
        Store::ingest(self, articles, &mut |_| {})
    }
    fn article(&self, id: &str) -> copydesk_store::Result<Option<ArticleView>> {
        Store::article(self, id)
    }
    fn check(&self, article: Article) -> copydesk_store::Result<ArticleView> {
        Store::check(self, article)
    }
    fn search(&self, query: &SearchQuery) -> copydesk_store::Result<SearchResults> {
        Store::search(self, query)
    }
    fn family(&self, id: &str) -> copydesk_store::Result<Option<FamilyView>> {
        Store::family(self, id)
    }
    fn site(&self, site: &str) -> copydesk_store::Result<Option<SiteView>> {
        Store::site(self, site)
    }
    fn stats(&self) -> copydesk_store::Result<StoreStats> {
        Store::stats(self)
    }
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    pub backend: Arc<dyn Backend>,
    pub config: Arc<Config>,
    check_slots: Arc<tokio::sync::Semaphore>,
    store_slots: Arc<tokio::sync::Semaphore>,
    openapi: Bytes,
}

/// The whole application (API, page, error shaping) over a store.
pub fn router(store: Arc<Store>, config: Config) -> Router {
    router_with(store, config)
}

/// [`router`] over any [`Backend`].
pub fn router_with(backend: Arc<dyn Backend>, config: Config) -> Router {
    let (api, doc) = api::api_router().split_for_parts();
    let openapi = Bytes::from(doc.to_pretty_json().expect("the OpenAPI document serialises"));
    let state = AppState {
        backend,
        check_slots: Arc::new(tokio::sync::Semaphore::new(config.check_slots.max(1))),
        store_slots: Arc::new(tokio::sync::Semaphore::new(config.store_slots.max(1))),
        openapi,
        config: Arc::new(config.clone()),
    };
    api.merge(page::routes())
        .fallback(no_route)
        .with_state(state)
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
}

/// The OpenAPI document, as the server serves it at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::api_router().into_openapi()
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such route: {method} {}", uri.path()))
}

/// Whether `addr` may be bound with this token: a server reachable from other machines
/// without a token would let anyone read the store and is refused; with a token, reads
/// are still open to the network, which the returned warning says.
pub fn check_bind(addr: &SocketAddr, token: Option<&str>) -> Result<Option<String>, String> {
    if addr.ip().is_loopback() {
        return Ok(None);
    }
    match token {
        None => Err(format!(
            "refusing to serve on {addr} without a token: it is reachable from other machines. \
             Give --token (or COPYDESK_TOKEN), or bind a loopback address such as 127.0.0.1"
        )),
        Some(_) => Ok(Some(format!(
            "serving on {addr}, reachable from other machines: writes need the token, reads are open to anyone who can connect"
        ))),
    }
}

/// Serves `app` on `listener` until Ctrl-C (or SIGTERM), finishing requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Store calls running at once: each holds a blocking-pool thread and a SQLite
/// connection, and past a few per core they only queue inside SQLite.
pub const MAX_BLOCKING_THREADS: usize = 64;

/// Binds `addr`, calls `ready` with the bound address, and serves until Ctrl-C on a
/// runtime of its own. For the `copydesk serve` command.
pub fn run(store: Arc<Store>, config: Config, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .thread_name("copydesk-serve")
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        serve(listener, router(store, config)).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_may_go_without_a_token() {
        let ok = |a: &str, t: Option<&str>| check_bind(&a.parse().unwrap(), t);
        assert_eq!(ok("127.0.0.1:8080", None), Ok(None));
        assert_eq!(ok("[::1]:8080", None), Ok(None));
        assert!(ok("0.0.0.0:8080", None).unwrap_err().contains("without a token"));
        assert!(ok("[::]:8080", None).is_err());
        assert!(ok("192.0.2.7:80", Some("t")).unwrap().unwrap().contains("reads are open"));
    }
}
