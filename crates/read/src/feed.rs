//! RSS 0.9x/1.0/2.0, Atom and JSON Feed: one article per item.

use crate::{Item, ReadError, ReadOptions};
use copydesk_model::Origin;

pub fn items(_bytes: Vec<u8>, path: String, _opts: &ReadOptions) -> Vec<Item> {
    vec![Item::Error(ReadError::new(Origin::file(path), "feed reading is not implemented yet"))]
}
