//! The SQLite side: schema, connections, and the rows the views are made of.

use std::path::Path;

use copydesk_model::{Article, Layers};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::{ArticleRef, Result, StoreError};

/// Bumped on every schema change; a store written by a newer copydesk is refused.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    ingested     TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    url          TEXT,
    site         TEXT,
    published    TEXT,
    published_ts INTEGER,
    title        TEXT,
    text         TEXT NOT NULL,
    article      TEXT NOT NULL,
    layers       TEXT NOT NULL,
    UNIQUE (id, revision)
);
CREATE TABLE IF NOT EXISTS articles (
    id           TEXT PRIMARY KEY,
    current      INTEGER NOT NULL UNIQUE REFERENCES revisions (seq),
    revision     INTEGER NOT NULL,
    url          TEXT,
    site         TEXT,
    published    TEXT,
    published_ts INTEGER,
    title        TEXT,
    reused_share REAL NOT NULL DEFAULT 0,
    traced       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url) WHERE url IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_site ON articles (site, published_ts);
CREATE INDEX IF NOT EXISTS articles_untraced ON articles (current) WHERE traced = 0;
CREATE TABLE IF NOT EXISTS passages (
    target       TEXT NOT NULL REFERENCES articles (id),
    begin        INTEGER NOT NULL,
    end          INTEGER NOT NULL,
    source       TEXT NOT NULL REFERENCES articles (id),
    source_begin INTEGER NOT NULL,
    source_end   INTEGER NOT NULL,
    via          TEXT REFERENCES articles (id),
    via_begin    INTEGER,
    via_end      INTEGER,
    similarity   REAL NOT NULL,
    kind         TEXT NOT NULL,
    edits        TEXT NOT NULL,
    direction    TEXT
);
CREATE INDEX IF NOT EXISTS passages_target ON passages (target, begin);
CREATE INDEX IF NOT EXISTS passages_source ON passages (source);
CREATE INDEX IF NOT EXISTS passages_via ON passages (via) WHERE via IS NOT NULL;
CREATE VIEW IF NOT EXISTS families AS
    SELECT source AS original,
           target AS copy,
           SUM(end - begin) AS bytes,
           COUNT(*) AS passages,
           COALESCE(MAX(via), source) AS copied_from,
           MAX(direction IS NOT NULL) AS direction_unknown
    FROM passages
    GROUP BY source, target;
"#;

fn unavailable(dir: &Path, message: impl Into<String>) -> StoreError {
    StoreError::Unavailable {
        path: dir.display().to_string(),
        message: message.into(),
    }
}

fn tune(conn: &Connection) -> Result<()> {
    // Readers wait for a checkpoint or a schema change instead of failing at once.
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    Ok(())
}

/// The write connection: creates or checks the schema.
pub fn open_writer(dir: &Path, path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| unavailable(dir, format!("cannot open {}: {e}", path.display())))?;
    tune(&conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(unavailable(
            dir,
            format!("SQLite refused WAL mode ({mode})"),
        ));
    }
    // In WAL mode NORMAL loses no committed transaction on a process crash (only, at
    // worst, the last ones on a power cut), and saves a sync per commit.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .or_else(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("no such table") => {
                Ok(None)
            }
            e => Err(e),
        })?;
    match version.as_deref().map(str::parse::<i64>) {
        None => {
            conn.execute_batch(&format!(
                "BEGIN; {SCHEMA} INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
            ))?;
        }
        Some(Ok(v)) if v == SCHEMA_VERSION => {}
        Some(Ok(v)) if v > SCHEMA_VERSION => {
            return Err(unavailable(
                dir,
                format!("schema version {v} is newer than this copydesk's ({SCHEMA_VERSION})"),
            ))
        }
        Some(v) => return Err(unavailable(dir, format!("unknown schema version {v:?}"))),
    }
    Ok(conn)
}

/// A read connection: it only reads (WAL: it never blocks the writer nor waits for it).
pub fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    tune(&conn)?;
    Ok(conn)
}

pub fn timestamp(published: Option<&str>) -> Option<i64> {
    published
        .and_then(copydesk_model::time::parse_instant)
        .map(|t| t.timestamp())
}

/// The current revision of an article, as stored.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: String,
    pub seq: i64,
    pub revision: u32,
    pub content_hash: String,
}

pub fn current_by_id(conn: &Connection, id: &str) -> Result<Option<Current>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.id, a.current, a.revision, r.content_hash FROM articles a JOIN revisions r ON r.seq = a.current WHERE a.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Current { id: r.get(0)?, seq: r.get(1)?, revision: r.get(2)?, content_hash: r.get(3)? })
        })
        .optional()?)
}

pub fn current_by_url(conn: &Connection, url: &str) -> Result<Option<Current>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.id, a.current, a.revision, r.content_hash FROM articles a JOIN revisions r ON r.seq = a.current WHERE a.url = ?1 ORDER BY a.id LIMIT 1",
        )?
        .query_row([url], |r| {
            Ok(Current { id: r.get(0)?, seq: r.get(1)?, revision: r.get(2)?, content_hash: r.get(3)? })
        })
        .optional()?)
}

