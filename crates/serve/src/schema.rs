//! OpenAPI schemas of the API's JSON bodies.
//!
//! The bodies are the store's own types (`copydesk_store`), serialised as they are. Those
//! types carry no schema derive, so this module mirrors each one field for field with the
//! same serde attributes and derives the schema from the mirror. The tests round-trip real
//! store values through every mirror (`deny_unknown_fields`), so a field added to a store
//! type and not here fails the build's tests instead of leaving the document wrong.
//!
//! Analysis layers are described as an object: their shape is the article schema in
//! docs/schema.md, owned by `copydesk_model`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A clean article with its analysis layers (docs/schema.md).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// RFC 3339 date-time or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bylines: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The body; every span anywhere is a UTF-8 byte range `[start, end)` into it.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<u64>>)]
    pub paragraphs: Vec<[usize; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captions: Vec<Caption>,
    /// `html`, `warc`, `arc`, `feed`, `jsonl`, `csv` or `text`.
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub content_hash: String,
    #[serde(default)]
    pub origin: Origin,
    /// Sentences, tokens, quotes, attributions, unattributed claims, times, amounts, notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub layers: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Caption {
    pub text: String,
    /// `caption` or `credit`.
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// How one article fared in an ingest.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    Added,
    Unchanged,
    Revised,
    Rejected,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestResult {
    pub id: String,
    pub outcome: IngestOutcome,
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestReport {
    pub added: u64,
    pub unchanged: u64,
    pub revised: u64,
    pub rejected: u64,
    /// Articles stored earlier that were traced again because an earlier source arrived.
    pub retraced: u64,
    pub passages: u64,
}

/// The answer of `POST /api/articles`: one result per article, in input order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestResponse {
    pub results: Vec<IngestResult>,
    pub report: IngestReport,
}

/// A reused passage: `[begin, end)` of the target's text came from `[source_begin,
/// source_end)` of the earliest article holding it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Passage {
    pub target: String,
    pub begin: usize,
    pub end: usize,
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
    pub edits: Vec<Edit>,
    /// `unknown` when the two are not both dated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    pub source_ref: ArticleRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_ref: Option<ArticleRef>,
    pub source_text: String,
}

/// A word-level edit from the source's wording to the target's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// One article with its layers and provenance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleView {
    pub article: Article,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    #[serde(default)]
    pub revisions: Vec<RevisionRef>,
    pub passages: Vec<Passage>,
    #[schema(value_type = Vec<Vec<u64>>)]
    pub unsourced: Vec<[usize; 2]>,
    pub reused_share: f32,
    pub sources: Vec<ArticleRef>,
    pub reused_by: Vec<ArticleRef>,
    pub families: Vec<String>,
    /// Filled by a later stage; empty for now.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub entities: Vec<serde_json::Value>,
    /// Filled by a later stage; empty for now.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionRef {
    pub revision: u32,
    pub ingested: String,
    pub content_hash: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchHit {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub score: f32,
    /// An extract with matched words as `<b>..</b>`; the rest is HTML-escaped.
    pub snippet: String,
    pub reused_share: f32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// A reprint family; its id is its original's article id.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyView {
    pub id: String,
    pub original: ArticleRef,
    pub copies: Vec<FamilyMember>,
    pub lineage: Vec<LineageEdge>,
    /// False when some member is undated: the order is then partly a guess.
    pub dated: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyMember {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub bytes: usize,
    pub kinds: Vec<String>,
}

/// `to` copied from `from`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineageEdge {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
}

/// A site's reuse statistics and spin fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteView {
    pub site: String,
    pub articles: u64,
    pub reusing_articles: u64,
    pub reused_share: f32,
    pub sources: Vec<SiteCount>,
    pub reused_by: Vec<SiteCount>,
    pub substitutions: Vec<SiteSubstitution>,
    pub recent: Vec<ArticleRef>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteCount {
    pub site: String,
    pub passages: u64,
}

/// A systematic swap: `from` is the source's wording, `to` the site's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteSubstitution {
    pub from: String,
    pub to: String,
    pub count: u32,
    pub articles: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreStats {
    pub articles: u64,
    pub revisions: u64,
    pub passages: u64,
    pub families: u64,
    pub sites: u64,
}

/// The same JSON through a mirror and back: the mirror matches the store's type when the
/// two agree, and `Err` names the first difference.
pub fn roundtrip<M: Serialize + serde::de::DeserializeOwned>(value: &impl Serialize) -> Result<(), String> {
    let original = serde_json::to_value(value).map_err(|e| e.to_string())?;
    let mirror: M = serde_json::from_value(original.clone()).map_err(|e| e.to_string())?;
    let again = serde_json::to_value(&mirror).map_err(|e| e.to_string())?;
    if again == original {
        Ok(())
    } else {
        Err(format!("mirror serialises differently:\n  store:  {original}\n  mirror: {again}"))
    }
}
