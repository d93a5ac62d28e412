//! JSON Feed 1.0 and 1.1 (<https://jsonfeed.org/version/1.1>).

use serde_json::Value;

use super::{Entry, FeedInfo, Markup, Pending};

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Names from JSON Feed 1.1 `authors` or 1.0 `author`.
fn authors(obj: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Array(list)) = obj.get("authors") {
        out.extend(list.iter().filter_map(|a| string(a.get("name"))));
    }
    if out.is_empty() {
        if let Some(a) = obj.get("author") {
            out.extend(string(a.get("name")));
        }
    }
    out
}

/// An error about the feed as a whole, not one of its items.
fn whole_feed_error(message: String) -> Pending {
    Pending::Error { offset: None, line: None, message }
}

pub fn parse(text: &str) -> (FeedInfo, Vec<Pending>) {
    let mut info = FeedInfo {
        root_seen: true,
        ..Default::default()
    };
    let feed: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = format!(
                "invalid JSON Feed at line {}, column {}: {e}",
                e.line(),
                e.column()
            );
            return (info, vec![whole_feed_error(message)]);
        }
    };
    let Value::Object(feed) = feed else {
        return (info, vec![whole_feed_error("a JSON Feed must be an object".into())]);
    };
    info.link = string(feed.get("home_page_url")).or_else(|| string(feed.get("feed_url")));
    info.language = string(feed.get("language"));
    info.authors = authors(&feed);
    let Some(Value::Array(list)) = feed.get("items") else {
        return (info, vec![whole_feed_error("not a JSON Feed: no `items` array".into())]);
    };
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let number = i as u64 + 1;
        let Value::Object(item) = item else {
            out.push(Pending::Error {
                offset: None,
                line: Some(number),
                message: "a JSON Feed item must be an object".into(),
            });
            continue;
        };
        let mut e = Entry {
            number,
            ..Default::default()
        };
        e.title = string(item.get("title")).map(Markup::Plain);
        let url = string(item.get("url")).or_else(|| string(item.get("external_url")));
        e.link = url.map(|u| (u, None));
        e.guid = string(item.get("id")).map(|id| (id, true));
        e.dates
            .extend(string(item.get("date_published")).map(|d| (0, d)));
        e.dates
            .extend(string(item.get("date_modified")).map(|d| (5, d)));
        e.creators = authors(item);
        if let Some(Value::Array(tags)) = item.get("tags") {
            e.categories
                .extend(tags.iter().filter_map(|t| string(Some(t))));
        }
        e.language = string(item.get("language"));
        e.full = string(item.get("content_html"))
            .map(Markup::Html)
            .or_else(|| string(item.get("content_text")).map(Markup::Plain));
        e.short = string(item.get("summary")).map(Markup::Plain);
        out.push(Pending::Entry(Box::new(e)));
    }
    (info, out)
}
