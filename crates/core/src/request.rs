//! [`Request`]: a prompt plus [`Options`].

use crate::message::{ContentBlock, UserContent};
use crate::options::Options;

/// What a backend is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The prompt (text or content blocks). Always sent on stdin, never in argv.
    pub prompt: UserContent,
    /// Options.
    pub options: Options,
}

impl Request {
    /// A request with default options.
    pub fn new(prompt: impl Into<UserContent>) -> Self {
        Request {
            prompt: prompt.into(),
            options: Options::default(),
        }
    }

    /// A request from blocks (e.g. text and images).
    pub fn from_blocks(blocks: Vec<ContentBlock>) -> Self {
        Request::new(UserContent::Blocks(blocks))
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }
}
