//! Bounded newline framing, sans I/O.
//!
//! Feed bytes in with [`LineFramer::feed`], take complete lines out with
//! [`LineFramer::next_line`]. A line longer than the limit is an error, reported as soon as the
//! limit is passed, so memory stays bounded by the limit plus one read chunk. Scanning resumes
//! where it stopped, so a long line arriving in many chunks costs linear time.
//!
//! ```
//! use claude_sdk_stream::LineFramer;
//! let mut f = LineFramer::new(1024);
//! f.feed(b"{\"a\":1}\n{\"b\"");
//! assert_eq!(&f.next_line().unwrap().unwrap()[..], b"{\"a\":1}");
//! assert!(f.next_line().unwrap().is_none());
//! f.feed(b":2}\r\n");
//! assert_eq!(&f.next_line().unwrap().unwrap()[..], b"{\"b\":2}");
//! ```

use std::fmt;

use bytes::{Bytes, BytesMut};

/// Default maximum line length: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// A framing error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A line passed the limit.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::LineTooLong { limit } => {
                write!(f, "a line passed the maximum length of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Splits a byte stream into lines of at most `max_line` bytes (without the `\n`; a trailing
/// `\r` is dropped too). Empty lines are skipped.
#[derive(Debug)]
pub struct LineFramer {
    buf: BytesMut,
    /// Bytes of `buf` already scanned for a newline.
    scanned: usize,
    max_line: usize,
    failed: bool,
}

impl LineFramer {
    /// A framer with a maximum line length.
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            buf: BytesMut::new(),
            scanned: 0,
            max_line: max_line.max(1),
            failed: false,
        }
    }

    /// The maximum line length.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Appends bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The buffer to read into directly (avoids a copy); call [`LineFramer::next_line`] after.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete line, `Ok(None)` if more input is needed.
    pub fn next_line(&mut self) -> Result<Option<Bytes>, FrameError> {
        if self.failed {
            return Err(FrameError::LineTooLong {
                limit: self.max_line,
            });
        }
        loop {
            match memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                Some(pos) => {
                    let end = self.scanned + pos;
                    self.scanned = 0;
                    if end > self.max_line {
                        return Err(self.fail());
                    }
                    let mut line = self.buf.split_to(end + 1);
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.truncate(end - 1);
                    }
                    if line.is_empty() {
                        continue;
                    }
                    return Ok(Some(line.freeze()));
                }
                None => {
                    self.scanned = self.buf.len();
                    if self.buf.len() > self.max_line {
                        return Err(self.fail());
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// At end of input: the last line if it had no trailing newline.
    pub fn finish(&mut self) -> Result<Option<Bytes>, FrameError> {
        if let Some(line) = self.next_line()? {
            return Ok(Some(line));
        }
        self.scanned = 0;
        let mut rest = self.buf.split();
        if rest.last() == Some(&b'\r') {
            rest.truncate(rest.len() - 1);
        }
        Ok((!rest.is_empty()).then(|| rest.freeze()))
    }

    fn fail(&mut self) -> FrameError {
        self.failed = true;
        // Free the memory at once.
        self.buf = BytesMut::new();
        FrameError::LineTooLong {
            limit: self.max_line,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lines(f: &mut LineFramer) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(l) = f.next_line().unwrap() {
            out.push(l.to_vec());
        }
        out
    }

    #[test]
    fn splits_on_any_chunking() {
        let input = b"one\ntwo\r\n\n\nthree\nfour";
        for chunk in 1..input.len() {
            let mut f = LineFramer::new(100);
            let mut got = Vec::new();
            for c in input.chunks(chunk) {
                f.feed(c);
                got.extend(lines(&mut f));
            }
            if let Some(l) = f.finish().unwrap() {
                got.push(l.to_vec());
            }
            assert_eq!(
                got,
                [&b"one"[..], b"two", b"three", b"four"],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn limit_is_exact_and_sticky() {
        let mut f = LineFramer::new(4);
        f.feed(b"abcd\n");
        assert_eq!(lines(&mut f), [b"abcd"]);
        f.feed(b"abcde");
        assert_eq!(f.next_line(), Err(FrameError::LineTooLong { limit: 4 }));
        assert_eq!(f.buffered(), 0);
        f.feed(b"\nok\n");
        assert!(f.next_line().is_err());
    }

    #[test]
    fn long_line_with_newline_in_same_chunk() {
        let mut f = LineFramer::new(4);
        f.feed(b"abcdefgh\nok\n");
        assert!(f.next_line().is_err());
    }

    #[test]
    fn non_ascii_is_untouched() {
        let mut f = LineFramer::new(100);
        let s = "héllo 👋 你好\n".as_bytes();
        // split inside a multi-byte character
        f.feed(&s[..8]);
        assert!(f.next_line().unwrap().is_none());
        f.feed(&s[8..]);
        assert_eq!(f.next_line().unwrap().unwrap(), "héllo 👋 你好".as_bytes());
    }
}
