//! Writing files so that nothing the user had is lost: a temporary file beside the target,
//! renamed over it only once complete.

use std::path::{Path, PathBuf};

/// A temporary file name next to `path` (same folder, so the final rename is atomic).
pub fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(super::service::unique_file_name(
        &format!(".{name}-"),
        "tmp",
    ))
}

/// Writes `bytes` to `path` atomically (the old file stays intact if anything fails).
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    let tmp = temp_beside(path);
    let r = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}
