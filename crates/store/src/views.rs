//! Reading: the views the CLI and the server show, each from one SQLite snapshot.

use std::collections::{BTreeMap, HashMap, HashSet};

use copydesk_model::Article;
use copydesk_trace::{family, spin, EditRecord, PassageRecord};
use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{self, timestamp};
use crate::{
    ArticleRef, ArticleView, Edit, FamilyMember, FamilyView, LineageEdge, Passage, Result,
    RevisionRef, SiteCount, SiteSubstitution, SiteView, StoreStats,
};

/// Rows read for one view are bounded: a family of 100,000 copies is shown by its first
/// ones, not read whole into memory for one request.
const MAX_ROWS: i64 = 5_000;

/// A site's latest passages mined for its substitutions: enough for its habits, few
/// enough that the nearer copies' texts are read in well under a second.
const SITE_PASSAGES: i64 = 2_000;

fn time_key(r: &ArticleRef) -> (bool, i64, String) {
    let t = timestamp(r.published.as_deref());
    (t.is_none(), t.unwrap_or(0), r.id.clone())
}

/// Refs for `ids`, known ones only, each once, in time order (undated last).
fn refs_in_time_order(
    conn: &Connection,
    ids: impl IntoIterator<Item = String>,
) -> Result<Vec<ArticleRef>> {
    let mut seen = HashSet::new();
    let mut v = Vec::new();
    for id in ids {
        if seen.insert(id.clone()) {
            if let Some(r) = db::article_ref(conn, &id)? {
                v.push(r);
            }
        }
    }
    v.sort_by_key(time_key);
    Ok(v)
}

/// Bytes `[begin, end)` of an article's current text (empty when out of range).
fn text_slice(conn: &Connection, id: &str, begin: usize, end: usize) -> Result<String> {
    if end <= begin {
        return Ok(String::new());
    }
    let b: Option<Vec<u8>> = conn
        .prepare_cached(
            "SELECT substr(CAST(r.text AS BLOB), ?2, ?3) FROM articles a JOIN revisions r ON r.seq = a.current WHERE a.id = ?1",
        )?
        .query_row(params![id, begin as i64 + 1, (end - begin) as i64], |r| r.get(0))
        .ok();
    Ok(b.map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default())
}

fn passage_view(conn: &Connection, p: PassageRecord) -> Result<Passage> {
    let source_ref = db::article_ref(conn, &p.source)?.unwrap_or_else(|| ArticleRef {
        id: p.source.clone(),
        ..Default::default()
    });
    let via_ref = match &p.via {
        Some(v) => db::article_ref(conn, v)?,
        None => None,
    };
    let source_text = text_slice(conn, &p.source, p.source_begin, p.source_end)?;
    Ok(Passage {
        target: p.target,
        begin: p.begin,
        end: p.end,
        source: p.source,
        source_begin: p.source_begin,
        source_end: p.source_end,
        via: p.via,
        via_begin: p.via_begin,
        via_end: p.via_end,
        similarity: p.similarity,
        kind: p.kind.to_string(),
        edits: p
            .edits
            .into_iter()
            .map(|e| Edit {
                from: e.from,
                to: e.to,
            })
            .collect(),
        direction: p.direction.map(str::to_string),
        source_ref,
        via_ref,
        source_text,
    })
}

fn kind_str(k: &str) -> &'static str {
    match k {
        "verbatim" => "verbatim",
        "spun" => "spun",
        _ => "edited",
    }
}

