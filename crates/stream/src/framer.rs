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

use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

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
    /// Bytes at the front of `buf` holding lines already handed out (dropped on the next call).
    consumed: usize,
    /// Bytes of `buf` after `consumed` already scanned for a newline.
    scanned: usize,
    max_line: usize,
    failed: bool,
}

impl LineFramer {
    /// A framer with a maximum line length.
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            buf: BytesMut::new(),
            consumed: 0,
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
        self.discard_consumed();
        self.buf.extend_from_slice(data);
    }

    /// The buffer to read into directly (avoids a copy); call [`LineFramer::next_line`] after.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        self.discard_consumed();
        &mut self.buf
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// The next complete line, borrowed from the framer's buffer (valid until the next call):
    /// the same lines as [`LineFramer::next_line`], without a shared-buffer handle per line —
    /// for a consumer that copies or parses the line at once.
    pub fn next_line_ref(&mut self) -> Result<Option<&[u8]>, FrameError> {
        Ok(self.next_range()?.map(|line| &self.buf[line]))
    }

    /// At end of input, borrowed: the last line if it had no trailing newline (as
    /// [`LineFramer::finish`]).
    pub fn finish_ref(&mut self) -> Result<Option<&[u8]>, FrameError> {
        Ok(self.finish_range()?.map(|line| &self.buf[line]))
    }

    /// The bytes of a range from `next_range`/`finish_range` (for `LineReader`).
    pub(crate) fn slice(&self, line: Range<usize>) -> &[u8] {
        &self.buf[line]
    }

    /// The next complete line, `Ok(None)` if more input is needed.
    pub fn next_line(&mut self) -> Result<Option<Bytes>, FrameError> {
        let line = self.next_range()?;
        Ok(line.map(|line| self.split_off(line)))
    }

    /// Finds the next non-empty line: its range in `buf` (no `\n`, no trailing `\r`), with
    /// `consumed` set past its newline.
    pub(crate) fn next_range(&mut self) -> Result<Option<Range<usize>>, FrameError> {
        if self.failed {
            return Err(FrameError::LineTooLong {
                limit: self.max_line,
            });
        }
        self.discard_consumed();
        let mut start = 0;
        loop {
            match memchr::memchr(b'\n', &self.buf[start + self.scanned..]) {
                Some(pos) => {
                    let newline = start + self.scanned + pos;
                    self.scanned = 0;
                    if newline - start > self.max_line {
                        return Err(self.fail());
                    }
                    let mut end = newline;
                    if end > start && self.buf[end - 1] == b'\r' {
                        end -= 1;
                    }
                    let line = start..end;
                    start = newline + 1;
                    if line.is_empty() {
                        continue;
                    }
                    self.consumed = start;
                    return Ok(Some(line));
                }
                None => {
                    // Empty lines before the partial one are dropped.
                    self.buf.advance(start);
                    self.scanned = self.buf.len();
                    if self.buf.len() > self.max_line {
                        return Err(self.fail());
                    }
                    return Ok(None);
                }
            }
        }
    }

    fn discard_consumed(&mut self) {
        if self.consumed > 0 {
            self.buf.advance(self.consumed);
            self.consumed = 0;
        }
    }

    /// At end of input: the last line if it had no trailing newline.
    pub fn finish(&mut self) -> Result<Option<Bytes>, FrameError> {
        let line = self.finish_range()?;
        Ok(line.map(|line| self.split_off(line)))
    }

    /// The consumed front of the buffer as its own handle, cut to `line` (no copy).
    pub(crate) fn split_off(&mut self, line: Range<usize>) -> Bytes {
        let mut head = self.buf.split_to(self.consumed);
        self.consumed = 0;
        head.truncate(line.end);
        head.advance(line.start);
        head.freeze()
    }

    /// `next_range`, else the rest of the buffer as the last line (without a trailing `\r`).
    pub(crate) fn finish_range(&mut self) -> Result<Option<Range<usize>>, FrameError> {
        if let Some(line) = self.next_range()? {
            return Ok(Some(line));
        }
        self.discard_consumed();
        self.scanned = 0;
        let mut end = self.buf.len();
        if self.buf.last() == Some(&b'\r') {
            end -= 1;
        }
        self.consumed = self.buf.len();
        Ok((end > 0).then_some(0..end))
    }

    fn fail(&mut self) -> FrameError {
        self.failed = true;
        // Free the memory at once.
        self.buf = BytesMut::new();
        self.consumed = 0;
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
    fn borrowed_lines_are_the_same_lines() {
        let input = b"one\ntwo\r\n\n\nthree\nfour\n\n";
        for chunk in 1..input.len() {
            let (mut owned, mut borrowed) = (LineFramer::new(100), LineFramer::new(100));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for c in input.chunks(chunk) {
                owned.feed(c);
                a.extend(lines(&mut owned));
                borrowed.feed(c);
                while let Some(l) = borrowed.next_line_ref().unwrap() {
                    b.push(l.to_vec());
                }
                assert_eq!(owned.buffered(), borrowed.buffered(), "chunk {chunk}");
            }
            assert_eq!(a, b, "chunk {chunk}");
            assert_eq!(a, [&b"one"[..], b"two", b"three", b"four"]);
        }
        let mut f = LineFramer::new(4);
        f.feed(b"abcd\nabcde");
        assert_eq!(f.next_line_ref().unwrap(), Some(&b"abcd"[..]));
        assert_eq!(f.next_line_ref(), Err(FrameError::LineTooLong { limit: 4 }));
        assert_eq!(f.buffered(), 0);
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
