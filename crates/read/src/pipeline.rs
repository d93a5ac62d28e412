//! Runs the read stage over many inputs: format readers produce items in order, HTML
//! payloads are extracted in parallel batches, and results come out in input order.
//!
//! Memory stays bounded: at most one batch ([`BATCH_ITEMS`] items or [`BATCH_BYTES`] of
//! payload) is held at a time, whatever the size of the archive.

use rayon::prelude::*;

use crate::{html, source, Article, Item, Origin, ReadError, ReadOptions};

pub const BATCH_ITEMS: usize = 256;
pub const BATCH_BYTES: usize = 64 << 20;

/// What the pipeline hands to its caller.
#[derive(Debug)]
pub enum Event {
    Article(Box<Article>),
    Error(ReadError),
    Skipped { origin: Origin, reason: String },
    /// An input has been opened (for progress display).
    InputStarted { path: String, bytes: Option<u64> },
}

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Stats {
    pub inputs: u64,
    pub articles: u64,
    pub errors: u64,
    pub skipped: u64,
}

/// Reads every input and calls `sink` for each event, in input order.
pub fn read_inputs(inputs: &[String], opts: &ReadOptions, sink: &mut dyn FnMut(Event)) -> Stats {
    let mut stats = Stats::default();
    let mut emit = |ev: Event, stats: &mut Stats| {
        match &ev {
            Event::Article(_) => stats.articles += 1,
            Event::Error(_) => stats.errors += 1,
            Event::Skipped { .. } => stats.skipped += 1,
            Event::InputStarted { .. } => stats.inputs += 1,
        }
        sink(ev)
    };
    for input in source::expand_inputs(inputs) {
        let path = match input {
            Ok(p) => p,
            Err(e) => {
                emit(Event::Error(e), &mut stats);
                continue;
            }
        };
        let bytes = std::fs::metadata(&path).ok().map(|m| m.len());
        emit(Event::InputStarted { path: path.clone(), bytes }, &mut stats);
        let opened = match source::open(&path) {
            Ok(o) => o,
            Err(e) => {
                emit(Event::Error(e), &mut stats);
                continue;
            }
        };
        let mut batch: Vec<Item> = Vec::new();
        let mut batch_bytes = 0usize;
        for item in source::items(opened, opts) {
            if let Item::Page(p) = &item {
                batch_bytes += p.bytes.len();
            }
            batch.push(item);
            if batch.len() >= BATCH_ITEMS || batch_bytes >= BATCH_BYTES {
                flush(&mut batch, opts, &mut |ev| emit(ev, &mut stats));
                batch_bytes = 0;
            }
        }
        flush(&mut batch, opts, &mut |ev| emit(ev, &mut stats));
    }
    stats
}

fn flush(batch: &mut Vec<Item>, opts: &ReadOptions, emit: &mut dyn FnMut(Event)) {
    let items = std::mem::take(batch);
    let events: Vec<Event> = if items.len() > 1 {
        items.into_par_iter().map(|it| finish(it, opts)).collect()
    } else {
        items.into_iter().map(|it| finish(it, opts)).collect()
    };
    for ev in events {
        emit(ev);
    }
}

/// Turns one item into an event: extracts pages and applies the user's metadata overrides.
pub fn finish(item: Item, opts: &ReadOptions) -> Event {
    match item {
        Item::Article(a) => Event::Article(Box::new(complete(*a, opts))),
        Item::Page(p) => match html::extract(&p) {
            Ok(a) => Event::Article(Box::new(complete(a, opts))),
            Err(message) => Event::Error(ReadError::new(p.origin.clone(), message)),
        },
        Item::Error(e) => Event::Error(e),
        Item::Skipped { origin, reason } => Event::Skipped { origin, reason },
    }
}

/// Applies overrides, fills the site from the URL and the id.
pub fn complete(mut a: Article, opts: &ReadOptions) -> Article {
    if let Some(u) = &opts.url {
        a.url = Some(u.clone());
    }
    if let Some(p) = &opts.published {
        a.published = Some(p.clone());
    }
    if let Some(s) = &opts.site {
        a.site = Some(s.clone());
    }
    if a.site.is_none() {
        a.site = a.url.as_deref().and_then(crate::site_of);
    }
    if a.content_hash.is_empty() {
        a.content_hash = copydesk_model::hash_hex(a.text.as_bytes());
    }
    a.ensure_id();
    a
}
