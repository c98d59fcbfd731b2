//! Pinned peer packages (other SDKs) installed under `<cache>/peers` for tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::install_cli;
use crate::util::{self, Result};

/// A pinned PyPI package in its own venv at `<cache>/peers/<dir>/<version>`.
pub struct PythonPeer<'a> {
    /// The directory under `<cache>/peers`.
    pub dir: &'a str,
    /// The PyPI package.
    pub package: &'a str,
    /// Its pinned version.
    pub version: &'a str,
    /// A `python -c` script that prints the installed version.
    pub version_script: &'a str,
    /// Where pip's stdout goes.
    pub pip_stdout: fn() -> Stdio,
}

/// A venv with the pinned package; its interpreter. Idempotent (a marker file plus a version
/// check); a failed install leaves no marker, so the next run starts over.
pub fn ensure_python(peer: &PythonPeer<'_>) -> Result<PathBuf> {
    let PythonPeer {
        dir,
        package,
        version,
        ..
    } = *peer;
    let dir = install_cli::cache_dir()?
        .join("peers")
        .join(dir)
        .join(version);
    let python = dir.join("bin").join("python");
    let marker = dir.join(".claude-sdk-rs-installed");
    if marker.is_file() && python_version(&python, peer).as_deref() == Some(version) {
        eprintln!("{package} {version} already installed in {}", dir.display());
        return Ok(python);
    }
    eprintln!("installing {package}=={version} into {} ...", dir.display());
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", dir.display())),
    }
    let base = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    util::run(Command::new(&base).args(["-m", "venv"]).arg(&dir))
        .map_err(|e| format!("{e} (Python 3.10+ with the venv module is needed)"))?;
    util::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .arg(format!("{package}=={version}"))
            .stdin(Stdio::null())
            .stdout((peer.pip_stdout)()),
    )?;
    match python_version(&python, peer) {
        Some(v) if v == version => {}
        other => {
            return Err(format!(
                "installed {package}=={version} but it reports version {other:?}"
            ));
        }
    }
    std::fs::write(&marker, version)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(python)
}

fn python_version(python: &Path, peer: &PythonPeer<'_>) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", peer.version_script])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
