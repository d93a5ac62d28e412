//! The HTTP response stored in a WARC/ARC record: status line, headers, and the body with
//! transfer and content encodings undone.

use std::io::Read;

/// A parsed HTTP response head.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `block` into its HTTP head and the body offset. The status line may lack its
/// reason phrase; lines may end in LF, CRLF or even CRCRLF. None when `block` does not
/// start with an HTTP status line.
pub(crate) fn parse_head(block: &[u8]) -> Option<(Head, usize)> {
    if !block.starts_with(b"HTTP/") {
        return None;
    }
    let mut head = Head::default();
    let mut pos = 0;
    let mut first = true;
    loop {
        let (line, next) = match memchr::memchr(b'\n', &block[pos..]) {
            Some(i) => (&block[pos..pos + i], pos + i + 1),
            // A head without its blank line: everything is head, the body is empty.
            None => (&block[pos..], block.len()),
        };
        let line = trim_cr(line);
        if first {
            first = false;
            let text = String::from_utf8_lossy(line);
            head.status = text
                .split_ascii_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok());
        } else if line.is_empty() {
            return Some((head, next));
        } else if line[0] == b' ' || line[0] == b'\t' {
            if let Some(last) = head.headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(String::from_utf8_lossy(line).trim());
            }
        } else if let Some(colon) = memchr::memchr(b':', line) {
            let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_string();
            head.headers.push((name, value));
        }
        if next >= block.len() {
            return Some((head, block.len()));
        }
        pos = next;
    }
}

pub(crate) fn trim_cr(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

/// Undoes `Transfer-Encoding: chunked`. Err names the problem and the byte offset inside
/// the body where it is.
pub(crate) fn dechunk(body: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len().min(max));
    let mut pos = 0;
    let mut chunk_no = 0usize;
    loop {
        let Some(nl) = memchr::memchr(b'\n', &body[pos..]) else {
            if chunk_no > 0 && trim_cr(&body[pos..]).iter().all(u8::is_ascii_whitespace) {
                // The last chunk marker is missing: the body ends after complete chunks.
                return Ok(out);
            }
            return Err(format!(
                "chunked body: no chunk size line at body byte {pos}"
            ));
        };
        let line = trim_cr(&body[pos..pos + nl]);
        let size_text = line.split(|&b| b == b';').next().unwrap_or(b"");
        let size_text = std::str::from_utf8(size_text).unwrap_or("").trim();
        let size = match usize::from_str_radix(size_text, 16) {
            Ok(s) if !size_text.is_empty() => s,
            _ => {
                if chunk_no > 0 && line.is_empty() {
                    // Tolerate an extra blank line between chunks.
                    pos += nl + 1;
                    continue;
                }
                return Err(format!(
                    "chunked body: bad chunk size {:?} at body byte {pos}",
                    String::from_utf8_lossy(&line[..line.len().min(40)])
                ));
            }
        };
        pos += nl + 1;
        if size == 0 {
            return Ok(out);
        }
        if size > body.len() - pos {
            return Err(format!(
                "chunked body: chunk {chunk_no} of {size} bytes at body byte {pos} runs past the end ({} bytes left)",
                body.len() - pos
            ));
        }
        if out.len() + size > max {
            return Err(format!(
                "chunked body is larger than the {} MB limit",
                max >> 20
            ));
        }
        out.extend_from_slice(&body[pos..pos + size]);
        pos += size;
        chunk_no += 1;
        // The CRLF after the chunk data.
        if body[pos..].starts_with(b"\r\n") {
            pos += 2;
        } else if body[pos..].starts_with(b"\n") {
            pos += 1;
        }
        if pos >= body.len() {
            return Ok(out);
        }
    }
}

/// Undoes a `Content-Encoding`. Ok(None) when the encoding is identity or absent.
pub(crate) fn decode_content(
    encoding: &str,
    body: &[u8],
    max: usize,
) -> Result<Option<Vec<u8>>, String> {
    let enc = encoding.trim().to_ascii_lowercase();
    let limit = max as u64 + 1;
    let mut out = Vec::new();
    let res = match enc.as_str() {
        "" | "identity" | "none" => return Ok(None),
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out),
        "deflate" => {
            // "deflate" is zlib-wrapped by the standard but raw deflate in the wild.
            let zlib = flate2::read::ZlibDecoder::new(body)
                .take(limit)
                .read_to_end(&mut out);
            if zlib.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(limit)
                    .read_to_end(&mut out)
            } else {
                zlib
            }
        }
        other => return Err(format!("unsupported Content-Encoding {other:?}")),
    };
    match res {
        Ok(_) if out.len() > max => Err(format!(
            "decoded body is larger than the {} MB limit",
            max >> 20
        )),
        Ok(_) => Ok(Some(out)),
        Err(e) => Err(format!("cannot undo Content-Encoding {enc}: {e}")),
    }
}

/// Whether a media type names HTML.
pub(crate) fn is_html_type(content_type: &str) -> bool {
    content_type.to_ascii_lowercase().contains("html")
}

/// Whether bytes look like an HTML document (for payloads without a Content-Type).
pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..]
        .iter()
        .take(1024)
        .map(u8::to_ascii_lowercase)
        .collect();
    if !head.starts_with(b"<") {
        return false;
    }
    let has = |n: &[u8]| memchr::memmem::find(&head, n).is_some();
    has(b"<!doctype html") || has(b"<html") || has(b"<head") || has(b"<body")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_without_reason_phrase_and_crcrlf() {
        let block = b"HTTP/1.0 302 \r\r\nLocation: x\r\r\nContent-Type: text/html\r\r\n\r\r\nbody";
        let (h, at) = parse_head(block).unwrap();
        assert_eq!(h.status, Some(302));
        assert_eq!(h.get("content-type"), Some("text/html"));
        assert_eq!(&block[at..], b"body");
    }

    #[test]
    fn dechunks_and_reports_bad_sizes() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n", 100).unwrap(),
            b"Wikipedia"
        );
        assert_eq!(dechunk(b"4\r\nWiki\r\n", 100).unwrap(), b"Wiki");
        assert!(dechunk(b"zz\r\nWiki\r\n", 100).is_err());
        assert!(dechunk(b"40\r\nWiki\r\n", 100)
            .unwrap_err()
            .contains("runs past"));
    }

    #[test]
    fn content_decoding() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"<html>hi</html>").unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(
            decode_content("gzip", &gz, 100).unwrap().unwrap(),
            b"<html>hi</html>"
        );
        assert!(decode_content("gzip", &gz, 5).is_err());
        assert!(decode_content("gzip", b"not gzip", 100).is_err());
        assert!(decode_content("identity", b"x", 100).unwrap().is_none());
    }
}
