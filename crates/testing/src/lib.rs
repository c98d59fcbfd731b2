//! Testing tools for claude-sdk-rs.
//!
//! * [`mock_api`]: a scriptable mock of the Anthropic Messages API ([`MockServer`]) that the real
//!   `claude` CLI and the official SDKs can talk to over loopback.

pub mod cli_env;
pub mod mock_api;
pub mod mock_backend;

pub use cli_env::CliTestEnv;
pub use mock_api::{MockServer, RecordedRequest, Reply, Script};
pub use mock_backend::{MockBackend, MockTurn};
