//! Opening inputs: paths, directories (recursive, in name order) and `-` for stdin;
//! gzip detection; dispatch to the format reader that the content calls for.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::sniff::{self, Format};
use crate::{feed, html, table, text, warc, Item, ReadError, ReadOptions};
use copydesk_model::Origin;

/// A byte stream with the facts the readers need about it.
pub struct Opened {
    /// Decompressed content, except for gzipped WARC/ARC, which the archive reader
    /// decompresses member by member to report record offsets.
    pub reader: Box<dyn BufRead + Send>,
    pub gzip: bool,
    pub format: Format,
    pub path: String,
}

/// Expands directories into the files under them (sorted, hidden files skipped) and keeps
/// other inputs as given. Unreadable directory entries come back as errors.
pub fn expand_inputs(inputs: &[String]) -> Vec<Result<String, ReadError>> {
    let mut out = Vec::new();
    for input in inputs {
        let p = Path::new(input);
        if input != "-" && p.is_dir() {
            let walker = walkdir::WalkDir::new(p).sort_by_file_name().into_iter().filter_entry(|e| {
                e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
            });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => out.push(Ok(e.path().display().to_string())),
                    Ok(_) => {}
                    Err(e) => out.push(Err(ReadError::new(
                        Origin::file(e.path().map(|p| p.display().to_string()).unwrap_or_else(|| input.clone())),
                        format!("cannot list directory: {e}"),
                    ))),
                }
            }
        } else {
            out.push(Ok(input.clone()));
        }
    }
    out
}

/// Opens one input and sniffs its format.
pub fn open(path: &str) -> Result<Opened, ReadError> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| ReadError::new(Origin::file(path), format!("cannot open: {e}")))?)
    };
    open_reader(raw, path)
}

/// Like [`open`], over any byte stream (tests and fuzzing use this).
pub fn open_reader(mut raw: Box<dyn Read + Send>, path: &str) -> Result<Opened, ReadError> {
    let mut head = Vec::with_capacity(sniff::SNIFF_LEN);
    (&mut raw)
        .take(sniff::SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::new(Origin::file(path), format!("cannot read: {e}")))?;
    let whole: Box<dyn Read + Send> = Box::new(Cursor::new(head.clone()).chain(raw));
    let hint = if path == "-" { None } else { Some(PathBuf::from(path)) };

    if sniff::is_gzip(&head) {
        // Sniff on a decompressed prefix; a truncated prefix is fine for that.
        let mut inner = Vec::with_capacity(sniff::SNIFF_LEN);
        let _ = MultiGzDecoder::new(&head[..]).take(sniff::SNIFF_LEN as u64).read_to_end(&mut inner);
        let format = sniff::sniff(&inner, hint.as_deref());
        if matches!(format, Format::Warc | Format::Arc) {
            return Ok(Opened { reader: Box::new(BufReader::new(whole)), gzip: true, format, path: path.to_string() });
        }
        let dec = MultiGzDecoder::new(whole);
        return Ok(Opened { reader: Box::new(BufReader::new(dec)), gzip: false, format, path: path.to_string() });
    }
    let format = sniff::sniff(&head, hint.as_deref());
    Ok(Opened { reader: Box::new(BufReader::new(whole)), gzip: false, format, path: path.to_string() })
}

/// The items of one opened input.
pub fn items(opened: Opened, opts: &ReadOptions) -> Box<dyn Iterator<Item = Item> + Send> {
    let Opened { reader, gzip, format, path } = opened;
    match format {
        Format::Warc | Format::Arc => warc::items(reader, gzip, path, opts),
        Format::JsonLines => table::jsonl_items(reader, path, opts),
        Format::Csv => table::csv_items(reader, path, opts),
        Format::Feed => one_document(reader, path, opts, feed::items),
        Format::Html => one_document(reader, path, opts, html::page_items),
        Format::Text => one_document(reader, path, opts, text::items),
    }
}

type DocReader = fn(Vec<u8>, String, &ReadOptions) -> Vec<Item>;

/// Reads a single-document input whole, refusing documents over the size limit.
fn one_document(
    reader: Box<dyn BufRead + Send>,
    path: String,
    opts: &ReadOptions,
    f: DocReader,
) -> Box<dyn Iterator<Item = Item> + Send> {
    let max = opts.max_document_bytes();
    let mut bytes = Vec::new();
    let res = reader.take(max as u64 + 1).read_to_end(&mut bytes);
    let items = match res {
        Err(e) => vec![Item::Error(ReadError::new(Origin::file(&path), format!("cannot read: {e}")))],
        Ok(_) if bytes.len() > max => vec![Item::Error(ReadError::new(
            Origin::file(&path),
            format!("document is larger than the {} MB limit; skipped", max >> 20),
        ))],
        Ok(0) => vec![Item::Error(ReadError::new(Origin::file(&path), "empty input"))],
        Ok(_) if looks_binary(&bytes) => vec![Item::Error(ReadError::new(
            Origin::file(&path),
            "binary data, not text (control bytes in the first 8 KB); skipped",
        ))],
        Ok(_) => f(bytes, path, opts),
    };
    Box::new(items.into_iter())
}

/// Text in any encoding has almost no C0 control bytes besides tab, newlines, form feed and
/// escape; binary data (images, executables, random bytes) has one in eight. Documents with
/// a byte-order mark are text by declaration (UTF-16 is full of NULs).
pub fn looks_binary(bytes: &[u8]) -> bool {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return false;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)).count();
    controls * 100 > head.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn binary_is_told_from_text() {
        assert!(super::looks_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"));
        assert!(!super::looks_binary("Plain text, caf\u{e9}.\n\nMore.".as_bytes()));
        assert!(!super::looks_binary(b"\xff\xfeH\0i\0"));
    }
}
