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

/// Why writing `path` failed, in Chinese and English (the folder is missing, the path is a
/// folder, no permission, the disk is full), with the system's own words after.
pub fn write_error(path: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let why = if path.is_dir() {
        "输出路径是一个文件夹 / the output path is a folder"
    } else {
        match e.kind() {
            K::NotFound => "输出文件夹不存在 / the output folder does not exist",
            K::PermissionDenied => "没有写入权限 / no permission to write there",
            K::StorageFull => "磁盘已满 / the disk is full",
            K::IsADirectory => "输出路径是一个文件夹 / the output path is a folder",
            _ => "无法写入 / cannot write",
        }
    };
    format!("{}：{why} ({e})", path.display())
}

/// Checks that `path` can be written before long work starts: not a folder, its folder exists.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "{}：输出路径是一个文件夹 / the output path is a folder",
            path.display()
        ));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(format!(
            "{}：输出文件夹不存在 / the output folder does not exist",
            path.display()
        )),
        _ => Ok(()),
    }
}
