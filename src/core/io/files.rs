//! Writing files so that nothing the user had is lost: a temporary file beside the target,
//! renamed over it only once complete.

use crate::core::model::attrs::AttributeTable;
use std::path::{Path, PathBuf};

/// Temporary files handed out by [`temp_beside`] in this process: removed by
/// [`remove_temporaries`] when the process is interrupted (a path already renamed into place no
/// longer exists, so removing it again does nothing).
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file name next to `path` (same folder, so the final rename is atomic),
/// remembered so an interrupted export leaves nothing behind.
pub fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(unique_file_name(&format!(".{name}-"), "tmp"));
    if let Ok(mut t) = TEMPORARIES.lock() {
        t.push(tmp.clone());
    }
    tmp
}

/// Removes every temporary file [`temp_beside`] handed out that still exists: called when a
/// command is interrupted (Ctrl-C, SIGTERM), so no partial export is left beside its target.
pub fn remove_temporaries() -> usize {
    let paths: Vec<PathBuf> = TEMPORARIES
        .lock()
        .map(|mut t| std::mem::take(&mut *t))
        .unwrap_or_default();
    paths
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
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

/// Whether `a` and `b` are the same file (the same path, a link to it, or a hard link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                x.dev() == y.dev() && x.ino() == y.ino()
            }
            #[cfg(not(unix))]
            {
                let _ = (x, y);
                std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
            }
        }
        _ => false,
    }
}

/// Checks that `path` can be written before long work starts: not a folder, its folder exists,
/// and not one of `inputs` (an export written over the data it was made from would destroy it).
pub fn check_output(path: &Path, inputs: &[&Path]) -> Result<(), String> {
    if let Some(i) = inputs.iter().find(|i| same_file(path, i)) {
        return Err(format!(
            "{}：输出文件就是输入文件 {}，会把它覆盖，已拒绝 / the output is the input {}: it would be overwritten, refused",
            path.display(),
            i.display(),
            i.display()
        ));
    }
    check_writable(path)
}

/// Checks that `path` can be written before long work starts: not a folder, its folder exists.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "{}：输出路径是一个文件夹 / the output path is a folder",
            path.display()
        ));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(format!(
            "{}：文件是只读的，不会覆盖 / the file is read-only and is not replaced",
            path.display()
        ));
    }
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => {
            return Err(format!(
                "{}：输出文件夹不存在 / the output folder does not exist",
                path.display()
            ))
        }
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    // The folder must take a new file (the temporary one the export is written to).
    let probe = temp_beside(&dir.join(".yitu-probe"));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(write_error(path, &e)),
    }
}

/// A file name unique to this process and moment: `{prefix}{pid}-{nanoseconds}.{ext}`.
pub fn unique_file_name(prefix: &str, ext: &str) -> String {
    format!(
        "{prefix}{}-{:x}.{ext}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// Writes `table` as CSV in UTF-8 with a BOM (so spreadsheet programs read the Chinese
/// text), atomically: a temporary file renamed over `path` when complete.
pub fn write_csv(table: &AttributeTable, path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = temp_beside(path);
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all("\u{feff}".as_bytes())?;
        let mut w = csv::Writer::from_writer(f);
        w.write_record(table.fields.iter().map(|f| f.name.as_str()))?;
        let mut rec: Vec<String> = Vec::with_capacity(table.fields.len());
        for r in 0..table.len() {
            rec.clear();
            for c in &table.columns {
                rec.push(match c.get(r) {
                    crate::core::model::attrs::Value::Null => String::new(),
                    v => v.to_string(),
                });
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path)
}
