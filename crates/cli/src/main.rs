//! The `copydesk` binary: parses the command line and hands over to the library crates.
//! It holds no logic of its own beyond wiring, output formatting and exit codes.

mod analyze;
mod common;
mod extract;
mod output;
mod store;
mod serve;
mod trace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in the README.
pub mod exit {
    /// Everything read and written.
    pub const OK: u8 = 0;
    /// Some inputs or records failed (each reported); the rest was processed.
    pub const PARTIAL: u8 = 1;
    /// Bad command line.
    pub const USAGE: u8 = 2;
    /// Nothing could be processed: every input failed.
    pub const FAILED: u8 = 3;
}

#[derive(Parser)]
#[command(name = "copydesk", version, about = "Where a news article came from and what is wrong with it.", long_about = None)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read news (HTML, WARC/ARC, RSS/Atom/JSON Feed, JSON lines, CSV, text) into clean articles.
    Extract(extract::Args),
    /// Find sentences, quotes and speakers, sources, dates and amounts in articles.
    Analyze(analyze::Args),
    /// Trace text reuse across a corpus: passages with their earliest sources, coverage, spin, families.
    Trace(trace::Args),
    /// Show where each passage of one article came from.
    Provenance(trace::ProvenanceArgs),
    /// Keep a persistent fingerprint index of a corpus on disk.
    #[command(subcommand)]
    Index(trace::IndexCommand),
    /// Trace article(s) against an index: their passages and earliest sources.
    Sources(trace::SourcesArgs),
    /// Store articles (analysed, traced, indexed for search) in a store directory.
    Ingest(store::IngestArgs),
    /// Full-text search of a store, with filters (site, dates, quoted people and sources).
    Search(store::SearchArgs),
    /// Rebuild a store's search and fingerprint indexes from its database.
    Reindex(store::ReindexArgs),
    /// Serve the HTTP JSON API and the web page over a store.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("COPYDESK_LOG").unwrap_or_else(|_| level.into()))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Provenance(args) => trace::provenance(args),
        Command::Index(cmd) => trace::index(cmd),
        Command::Sources(args) => trace::sources(args),
        Command::Ingest(args) => store::ingest(args),
        Command::Search(args) => store::search(args),
        Command::Reindex(args) => store::reindex(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("copydesk: {e:#}");
            ExitCode::from(exit::FAILED)
        }
    }
}