/// Stored passages as the trace crate's records (for reuse of its family code).
fn passage_rows(conn: &Connection, sql: &str, key: &str) -> Result<Vec<PassageRecord>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![key, MAX_ROWS], |r| {
        let edits: String = r.get(11)?;
        let kind: String = r.get(10)?;
        let direction: Option<String> = r.get(12)?;
        Ok(PassageRecord {
            target: r.get(0)?,
            begin: r.get::<_, i64>(1)? as usize,
            end: r.get::<_, i64>(2)? as usize,
            source: r.get(3)?,
            source_begin: r.get::<_, i64>(4)? as usize,
            source_end: r.get::<_, i64>(5)? as usize,
            via: r.get(6)?,
            via_begin: r.get::<_, Option<i64>>(7)?.map(|v| v as usize),
            via_end: r.get::<_, Option<i64>>(8)?.map(|v| v as usize),
            similarity: r.get::<_, f64>(9)? as f32,
            kind: kind_str(&kind),
            edits: serde_json::from_str::<Vec<Edit>>(&edits)
                .unwrap_or_default()
                .into_iter()
                .map(|e| EditRecord {
                    from: e.from,
                    to: e.to,
                })
                .collect(),
            direction: direction.map(|_| "unknown"),
            boilerplate: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

const PASSAGE_COLUMNS: &str =
    "target, begin, end, source, source_begin, source_end, via, via_begin, via_end, similarity, kind, edits, direction, boilerplate";

/// Builds the view of `article` from its passages.
pub fn article_view(
    conn: &Connection,
    article: Article,
    revision: Option<u32>,
    revisions: Vec<RevisionRef>,
    mut records: Vec<PassageRecord>,
) -> Result<ArticleView> {
    records.sort_by(|a, b| (a.begin, a.end, &a.source).cmp(&(b.begin, b.end, &b.source)));
    let text = &article.text;
    let mut unsourced = Vec::new();
    let mut pos = 0usize;
    let gap = |from: usize, to: usize, out: &mut Vec<[usize; 2]>| {
        if let Some(s) = text.get(from..to) {
            let lead = s.len() - s.trim_start().len();
            let trail = s.len() - s.trim_end().len();
            if from + lead < to - trail {
                out.push([from + lead, to - trail]);
            }
        }
    };
    let mut spans = Vec::with_capacity(records.len());
    for p in &records {
        gap(pos, p.begin.max(pos), &mut unsourced);
        pos = pos.max(p.end);
        spans.push((p.begin, p.end));
    }
    gap(pos, text.len(), &mut unsourced);
    let reused_share = db::reused_share(&mut spans, text.len());
    let sources = refs_in_time_order(conn, records.iter().map(|p| p.source.clone()))?;
    let mut families: Vec<String> = records.iter().map(|p| p.source.clone()).collect();
    let reused_by: Vec<String> = if revision.is_some() {
        conn.prepare_cached(
            "SELECT DISTINCT target FROM passages WHERE source = ?1 OR via = ?1 LIMIT ?2",
        )?
        .query_map(params![article.id, MAX_ROWS], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?
    } else {
        Vec::new()
    };
    let is_original: bool = revision.is_some()
        && conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM passages WHERE source = ?1)")?
            .query_row([&article.id], |r| r.get(0))?;
    if is_original {
        families.push(article.id.clone());
    }
    families.sort();
    families.dedup();
    let reused_by = refs_in_time_order(conn, reused_by)?;
    let mut passages = Vec::with_capacity(records.len());
    for p in records {
        passages.push(passage_view(conn, p)?);
    }
    Ok(ArticleView {
        article,
        revision,
        revisions,
        passages,
        unsourced,
        reused_share,
        sources,
        reused_by,
        families,
        entities: Vec::new(),
        findings: Vec::new(),
    })
}

pub fn article(conn: &Connection, id: &str) -> Result<Option<ArticleView>> {
    let Some(cur) = db::current_by_id(conn, id)? else {
        return Ok(None);
    };
    let Some(article) = db::full_article(conn, cur.seq)? else {
        return Ok(None);
    };
    let revisions: Vec<RevisionRef> = conn
        .prepare_cached("SELECT revision, ingested, content_hash FROM revisions WHERE id = ?1 AND seq <> ?2 ORDER BY revision")?
        .query_map(params![id, cur.seq], |r| Ok(RevisionRef { revision: r.get(0)?, ingested: r.get(1)?, content_hash: r.get(2)? }))?
        .collect::<std::result::Result<_, _>>()?;
    let records = passage_rows(
        conn,
        &format!(
            "SELECT {PASSAGE_COLUMNS} FROM passages WHERE target = ?1 ORDER BY begin LIMIT ?2"
        ),
        id,
    )?;
    Ok(Some(article_view(
        conn,
        article,
        Some(cur.revision),
        revisions,
        records,
    )?))
}

/// An earlier revision, as it was stored (its layers; no passages: those follow the
/// current text only).
pub fn revision(conn: &Connection, id: &str, revision: u32) -> Result<Option<Article>> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT seq FROM revisions WHERE id = ?1 AND revision = ?2")?
        .query_row(params![id, revision], |r| r.get(0))
        .ok();
    match seq {
        Some(s) => db::full_article(conn, s),
        None => Ok(None),
    }
}

pub fn family(conn: &Connection, id: &str) -> Result<Option<FamilyView>> {
    let records = passage_rows(
        conn,
        &format!("SELECT {PASSAGE_COLUMNS} FROM passages WHERE source = ?1 LIMIT ?2"),
        id,
    )?;
    if records.is_empty() {
        return Ok(None);
    }
    let mut refs: HashMap<String, ArticleRef> = HashMap::new();
    let mut ids: Vec<String> = vec![id.to_string()];
    ids.extend(records.iter().map(|p| p.target.clone()));
    ids.extend(records.iter().filter_map(|p| p.via.clone()));
    for i in ids {
        if !refs.contains_key(&i) {
            if let Some(r) = db::article_ref(conn, &i)? {
                refs.insert(i, r);
            }
        }
    }
    // Texts too: a copy joins the family by the share of its own text it took.
    let mut arts: Vec<Article> = Vec::with_capacity(refs.len());
    for r in refs.values() {
        let mut a = match db::current_by_id(conn, &r.id)? {
            Some(c) => db::trace_article(conn, c.seq)?.unwrap_or_default(),
            None => Article::default(),
        };
        a.id = r.id.clone();
        a.site = r.site.clone();
        a.published = r.published.clone();
        arts.push(a);
    }
    let fams = family::families(&arts, &records, &family::FamilyParams::default());
    let Some(f) = fams.into_iter().find(|f| f.original.id == id) else {
        return Ok(None);
    };
    let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in &records {
        let k = kinds.entry(p.target.as_str()).or_default();
        if !k.iter().any(|x| x == p.kind) {
            k.push(p.kind.to_string());
        }
    }
    let r = |i: &str| {
        refs.get(i).cloned().unwrap_or_else(|| ArticleRef {
            id: i.to_string(),
            ..Default::default()
        })
    };
    Ok(Some(FamilyView {
        id: id.to_string(),
        original: r(id),
        copies: f
            .copies
            .iter()
            .map(|m| FamilyMember {
                article: r(&m.id),
                bytes: m.bytes.unwrap_or(0),
                kinds: kinds.get(m.id.as_str()).cloned().unwrap_or_default(),
            })
            .collect(),
        lineage: f
            .lineage
            .into_iter()
            .map(|e| LineageEdge {
                from: e.from,
                to: e.to,
                published: e.published,
                direction: e.direction.map(str::to_string),
            })
            .collect(),
        dated: f.dated,
    }))
}

pub fn site(conn: &Connection, site: &str, min: spin::MineParams) -> Result<Option<SiteView>> {
    let (articles, reused_share): (u64, Option<f64>) = conn.query_row(
        "SELECT COUNT(*), AVG(reused_share) FROM articles WHERE site = ?1",
        [site],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if articles == 0 {
        return Ok(None);
    }
    let reusing_articles: u64 = conn.query_row(
        "SELECT COUNT(*) FROM articles a WHERE a.site = ?1 AND EXISTS (SELECT 1 FROM passages p WHERE p.target = a.id)",
        [site],
        |r| r.get(0),
    )?;
    let counts = |sql: &str| -> Result<Vec<SiteCount>> {
        Ok(conn
            .prepare(sql)?
            .query_map([site], |r| {
                Ok(SiteCount {
                    site: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    passages: r.get(1)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?)
    };
    let sources = counts(
        "SELECT s.site, COUNT(*) AS n FROM passages p JOIN articles t ON t.id = p.target JOIN articles s ON s.id = p.source
         WHERE t.site = ?1 GROUP BY s.site ORDER BY n DESC, s.site LIMIT 50",
    )?;
    let reused_by = counts(
        "SELECT t.site, COUNT(*) AS n FROM passages p JOIN articles s ON s.id = p.source JOIN articles t ON t.id = p.target
         WHERE s.site = ?1 GROUP BY t.site ORDER BY n DESC, t.site LIMIT 50",
    )?;
    // Substitutions: the trace crate's miner over the site's latest passages, with the
    // batch trace's rule: a swap is systematic when seen `min_count` times and in at
    // least `min_rate` of the places where the site copied its `from` (verbatim passages
    // included: that is where it kept the word).
    let mut events = Vec::new();
    let mut copied: Vec<(i64, usize, usize)> = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT p.edits, t.current, s.current, p.source_begin, p.source_end, v.current, p.via_begin, p.via_end
             FROM passages p JOIN articles t ON t.id = p.target JOIN articles s ON s.id = p.source
             LEFT JOIN articles v ON v.id = p.via
             WHERE t.site = ?1 ORDER BY t.published_ts DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![site, SITE_PASSAGES], |r| {
            let nearer = match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(7)?) {
                (Some(v), Some(b), Some(e)) => (v, b as usize, e as usize),
                _ => (r.get(2)?, r.get::<_, i64>(3)? as usize, r.get::<_, i64>(4)? as usize),
            };
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, nearer))
        })?;
        for row in rows {
            let (edits, target, nearer) = row?;
            copied.push(nearer);
            for e in serde_json::from_str::<Vec<Edit>>(&edits).unwrap_or_default() {
                if spin::plausible(&e.from, &e.to) {
                    events.push(spin::SpinEvent {
                        site: site.to_string(),
                        target: target as u32,
                        readings: vec![vec![(e.from, e.to)]],
                        copied: None,
                        at: None,
                    });
                }
            }
        }
    }
    let opp = kept_opportunities(conn, site, &events, &copied, min.min_count)?;
    let mut subs = spin::mine_with(&events, min, Some(&opp));
    subs.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.articles.cmp(&a.articles))
            .then(a.from.cmp(&b.from))
    });
    subs.truncate(100);
    let recent: Vec<ArticleRef> = conn
        .prepare("SELECT id, site, published, title, url FROM articles WHERE site = ?1 ORDER BY published_ts IS NULL, published_ts DESC, id LIMIT 20")?
        .query_map([site], |r| Ok(ArticleRef { id: r.get(0)?, site: r.get(1)?, published: r.get(2)?, title: r.get(3)?, url: r.get(4)? }))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(Some(SiteView {
        site: site.to_string(),
        articles,
        reusing_articles,
        reused_share: ((reused_share.unwrap_or(0.0) * 1000.0).round() / 1000.0) as f32,
        sources,
        reused_by,
        substitutions: subs
            .into_iter()
            .map(|s| SiteSubstitution {
                from: s.from,
                to: s.to,
                count: s.count,
                articles: s.articles,
            })
            .collect(),
        recent,
    }))
}

