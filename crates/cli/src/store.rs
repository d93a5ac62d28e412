//! `copydesk ingest`, `copydesk search` and `copydesk reindex`: the store's commands.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use copydesk_model::Article;
use copydesk_read::{read_inputs, Event, ReadOptions};
use copydesk_store::{IngestOutcome, IngestReport, SearchQuery, Store, StoreError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::exit;

const DEFAULT_STORE: &str = "copydesk-data";

/// Articles handed to the store at once (it commits them in smaller chunks).
const BATCH: usize = 2048;

#[derive(clap::Args)]
#[command(
    after_help = "INPUT is anything `copydesk extract` reads. Each article is analysed, traced against \
everything stored and indexed for search. Ingesting the same article again changes nothing; a changed text \
under the same id (or URL) is stored as a new revision, the old one kept. An interrupted ingest loses nothing \
committed: run it again to finish.\n\n\
Exit codes: 0 all stored; 1 some inputs, records or articles failed (each reported on stderr); 2 bad usage; \
3 nothing could be stored."
)]
pub struct IngestArgs {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The store directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STORE)]
    store: PathBuf,
    /// Field mapping for JSON lines and CSV: article_field=input_field,...
    #[arg(long, value_name = "SPEC")]
    map: Option<String>,
    /// Set the URL of the article(s) read.
    #[arg(long)]
    url: Option<String>,
    /// Set the publication date (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    published: Option<String>,
    /// Set the publishing site.
    #[arg(long)]
    site: Option<String>,
    /// Print the totals as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
#[command(
    after_help = "QUERY is tantivy syntax: words (all must match), \"a phrase\", OR, -word, title:word. \
It may be left out when a filter is given.\n\nExit codes: 0 done (also with no hits); 2 bad query or usage; \
3 no store."
)]
pub struct SearchArgs {
    /// What to look for.
    #[arg(default_value = "")]
    query: String,
    /// Only articles of this site.
    #[arg(long)]
    site: Option<String>,
    /// Published on or after (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Published on or before (a bare day includes the whole day).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Articles quoting or citing this person or source.
    #[arg(long)]
    entity: Option<String>,
    /// Hits to show (at most 100).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// The store directory.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STORE)]
    store: PathBuf,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
#[command(
    after_help = "Rebuilds the full-text and fingerprint indexes from the SQLite database, which \
holds everything (articles, revisions, layers, passages). Passages are kept as they are."
)]
pub struct ReindexArgs {
    /// The store directory.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STORE)]
    store: PathBuf,
}

fn bar(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:30}} {{pos}}/{{len}} {what} [{{elapsed_precise}}, eta {{eta}}]"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {{pos}} {what} [{{elapsed_precise}}, {{per_sec}}] {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// An existing store, or the exit code of a clear message.
fn existing(dir: &Path) -> Result<Store, u8> {
    if !dir.join("copydesk.sqlite").exists() {
        eprintln!(
            "copydesk: no store at {} (create one with `copydesk ingest INPUT --store {}`)",
            dir.display(),
            dir.display()
        );
        return Err(exit::FAILED);
    }
    Store::open(dir).map_err(|e| {
        eprintln!("copydesk: {e}");
        exit::FAILED
    })
}

