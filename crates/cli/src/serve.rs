//! `copydesk serve`: the HTTP API and web page over a store.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The store directory (created if absent).
    #[arg(long, default_value = "copydesk-data")]
    store: PathBuf,
    /// Address to listen on. A non-loopback address needs --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Bearer token for writes (POST /api/articles); default: $COPYDESK_TOKEN. Without one,
    /// writes are refused.
    #[arg(long)]
    token: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = copydesk_serve::DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Largest POST /api/check body accepted, in bytes.
    #[arg(long, default_value_t = copydesk_serve::DEFAULT_MAX_CHECK_BODY)]
    max_check_body: usize,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let token = args
        .token
        .or_else(|| std::env::var("COPYDESK_TOKEN").ok())
        .filter(|t| !t.trim().is_empty());
    match copydesk_serve::check_bind(&args.addr, token.as_deref()) {
        Err(message) => {
            eprintln!("copydesk: {message}");
            return Ok(exit::USAGE);
        }
        Ok(Some(warning)) => eprintln!("copydesk: warning: {warning}"),
        Ok(None) => {}
    }
    let store = Arc::new(copydesk_store::Store::open(&args.store)?);
    let articles = store.stats()?.articles;
    let writes = token.is_some();
    let config = copydesk_serve::Config {
        token,
        max_body: args.max_body,
        max_check_body: args.max_check_body,
        ..Default::default()
    };
    let store_dir = args.store.display().to_string();
    copydesk_serve::run(store, config, args.addr, |addr| {
        println!("copydesk: serving {store_dir} ({articles} articles) at http://{addr}/ (Ctrl-C stops)");
        if !writes {
            eprintln!("copydesk: no --token: POST /api/articles is refused; use `copydesk ingest` to add articles");
        }
    })
    .map_err(|e| anyhow::anyhow!("serving on {}: {e}", args.addr))?;
    Ok(exit::OK)
}
