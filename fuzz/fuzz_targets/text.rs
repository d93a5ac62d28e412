//! Plain text layout on arbitrary bytes.
#![no_main]

use copydesk_read::{text, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for item in text::items(data.to_vec(), "fuzz.txt".into(), &ReadOptions::default()) {
        if let Item::Article(a) = item {
            for s in &a.paragraphs {
                assert!(
                    a.text.get(s.start..s.end).is_some(),
                    "paragraph span out of the text"
                );
            }
        }
    }
});
