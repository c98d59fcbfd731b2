//! Export and import of session files for `claude-rs session export|import`
//! (the format: `docs/session-format.md`).

use std::path::Path;

use claude_sdk::Error;
use claude_sdk::session::export::{self, ExportOptions, ImportOptions};
use claude_sdk::session::{SessionId, SessionMeta, SharedStore};

/// Writes the export file of a session, with the CLI's transcript from `$HOME` (atomically).
pub async fn export(store: &SharedStore, id: SessionId, path: &Path) -> Result<(), Error> {
    export::write_export(&**store, id, &ExportOptions::new(), path).await
}

/// Imports an export file; the CLI transcript goes under `$HOME` for `cwd` (default: the
/// current directory). A malformed, truncated or tampered file is `integrity` and changes nothing.
pub async fn import(
    store: &SharedStore,
    path: &Path,
    cwd: Option<&Path>,
) -> Result<SessionMeta, Error> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mut options = ImportOptions::new();
    if let Some(cwd) = cwd {
        options = options.cwd(cwd);
    }
    export::import(&**store, &bytes, &options).await
}