pub fn ingest(args: IngestArgs) -> anyhow::Result<u8> {
    let opts = match crate::common::read_options(args.map.as_deref(), args.published.as_deref()) {
        Ok(o) => ReadOptions {
            url: args.url,
            site: args.site,
            ..o
        },
        Err(code) => return Ok(code),
    };
    let store = match Store::open(&args.store) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("copydesk: {e}");
            return Ok(exit::FAILED);
        }
    };
    let pb = spinner("articles");
    let mut total = IngestReport::default();
    let mut fatal: Option<StoreError> = None;
    let mut batch: Vec<Article> = Vec::with_capacity(BATCH);
    let flush =
        |batch: &mut Vec<Article>, total: &mut IngestReport, fatal: &mut Option<StoreError>| {
            if batch.is_empty() || fatal.is_some() {
                batch.clear();
                return;
            }
            let base = pb.position();
            match store.add(std::mem::take(batch), &mut |n| pb.set_position(base + n)) {
                Ok((results, r)) => {
                    for res in results
                        .iter()
                        .filter(|r| r.outcome == IngestOutcome::Rejected)
                    {
                        pb.suspend(|| {
                            eprintln!("copydesk: {}", res.message.as_deref().unwrap_or("rejected"))
                        });
                    }
                    total.added += r.added;
                    total.unchanged += r.unchanged;
                    total.revised += r.revised;
                    total.rejected += r.rejected;
                    total.retraced += r.retraced;
                    total.passages += r.passages;
                    pb.set_message(format!(
                        "{} added, {} unchanged, {} revised",
                        total.added, total.unchanged, total.revised
                    ));
                }
                Err(e) => *fatal = Some(e),
            }
        };
    let stats = read_inputs(&args.inputs, &opts, &mut |ev| match ev {
        Event::Article(a) => {
            batch.push(*a);
            if batch.len() >= BATCH {
                flush(&mut batch, &mut total, &mut fatal);
            }
        }
        Event::Error(e) => pb.suspend(|| eprintln!("copydesk: {e}")),
        Event::Skipped { origin, reason } => tracing::debug!("skipped {origin}: {reason}"),
        Event::InputStarted { path, .. } => tracing::info!("reading {path}"),
    });
    flush(&mut batch, &mut total, &mut fatal);
    pb.finish_and_clear();
    if fatal.is_none() {
        // Every article of the run is stored before any is traced: each is then traced
        // once, against all the others, in publication order.
        let tb = bar("traced");
        match store.trace_pending(&mut |done, n| {
            tb.set_length(n);
            tb.set_position(done);
        }) {
            Ok(r) => {
                total.retraced += r.retraced;
                total.passages += r.passages;
            }
            Err(e) => fatal = Some(e),
        }
        tb.finish_and_clear();
    }
    if let Some(e) = fatal {
        eprintln!("copydesk: {e}");
        eprintln!(
            "copydesk: stopped; what was committed is kept (run the same command again to finish)"
        );
        return Ok(exit::FAILED);
    }
    eprintln!(
        "copydesk: {} added, {} unchanged, {} revised, {} rejected; {} passages written, {} stored articles re-traced ({})",
        total.added,
        total.unchanged,
        total.revised,
        total.rejected,
        total.passages,
        total.retraced,
        args.store.display()
    );
    if args.json {
        println!("{}", serde_json::to_string(&total)?);
    }
    let stored = total.added + total.unchanged + total.revised;
    let errors = stats.errors + total.rejected;
    Ok(if errors == 0 {
        exit::OK
    } else if stored == 0 {
        exit::FAILED
    } else {
        exit::PARTIAL
    })
}

/// `<b>` marks of a snippet as terminal bold (or nothing), entities decoded.
fn plain_snippet(s: &str, bold: bool) -> String {
    let (on, off) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    s.replace("<b>", on)
        .replace("</b>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace('\n', " ")
}

pub fn search(args: SearchArgs) -> anyhow::Result<u8> {
    let store = match existing(&args.store) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let q = SearchQuery {
        q: args.query,
        site: args.site,
        from: args.from,
        to: args.to,
        entity: args.entity,
        limit: Some(args.limit),
        offset: Some(args.offset),
    };
    let res = match store.search(&q) {
        Ok(r) => r,
        Err(StoreError::BadInput(m)) => {
            eprintln!("copydesk: {m}");
            return Ok(exit::USAGE);
        }
        Err(e) => return Err(e).context("search failed"),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &res)?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    let bold = std::io::stdout().is_terminal();
    for h in &res.hits {
        let a = &h.article;
        writeln!(
            out,
            "{}  {}  {}  {}  (reused {:.0}%)",
            a.id,
            a.site.as_deref().unwrap_or("-"),
            a.published.as_deref().unwrap_or("undated"),
            a.title.as_deref().unwrap_or(""),
            h.reused_share * 100.0
        )?;
        writeln!(out, "    {}", plain_snippet(&h.snippet, bold))?;
    }
    eprintln!("copydesk: {} hits, {} shown", res.total, res.hits.len());
    Ok(exit::OK)
}

pub fn reindex(args: ReindexArgs) -> anyhow::Result<u8> {
    let store = match existing(&args.store) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let pb = spinner("revisions");
    let r = store
        .reindex(&mut |n| pb.set_position(n))
        .context("reindex failed")?;
    pb.finish_and_clear();
    eprintln!(
        "copydesk: reindexed {} articles ({} passages kept) in {}",
        r.articles,
        r.passages,
        args.store.display()
    );
    Ok(exit::OK)
}
