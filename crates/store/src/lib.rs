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

use std::path::Path;

use copydesk_model::Article;
use serde::{Deserialize, Serialize};

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
    _private: (),
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
    /// SQLite and finishes any ingest an interruption left untraced.
    pub fn open(dir: &Path) -> Result<Store> {
        let _ = dir;
        todo!("store: open")
    }

    /// Analyses (when `article.layers` is empty), stores, indexes and traces `articles`
    /// as one batch, in order. Articles are committed as they are stored: an interruption
    /// loses nothing already reported. `progress` is called with the number done so far.
    pub fn ingest(
        &self,
        articles: Vec<Article>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Vec<IngestResult>, IngestReport)> {
        let _ = (articles, progress);
        todo!("store: ingest")
    }

    /// The article with its layers and provenance; `None` for an unknown id.
    pub fn article(&self, id: &str) -> Result<Option<ArticleView>> {
        let _ = id;
        todo!("store: article")
    }

    /// Analyses and traces `article` against the store without storing it.
    pub fn check(&self, article: Article) -> Result<ArticleView> {
        let _ = article;
        todo!("store: check")
    }

    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        let _ = query;
        todo!("store: search")
    }

    /// `None` when no family has this id (an article that is no family's original).
    pub fn family(&self, id: &str) -> Result<Option<FamilyView>> {
        let _ = id;
        todo!("store: family")
    }

    /// `None` for a site with no article in the store.
    pub fn site(&self, site: &str) -> Result<Option<SiteView>> {
        let _ = site;
        todo!("store: site")
    }

    pub fn stats(&self) -> Result<StoreStats> {
        todo!("store: stats")
    }

    /// Rebuilds the derived indexes (full text, fingerprints) from SQLite.
    pub fn reindex(&self, progress: &mut dyn FnMut(u64)) -> Result<ReindexReport> {
        let _ = progress;
        todo!("store: reindex")
    }
}
