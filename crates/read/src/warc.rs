//! WARC (ISO 28500) and ARC archives, plain or gzipped per record, read as a stream.

use std::io::BufRead;

use crate::{Item, ReadError, ReadOptions};
use copydesk_model::Origin;

pub fn items(
    _reader: Box<dyn BufRead + Send>,
    _gzip: bool,
    path: String,
    _opts: &ReadOptions,
) -> Box<dyn Iterator<Item = Item> + Send> {
    Box::new(std::iter::once(Item::Error(ReadError::new(Origin::file(path), "WARC/ARC reading is not implemented yet"))))
}
