//! Runs the read stage over many inputs: format readers produce items in order, HTML
//! payloads are extracted in parallel batches, and results come out in input order.
//!
//! Memory stays bounded: at most a few batches ([`BATCH_ITEMS`] items or [`BATCH_BYTES`] of
//! payload each: one being filled, [`QUEUE`] queued, one being extracted) are held at a
//! time, whatever the size of the archive.

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

/// What the reading thread sends to the extracting one.
enum Msg {
    Started { path: String, bytes: Option<u64> },
    Error(ReadError),
    Batch(Vec<Item>),
}

/// Batches queued between the reading thread and extraction. Two keep both sides busy;
/// more would only hold memory.
const QUEUE: usize = 2;

/// Reads every input and calls `sink` for each event, in input order.
///
/// One thread reads and decompresses (it is sequential by nature: gzip, record
/// boundaries), while the calling thread extracts batches with rayon, so the two overlap.
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
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(QUEUE);
    std::thread::scope(|scope| {
        scope.spawn(move || produce(inputs, opts, &tx));
        for msg in rx {
            match msg {
                Msg::Started { path, bytes } => emit(Event::InputStarted { path, bytes }, &mut stats),
                Msg::Error(e) => emit(Event::Error(e), &mut stats),
                Msg::Batch(mut batch) => flush(&mut batch, opts, &mut |ev| emit(ev, &mut stats)),
            }
        }
    });
    stats
}

/// The reading side. Stops early when the receiver is gone (the caller stopped reading).
fn produce(inputs: &[String], opts: &ReadOptions, tx: &std::sync::mpsc::SyncSender<Msg>) {
    for input in source::expand_inputs(inputs) {
        let path = match input {
            Ok(p) => p,
            Err(e) => {
                if tx.send(Msg::Error(e)).is_err() {
                    return;
                }
                continue;
            }
        };
        let bytes = std::fs::metadata(&path).ok().map(|m| m.len());
        if tx.send(Msg::Started { path: path.clone(), bytes }).is_err() {
            return;
        }
        let opened = match source::open(&path) {
            Ok(o) => o,
            Err(e) => {
                if tx.send(Msg::Error(e)).is_err() {
                    return;
                }
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
                if tx.send(Msg::Batch(std::mem::take(&mut batch))).is_err() {
                    return;
                }
                batch_bytes = 0;
            }
        }
        if !batch.is_empty() && tx.send(Msg::Batch(batch)).is_err() {
            return;
        }
    }
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
