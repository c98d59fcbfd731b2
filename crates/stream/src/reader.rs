//! Async line reading over any [`AsyncRead`], bounded by a maximum line length.

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
        loop {
            if let Some(line) = self.framer.next_line().map_err(ReadLineError::Frame)? {
                return Ok(Some(line));
            }
            if self.eof {
                return self.framer.finish().map_err(ReadLineError::Frame);
            }
            let buf = self.framer.buffer_mut();
            buf.reserve(READ_CHUNK);
            let n = self.reader.read_buf(buf).await.map_err(ReadLineError::Io)?;
            if n == 0 {
                self.eof = true;
            }
        }
    }
}
