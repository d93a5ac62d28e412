//! copydesk's store: where articles accumulate, analysed and traced as they arrive.
//!
//! A store is a directory:
//! - `copydesk.sqlite`: the system of record (SQLite in WAL mode): articles and their
//!   revisions, analysis layers, passages, families and per-site substitutions. Anyone can
//!   open it with any SQLite tool; the schema is in docs/schema.md.
//! - `search/`: the tantivy full-text index, and `fingerprints/`: the reuse fingerprint
//!   index ([`copydesk_trace::index`]). Both are derived data: [`Store::reindex`] rebuilds
//!   them from SQLite, and opening a store catches them up with what SQLite holds.
//!
//! Architecture invariants:
//! - SQLite is the only truth. Every write of an article (its row, its layers) is one
//!   transaction; derived indexes are updated after the commit and are allowed to lag
//!   (a crash between the two is repaired on the next open), never to lead.
//! - Readers never block on the writer (WAL): a request reads one consistent snapshot.
//! - Provenance does not depend on ingest order: when an article arrives that is earlier
//!   than articles already stored and shares text with them, those are traced again.
//!
//! This file is the crate's public contract, used by `copydesk` (cli) and `copydesk-serve`.
//! Signatures and the JSON shapes of the view types are shared with the serve crate and
//! the web page: change them only additively.

mod db;
mod ingest;
mod search;
mod views;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use copydesk_model::Article;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use ingest::{CHUNK, MAX_TEXT_BYTES};

/// What went wrong, in words a user or an HTTP client can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request or input is wrong (bad query syntax, an article without text, ...).
    #[error("{0}")]
    BadInput(String),
    /// The store cannot be used (missing, locked, corrupt, newer schema ...).
    #[error("store {path}: {message}")]
    Unavailable { path: String, message: String },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("search index: {0}")]
    Search(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// An open store. `Send + Sync`: share it behind an `Arc`; reads run concurrently with
/// one writer.
pub struct Store {
    dir: PathBuf,
    db_path: PathBuf,
    fp_dir: PathBuf,
    /// The one write connection (SQLite allows one writer at a time anyway).
    writer: Mutex<Connection>,
    /// Idle read connections, reused.
    readers: Mutex<Vec<Connection>>,
    search: search::Search,
    cfg: copydesk_trace::Config,
    analyze: copydesk_analyze::Options,
}

/// A read connection borrowed from the pool for one view, inside one read transaction
/// (one snapshot), given back when dropped.
struct Reader<'a> {
    store: &'a Store,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("reader connection")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if c.execute_batch("COMMIT").is_ok() || c.is_autocommit() {
                let mut pool = self.store.readers.lock().unwrap_or_else(|p| p.into_inner());
                if pool.len() < 16 {
                    pool.push(c);
                }
            }
        }
    }
}

/// The store's write lock (one writing process at a time), with the write connection.
struct WriteGuard<'a> {
    conn: MutexGuard<'a, Connection>,
    _lock: File,
}