/// Stores `a` (analysed) as revision `revision` of `a.id` and makes it current; returns
/// its sequence number. Untraced until [`set_passages`] is called for it.
pub fn insert_revision(
    conn: &Connection,
    a: &Article,
    revision: u32,
    ingested: &str,
) -> Result<i64> {
    let mut meta = a.clone();
    meta.text = String::new();
    meta.layers = Layers::default();
    let meta_json =
        serde_json::to_string(&meta).map_err(|e| StoreError::BadInput(e.to_string()))?;
    let layers =
        serde_json::to_string(&a.layers).map_err(|e| StoreError::BadInput(e.to_string()))?;
    let ts = timestamp(a.published.as_deref());
    conn.prepare_cached(
        "INSERT INTO revisions (id, revision, ingested, content_hash, url, site, published, published_ts, title, text, article, layers)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        a.id, revision, ingested, a.content_hash, a.url, a.site, a.published, ts, a.title, a.text, meta_json, layers
    ])?;
    let seq = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO articles (id, current, revision, url, site, published, published_ts, title, reused_share, traced)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0)
         ON CONFLICT (id) DO UPDATE SET current = excluded.current, revision = excluded.revision, url = excluded.url,
             site = excluded.site, published = excluded.published, published_ts = excluded.published_ts,
             title = excluded.title, reused_share = 0, traced = 0",
    )?
    .execute(params![a.id, seq, revision, a.url, a.site, a.published, ts, a.title])?;
    Ok(seq)
}

/// Replaces the passages of `target` and marks it traced.
pub fn set_passages(
    conn: &Connection,
    target: &str,
    passages: &[copydesk_trace::PassageRecord],
    text_len: usize,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM passages WHERE target = ?1")?
        .execute([target])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO passages (target, begin, end, source, source_begin, source_end, via, via_begin, via_end, similarity, kind, edits, direction)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut spans = Vec::with_capacity(passages.len());
    for p in passages {
        let edits: Vec<crate::Edit> = p
            .edits
            .iter()
            .map(|e| crate::Edit {
                from: e.from.clone(),
                to: e.to.clone(),
            })
            .collect();
        ins.execute(params![
            p.target,
            p.begin as i64,
            p.end as i64,
            p.source,
            p.source_begin as i64,
            p.source_end as i64,
            p.via,
            p.via_begin.map(|v| v as i64),
            p.via_end.map(|v| v as i64),
            p.similarity as f64,
            p.kind,
            serde_json::to_string(&edits).unwrap_or_else(|_| "[]".into()),
            p.direction,
        ])?;
        spans.push((p.begin, p.end));
    }
    let share = reused_share(&mut spans, text_len);
    conn.prepare_cached("UPDATE articles SET reused_share = ?2, traced = 1 WHERE id = ?1")?
        .execute(params![target, share as f64])?;
    Ok(())
}

/// Share of `len` bytes covered by `spans` (which it sorts), rounded to 0.001.
pub fn reused_share(spans: &mut [(usize, usize)], len: usize) -> f32 {
    if len == 0 {
        return 0.0;
    }
    spans.sort_unstable();
    let (mut covered, mut pos) = (0usize, 0usize);
    for &(b, e) in spans.iter() {
        covered += e.saturating_sub(b.max(pos));
        pos = pos.max(e);
    }
    ((covered.min(len) as f32 / len as f32) * 1000.0).round() / 1000.0
}

/// What tracing needs of an article: its current revision's id, site, date and text.
pub fn trace_article(conn: &Connection, seq: i64) -> Result<Option<Article>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.id, r.site, r.published, r.text FROM articles a JOIN revisions r ON r.seq = a.current WHERE a.current = ?1",
        )?
        .query_row([seq], |r| {
            let mut a = Article { id: r.get(0)?, site: r.get(1)?, published: r.get(2)?, ..Default::default() };
            a.set_text(r.get(3)?);
            Ok(a)
        })
        .optional()?)
}

/// The whole stored revision `seq`, layers included.
pub fn full_article(conn: &Connection, seq: i64) -> Result<Option<Article>> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached("SELECT article, text, layers FROM revisions WHERE seq = ?1")?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((meta, text, layers)) = row else {
        return Ok(None);
    };
    let bad = |e: serde_json::Error| StoreError::Unavailable {
        path: String::new(),
        message: format!("revision {seq}: unreadable JSON: {e}"),
    };
    let mut a: Article = serde_json::from_str(&meta).map_err(bad)?;
    a.text = text;
    a.layers = serde_json::from_str(&layers).map_err(bad)?;
    Ok(Some(a))
}

pub fn article_ref(conn: &Connection, id: &str) -> Result<Option<ArticleRef>> {
    Ok(conn
        .prepare_cached("SELECT id, site, published, title, url FROM articles WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(ArticleRef {
                id: r.get(0)?,
                site: r.get(1)?,
                published: r.get(2)?,
                title: r.get(3)?,
                url: r.get(4)?,
            })
        })
        .optional()?)
}
