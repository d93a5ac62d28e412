//! The full-text index (tantivy): derived data, rebuilt from SQLite by `reindex`.
//!
//! One document per article (its current revision). The commit payload records the
//! highest revision sequence number indexed, so that opening a store can tell how far the
//! index lags behind SQLite.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use copydesk_model::Article;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::{Result, StoreError};

pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub text: Field,
    pub site: Field,
    pub published: Field,
    pub entity: Field,
}

pub struct Search {
    pub dir: PathBuf,
    pub index: Index,
    pub reader: IndexReader,
    pub f: Fields,
    /// Opened for a write and dropped after it, so that other processes can write later.
    writer: Mutex<Option<IndexWriter>>,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Search(e.to_string())
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", TEXT),
        text: b.add_text_field("text", TEXT),
        site: b.add_text_field("site", STRING),
        published: b.add_i64_field("published", INDEXED | FAST),
        entity: b.add_text_field("entity", TEXT),
    };
    (b.build(), f)
}

/// Names an article's entities: until an entity stage exists, the speakers of its quotes
/// and the named sources of its attributions.
pub fn entities(a: &Article) -> Vec<String> {
    let mut v: Vec<String> = a
        .layers
        .quotes
        .iter()
        .filter_map(|q| q.speaker_name.clone())
        .chain(a.layers.attributions.iter().map(|x| x.source_name.clone()))
        .filter(|s| !s.trim().is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

impl Search {
    /// Opens the index in `dir`; an index unreadable or of another schema is replaced by
    /// an empty one (it is derived data: the caller then catches it up from SQLite).
    pub fn open(dir: &Path) -> Result<Search> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let open = || -> tantivy::Result<Index> {
            let d = tantivy::directory::MmapDirectory::open(dir)?;
            Index::open_or_create(d, schema.clone())
        };
        let index = match open() {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!("search index {}: {e}; rebuilding it", dir.display());
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                open().map_err(err)?
            }
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(err)?;
        Ok(Search {
            dir: dir.to_path_buf(),
            index,
            reader,
            f,
            writer: Mutex::new(None),
        })
    }

    /// The highest revision sequence number whose article is indexed (0 for none).
    pub fn indexed_seq(&self) -> Result<i64> {
        let metas = self.index.load_metas().map_err(err)?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Adds (or replaces, by id) articles, then commits with `seq` as the new high mark.
    pub fn put(&self, articles: &[&Article], seq: i64) -> Result<()> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let w = self.index.writer(64 << 20).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => StoreError::Search(format!(
                    "{}: the index is being written by another process",
                    self.dir.display()
                )),
                e => err(e),
            })?;
            *guard = Some(w);
        }
        let w = guard.as_mut().expect("writer just set");
        for a in articles {
            w.delete_term(Term::from_field_text(self.f.id, &a.id));
            let mut doc = TantivyDocument::default();
            doc.add_text(self.f.id, &a.id);
            if let Some(t) = &a.title {
                doc.add_text(self.f.title, t);
            }
            doc.add_text(self.f.text, &a.text);
            if let Some(s) = &a.site {
                doc.add_text(self.f.site, s);
            }
            if let Some(ts) = crate::db::timestamp(a.published.as_deref()) {
                doc.add_i64(self.f.published, ts);
            }
            for e in entities(a) {
                doc.add_text(self.f.entity, &e);
            }
            w.add_document(doc).map_err(err)?;
        }
        let mut c = w.prepare_commit().map_err(err)?;
        c.set_payload(&seq.to_string());
        c.commit().map_err(err)?;
        self.reader.reload().map_err(err)?;
        Ok(())
    }

    /// Lets go of the writer (and its lock on the index).
    pub fn release(&self) {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = guard.take() {
            let _ = w.wait_merging_threads();
        }
    }

    /// Deletes every document (for a rebuild); committed with payload 0.
    pub fn clear(&self) -> Result<()> {
        self.put(&[], 0)?;
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let w = guard.as_mut().expect("writer opened by put");
        w.delete_all_documents().map_err(err)?;
        let mut c = w.prepare_commit().map_err(err)?;
        c.set_payload("0");
        c.commit().map_err(err)?;
        self.reader.reload().map_err(err)?;
        Ok(())
    }

    /// Article ids matching, best first, with their scores; the total count; and the
    /// query, to make snippets with.
    pub fn query(
        &self,
        q: &crate::SearchQuery,
    ) -> Result<(usize, Vec<(String, f32)>, Option<SnippetGenerator>)> {
        let searcher = self.reader.searcher();
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text_q = q.q.trim();
        let mut text_query: Option<Box<dyn Query>> = None;
        if !text_q.is_empty() {
            let mut parser = QueryParser::for_index(&self.index, vec![self.f.title, self.f.text]);
            parser.set_conjunction_by_default();
            let parsed = parser
                .parse_query(text_q)
                .map_err(|e| StoreError::BadInput(format!("query {text_q:?}: {e}")))?;
            text_query = Some(parsed.box_clone());
            must.push((Occur::Must, parsed));
        }
        if let Some(site) = q.site.as_deref().filter(|s| !s.is_empty()) {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.site, site),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let bound = |s: &str, end: bool| -> Result<i64> {
            let t = copydesk_model::time::parse_instant(s)
                .ok_or_else(|| {
                    StoreError::BadInput(format!("date {s:?} is not RFC 3339 or YYYY-MM-DD"))
                })?
                .timestamp();
            // A bare day as the upper bound takes the whole day in.
            Ok(if end && s.trim().len() == 10 {
                t + 86_399
            } else {
                t
            })
        };
        let from = q
            .from
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| bound(s, false))
            .transpose()?;
        let to =
            q.to.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| bound(s, true))
                .transpose()?;
        if from.is_some() || to.is_some() {
            let lo = from.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(self.f.published, t))
            });
            let hi = to.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(self.f.published, t))
            });
            must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
        }
        if let Some(e) = q.entity.as_deref().filter(|s| !s.trim().is_empty()) {
            let mut tok = self.index.tokenizer_for_field(self.f.entity).map_err(err)?;
            let mut stream = tok.token_stream(e);
            let mut terms = Vec::new();
            while let Some(t) = stream.next() {
                terms.push(Term::from_field_text(self.f.entity, &t.text));
            }
            match terms.len() {
                0 => return Err(StoreError::BadInput(format!("entity {e:?} has no words"))),
                1 => must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        terms.pop().unwrap(),
                        IndexRecordOption::WithFreqs,
                    )),
                )),
                _ => must.push((Occur::Must, Box::new(PhraseQuery::new(terms)))),
            }
        }
        let query: Box<dyn Query> = if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(must))
        };
        let limit = q.limit.unwrap_or(20).clamp(1, 100);
        let offset = q.offset.unwrap_or(0).min(100_000);
        let (top, total) = searcher
            .search(
                &*query,
                &(TopDocs::with_limit(limit).and_offset(offset), Count),
            )
            .map_err(err)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
            if let Some(id) = doc.get_first(self.f.id).and_then(|v| v.as_str()) {
                hits.push((id.to_string(), score));
            }
        }
        let snippets = match text_query {
            Some(tq) => {
                let mut g = SnippetGenerator::create(&searcher, &*tq, self.f.text).map_err(err)?;
                g.set_max_num_chars(240);
                Some(g)
            }
            None => None,
        };
        Ok((total, hits, snippets))
    }
}