/// How one article fared in [`Store::ingest`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    /// New id: stored as revision 1.
    Added,
    /// Same id (or URL) and the same text as stored: nothing written.
    Unchanged,
    /// Same id (or URL), different text: stored as a new revision, the old one kept.
    Revised,
    /// Not stored (the reason is in `message`).
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestResult {
    pub id: String,
    pub outcome: IngestOutcome,
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Totals of one ingest call (or a whole `copydesk ingest` run).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IngestReport {
    pub added: u64,
    pub unchanged: u64,
    pub revised: u64,
    pub rejected: u64,
    /// Articles stored earlier that were traced again because an earlier source arrived.
    pub retraced: u64,
    pub passages: u64,
}

/// A reused passage as stored: the trace crate's passage record plus, for display, the
/// source's and the `via` copy's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Passage {
    pub target: String,
    pub begin: usize,
    pub end: usize,
    /// The earliest article holding this text.
    pub source: String,
    pub source_begin: usize,
    pub source_end: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_begin: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_end: Option<usize>,
    pub similarity: f32,
    /// `verbatim`, `edited` or `spun`.
    pub kind: String,
    /// Word-level edits from the source's wording to the target's.
    pub edits: Vec<Edit>,
    /// `"unknown"` when the two are not both dated: no direction claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// The source article, for display (site, time, title; its text is not repeated).
    pub source_ref: ArticleRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_ref: Option<ArticleRef>,
    /// The source's text of the passage (for showing the word-level differences).
    pub source_text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Edit {
    pub from: String,
    pub to: String,
}

/// Enough about an article to show it in a list.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ArticleRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One article with everything known about it: `GET /api/articles/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleView {
    /// The article with all its layers (`article.layers`).
    pub article: Article,
    /// 1 for the first version; `None` for an article checked but not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Earlier revisions of the same article, oldest first (id, revision, when ingested).
    #[serde(default)]
    pub revisions: Vec<RevisionRef>,
    /// Where its text came from: passages in text order.
    pub passages: Vec<Passage>,
    /// Spans of `article.text` with no source (whitespace trimmed), in text order.
    pub unsourced: Vec<[usize; 2]>,
    /// Share of the text's bytes inside passages, 0..1.
    pub reused_share: f32,
    /// The sources in time order (undated last), each once.
    pub sources: Vec<ArticleRef>,
    /// Articles that reuse this one's text (it is their `source` or `via`), in time order.
    pub reused_by: Vec<ArticleRef>,
    /// Families this article belongs to (as original or copy): family ids.
    pub families: Vec<String>,
    /// Entities: filled by a later stage; always present, empty for now.
    #[serde(default)]
    pub entities: Vec<serde_json::Value>,
    /// Integrity findings: filled by a later stage (check); always present, empty for now.
    #[serde(default)]
    pub findings: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevisionRef {
    pub revision: u32,
    pub ingested: String,
    pub content_hash: String,
}

/// `GET /api/search` and `copydesk search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Full-text query (tantivy syntax: words, "phrases", AND/OR/-); may be empty when a
    /// filter is given.
    pub q: String,
    pub site: Option<String>,
    /// Inclusive bounds on the publication time: RFC 3339 or `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// An entity name (speakers and named sources until the entity stage lands).
    pub entity: Option<String>,
    /// Default 20, at most 100.
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub article: ArticleRef,
    pub score: f32,
    /// A short extract around the best match, with matched words as `<b>..</b>` (the rest
    /// HTML-escaped).
    pub snippet: String,
    pub reused_share: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// `GET /api/families/{id}`: the family's id is its original's article id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyView {
    pub id: String,
    pub original: ArticleRef,
    /// Copies earliest first (undated last), with how much of each is this family's text.
    pub copies: Vec<FamilyMember>,
    /// Who copied from whom, when.
    pub lineage: Vec<LineageEdge>,
    /// False when some member is undated: the order is then partly a guess.
    pub dated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyMember {
    #[serde(flatten)]
    pub article: ArticleRef,
    /// Bytes of the copy inside this family's passages.
    pub bytes: usize,
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineageEdge {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
}

/// `GET /api/sites/{site}`: a site's reuse statistics and spin fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteView {
    pub site: String,
    pub articles: u64,
    /// Articles with at least one passage from another article.
    pub reusing_articles: u64,
    /// Mean share of its articles' text that is reused.
    pub reused_share: f32,
    /// Sites it takes text from, most passages first.
    pub sources: Vec<SiteCount>,
    /// Sites that take text from it, most passages first.
    pub reused_by: Vec<SiteCount>,
    /// Its systematic substitutions (`from` = the source's wording), most frequent first.
    pub substitutions: Vec<SiteSubstitution>,
    /// Its latest articles.
    pub recent: Vec<ArticleRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteCount {
    pub site: String,
    pub passages: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteSubstitution {
    pub from: String,
    pub to: String,
    pub count: u32,
    pub articles: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoreStats {
    pub articles: u64,
    pub revisions: u64,
    pub passages: u64,
    pub families: u64,
    pub sites: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReindexReport {
    pub articles: u64,
    pub passages: u64,
}

impl Store {
    /// Opens the store in `dir`, creating it if absent; catches derived indexes up with
    /// SQLite and finishes any ingest an interruption left untraced. When another process
    /// is writing to the store, it opens for reading and leaves the catching up to it.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable {
            path: dir.display().to_string(),
            message: format!("cannot create the directory: {e}"),
        })?;
        let db_path = dir.join("copydesk.sqlite");
        let conn = db::open_writer(dir, &db_path)?;
        let search = search::Search::open(&dir.join("search"))?;
        let store = Store {
            dir: dir.to_path_buf(),
            db_path,
            fp_dir: dir.join("fingerprints"),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            search,
            cfg: copydesk_trace::Config::default(),
            analyze: copydesk_analyze::Options { tokens: false },
        };
        match store.try_write() {
            Ok(Some(w)) => {
                store.search.reader.reload().ok();
                let r = store.finish_pending(&w.conn, &mut |_, _| {});
                store.search.release();
                r?;
            }
            Ok(None) => tracing::info!(
                "{}: another process is writing; opened for reading",
                dir.display()
            ),
            Err(e) => return Err(e),
        }
        Ok(store)
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn unavailable(&self, message: impl Into<String>) -> StoreError {
        StoreError::Unavailable {
            path: self.dir.display().to_string(),
            message: message.into(),
        }
    }

    /// The write lock, or `None` when another process holds it.
    fn try_write(&self) -> Result<Option<WriteGuard<'_>>> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("write.lock"))?;
        match f.try_lock() {
            Ok(()) => Ok(Some(WriteGuard { conn, _lock: f })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    fn write(&self) -> Result<WriteGuard<'_>> {
        self.try_write()?
            .ok_or_else(|| self.unavailable("another process is writing to this store"))
    }

    fn read(&self) -> Result<Reader<'_>> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => db::open_reader(&self.db_path)?,
        };
        conn.execute_batch("BEGIN")?;
        Ok(Reader {
            store: self,
            conn: Some(conn),
        })
    }

    /// Analyses (when `article.layers` is empty), stores, indexes and traces `articles`
    /// as one batch, in order. Articles are committed as they are stored: an interruption
    /// loses nothing already reported. `progress` is called with the number done so far.
    pub fn ingest(
        &self,
        articles: Vec<Article>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Vec<IngestResult>, IngestReport)> {
        let w = self.write()?;
        let r = self.ingest_locked(&w.conn, articles, true, progress);
        self.search.release();
        r
    }

    /// Stores `articles` like [`Store::ingest`] but leaves them untraced (and out of the
    /// search index) until [`Store::trace_pending`]: for loading many batches at once,
    /// where tracing each batch as it comes would trace stored copies again whenever an
    /// earlier source arrives in a later batch. An interruption loses nothing: opening
    /// the store traces what is pending.
    pub fn add(
        &self,
        articles: Vec<Article>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Vec<IngestResult>, IngestReport)> {
        let w = self.write()?;
        self.ingest_locked(&w.conn, articles, false, progress)
    }

    /// Indexes and traces every article stored but not traced yet, in publication
    /// order; `progress(done, total)`. Returns the re-traced and passage counts.
    pub fn trace_pending(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<IngestReport> {
        let w = self.write()?;
        let r = self.finish_pending(&w.conn, progress);
        self.search.release();
        let (retraced, passages) = r?;
        Ok(IngestReport {
            retraced,
            passages,
            ..Default::default()
        })
    }

    /// The article with its layers and provenance; `None` for an unknown id.
    pub fn article(&self, id: &str) -> Result<Option<ArticleView>> {
        views::article(&*self.read()?, id)
    }

    /// An earlier (or the current) revision of an article as stored, with its layers.
    pub fn revision(&self, id: &str, revision: u32) -> Result<Option<Article>> {
        views::revision(&*self.read()?, id, revision)
    }

    /// Analyses and traces `article` against the store without storing it.
    pub fn check(&self, mut article: Article) -> Result<ArticleView> {
        if article.text.trim().is_empty() {
            return Err(StoreError::BadInput("the article has no text".into()));
        }
        if article.text.len() > MAX_TEXT_BYTES {
            return Err(StoreError::BadInput(format!(
                "text of {} bytes is over the limit of {} MiB",
                article.text.len(),
                MAX_TEXT_BYTES >> 20
            )));
        }
        article.ensure_id();
        article.content_hash = copydesk_model::hash_hex(article.text.as_bytes());
        if article.layers.is_empty() {
            copydesk_analyze::analyze(&mut article, &self.analyze);
        }
        let conn = self.read()?;
        let passages = self.trace_unstored(&conn, &article)?;
        views::article_view(&conn, article, None, Vec::new(), passages)
    }

    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        let (total, hits, snippets) = self.search.query(query)?;
        let conn = self.read()?;
        let mut out = Vec::with_capacity(hits.len());
        for (id, score) in hits {
            let Some(article) = db::article_ref(&conn, &id)? else {
                continue;
            };
            let (share, text): (f64, String) = conn
                .prepare_cached("SELECT a.reused_share, r.text FROM articles a JOIN revisions r ON r.seq = a.current WHERE a.id = ?1")?
                .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let snippet = snippets
                .as_ref()
                .map(|g| g.snippet(&text).to_html())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| lead(&text));
            out.push(SearchHit {
                article,
                score,
                snippet,
                reused_share: share as f32,
            });
        }
        Ok(SearchResults { total, hits: out })
    }

    /// `None` when no family has this id (an article that is no family's original).
    pub fn family(&self, id: &str) -> Result<Option<FamilyView>> {
        views::family(&*self.read()?, id)
    }

    /// `None` for a site with no article in the store.
    pub fn site(&self, site: &str) -> Result<Option<SiteView>> {
        views::site(
            &*self.read()?,
            site,
            copydesk_trace::spin::MineParams {
                min_count: self.cfg.min_substitution_count,
                min_rate: self.cfg.min_substitution_rate,
            },
        )
    }

    pub fn stats(&self) -> Result<StoreStats> {
        views::stats(&*self.read()?)
    }

    /// Rebuilds the derived indexes (full text, fingerprints) from SQLite.
    pub fn reindex(&self, progress: &mut dyn FnMut(u64)) -> Result<ReindexReport> {
        let w = self.write()?;
        let r = (|| -> Result<ReindexReport> {
            if self.fp_dir.exists() {
                std::fs::remove_dir_all(&self.fp_dir)?;
            }
            w.conn
                .execute("DELETE FROM meta WHERE key IN ('fingerprints_seq', 'fingerprints_articles')", [])?;
            self.search.clear()?;
            let total: u64 = w
                .conn
                .query_row("SELECT COUNT(*) FROM revisions", [], |r| r.get(0))?;
            // Fingerprints first, then full text, each in slices so progress moves.
            self.sync_fingerprints(&w.conn)?;
            progress(total / 2);
            self.sync_search(&w.conn)?;
            progress(total);
            let s = views::stats(&w.conn)?;
            Ok(ReindexReport {
                articles: s.articles,
                passages: s.passages,
            })
        })();
        self.search.release();
        r
    }
}

/// The start of a text, HTML-escaped: the snippet of a hit found by filters alone.
fn lead(text: &str) -> String {
    let mut end = text.len().min(240);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = String::with_capacity(end + 16);
    for c in text[..end].chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    if end < text.len() {
        s.push('…');
    }
    s
}
