//! Async line reading over any [`AsyncRead`], bounded by a maximum line length.

use std::ops::Range;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::framer::{FrameError, LineFramer};

/// How many bytes to ask the reader for at a time.
const READ_CHUNK: usize = 64 * 1024;

/// A line-reading error.
#[derive(Debug)]
pub enum ReadLineError {
    /// Framing failed (line too long).
    Frame(FrameError),
    /// The reader failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadLineError::Frame(e) => e.fmt(f),
            ReadLineError::Io(e) => write!(f, "read failed: {e}"),
        }
    }
}

impl std::error::Error for ReadLineError {}

/// Reads lines from an async reader.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::LineReader;
/// let mut r = LineReader::new(&b"a\nbb\n"[..], 1024);
/// assert_eq!(&r.next_line().await.unwrap().unwrap()[..], b"a");
/// assert_eq!(&r.next_line().await.unwrap().unwrap()[..], b"bb");
/// assert!(r.next_line().await.unwrap().is_none());
/// # });
/// ```
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    framer: LineFramer,
    eof: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// A reader with a maximum line length.
    pub fn new(reader: R, max_line: usize) -> Self {
        LineReader {
            reader,
            framer: LineFramer::new(max_line),
            eof: false,
        }
    }

    /// The next line; `Ok(None)` at end of input.
    pub async fn next_line(&mut self) -> Result<Option<Bytes>, ReadLineError> {
        let line = self.next_range().await?;
        Ok(line.map(|line| self.framer.split_off(line)))
    }

    /// The next line, borrowed from the reader's buffer until the next call; `Ok(None)` at end
    /// of input. The same lines as [`LineReader::next_line`], for a consumer that parses each
    /// line at once (no shared-buffer handle per line).
    pub async fn next_line_ref(&mut self) -> Result<Option<&[u8]>, ReadLineError> {
        let line = self.next_range().await?;
        Ok(line.map(|line| self.framer.slice(line)))
    }

    /// Where the next line is in the framer's buffer, reading as needed; `None` at the end.
    async fn next_range(&mut self) -> Result<Option<Range<usize>>, ReadLineError> {
        loop {
            let line = if self.eof {
                self.framer.finish_range()
            } else {
                self.framer.next_range()
            };
            match line.map_err(ReadLineError::Frame)? {
                Some(line) => return Ok(Some(line)),
                None if self.eof => return Ok(None),
                None => self.fill().await?,
            }
        }
    }

    /// Reads more input into the framer; sets `eof` at the end.
    async fn fill(&mut self) -> Result<(), ReadLineError> {
        let buf = self.framer.buffer_mut();
        buf.reserve(READ_CHUNK);
        let n = self.reader.read_buf(buf).await.map_err(ReadLineError::Io)?;
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// An `AsyncRead` that hands out at most `chunk` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl AsyncRead for Trickle<'_> {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let n = self.chunk.min(self.data.len()).min(buf.remaining());
            buf.put_slice(&self.data[..n]);
            self.data = &self.data[n..];
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn borrowed_and_owned_lines_agree_on_any_chunking() {
        let input = b"{\"a\":1}\r\n\n\nsecond line\nlast without newline\r";
        for chunk in 1..input.len() {
            let mut owned = LineReader::new(Trickle { data: input, chunk }, 64);
            let mut borrowed = LineReader::new(Trickle { data: input, chunk }, 64);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            while let Some(line) = owned.next_line().await.unwrap() {
                a.push(line.to_vec());
            }
            while let Some(line) = borrowed.next_line_ref().await.unwrap() {
                b.push(line.to_vec());
            }
            assert_eq!(a, b, "chunk {chunk}");
            assert_eq!(
                a,
                [&b"{\"a\":1}"[..], b"second line", b"last without newline"]
            );
        }
        let mut r = LineReader::new(&b"toolong\nok\n"[..], 4);
        assert!(matches!(
            r.next_line_ref().await,
            Err(ReadLineError::Frame(FrameError::LineTooLong { limit: 4 }))
        ));
    }
}