/// Where the site copied each wanted `from` and kept it: its occurrences in the nearer
/// copies' spans (`copied`: article seq, byte range) less the times it was swapped.
fn kept_opportunities(
    conn: &Connection,
    site: &str,
    events: &[spin::SpinEvent],
    copied: &[(i64, usize, usize)],
    min_count: u32,
) -> Result<spin::Opportunities> {
    let wanted = spin::wanted(events, min_count);
    if wanted.is_empty() {
        return Ok(spin::Opportunities::new());
    }
    // The nearer copies' spans as documents, each copied whole and (here) unchanged, so
    // the trace crate's counter gives every occurrence of a `from`, swapped or kept.
    let mut docs = Vec::with_capacity(copied.len());
    let mut spans = Vec::with_capacity(copied.len());
    let mut texts: HashMap<i64, Option<String>> = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT text FROM revisions WHERE seq = ?1")?;
    for &(seq, b, e) in copied {
        if !texts.contains_key(&seq) {
            let t: Option<String> = stmt.query_row([seq], |r| r.get(0)).optional()?;
            texts.insert(seq, t);
        }
        let Some(span) = texts[&seq].as_deref().and_then(|t| t.get(b..e)) else {
            continue;
        };
        let doc = copydesk_trace::token::tokenize(span);
        spans.push(spin::SpinEvent {
            site: site.to_string(),
            copied: Some(spin::Copied {
                doc: docs.len() as u32,
                begin: 0,
                end: doc.toks.len() as u32,
                changed: Vec::new(),
            }),
            ..Default::default()
        });
        docs.push(doc);
    }
    let seen = spin::opportunities(&wanted, &spans, &docs);
    let mut swapped: HashMap<String, u32> = HashMap::new();
    for ev in events {
        for r in &ev.readings {
            for (f, _) in r {
                *swapped.entry(spin::key(f)).or_default() += 1;
            }
        }
    }
    Ok(seen
        .into_iter()
        .map(|((s, f), n)| {
            let kept = n.saturating_sub(swapped.get(&f).copied().unwrap_or(0));
            ((s, f), kept)
        })
        .collect())
}

pub fn stats(conn: &Connection) -> Result<StoreStats> {
    let one = |sql: &str| -> Result<u64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    Ok(StoreStats {
        articles: one("SELECT COUNT(*) FROM articles")?,
        revisions: one("SELECT COUNT(*) FROM revisions")?,
        passages: one("SELECT COUNT(*) FROM passages")?,
        families: one("SELECT COUNT(DISTINCT source) FROM passages")?,
        sites: one("SELECT COUNT(DISTINCT site) FROM articles")?,
    })
}
