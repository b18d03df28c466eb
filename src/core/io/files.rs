//! Writing files so that nothing the user had is lost: a temporary file beside the target,
//! renamed over it only once complete.

use crate::core::model::attrs::AttributeTable;
use std::path::{Path, PathBuf};

/// Temporary files handed out by [`temp_beside`] in this process: removed by
/// [`remove_temporaries`] when the process is interrupted (a path already renamed into place no
/// longer exists, so removing it again does nothing).
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Held (shared) while a temporary is written or a set of files is renamed into place, and (exclusive) by
/// [`remove_temporaries`]: an interruption waits for a write or a commit in flight, so it never finds half a set
/// renamed, nor a temporary written again after it removed it. The process ends while holding it.
static WRITING: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn writing() -> std::sync::RwLockReadGuard<'static, ()> {
    WRITING.read().unwrap_or_else(|e| e.into_inner())
}

/// Set when the process is being interrupted: a write in flight then stops before its rename.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

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
    // Writes in flight stop before their renames; commits already renaming finish. The caller ends the process,
    // so nothing starts after.
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let guard = WRITING.write().unwrap_or_else(|e| e.into_inner());
    std::mem::forget(guard);
    let paths: Vec<PathBuf> = TEMPORARIES
        .lock()
        .map(|mut t| std::mem::take(&mut *t))
        .unwrap_or_default();
    paths
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// Where writing `path` really goes: a symbolic link is followed to the file it names (so the link stays a link
/// and its target gets the new bytes; a chain of links to its end). Errors: the path names something that is not
/// a file (a device such as /dev/stdout, a pipe): an atomic write cannot replace it.
pub fn resolve_output(path: &Path) -> std::io::Result<PathBuf> {
    let device = |p: &Path| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{}：不是普通文件（设备或管道），不能作为输出 / not a regular file (a device or a pipe): it cannot be an output",
                p.display()
            ),
        )
    };
    // /dev/stdout, /proc/self/fd/1: never replaced by a file.
    if cfg!(unix) && (path.starts_with("/dev") || path.starts_with("/proc")) {
        return Err(device(path));
    }
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Ok(m) if !m.is_file() && !m.is_dir() => return Err(device(path)),
            _ if cfg!(unix) && (p.starts_with("/dev") || p.starts_with("/proc")) => {
                return Err(device(path))
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "{}：符号链接循环 / a loop of symbolic links",
            path.display()
        ),
    ))
}

/// Writes `bytes` to `path` atomically (the old file stays intact if anything fails); a symbolic link is followed
/// ([`resolve_output`]).
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
    let _writing = writing();
    let path = &resolve_output(path)?;
    let tmp = temp_beside(path);
    let r = std::fs::write(&tmp, bytes).and_then(|_| rename_over(&tmp, path));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// Moves the finished temporary file `tmp` over `path` (a path [`resolve_output`] gave): the file replaced keeps
/// its permissions; nothing is moved once the process is being interrupted (the temporary is then removed by the
/// interrupt). Errors: interrupted, or the rename failed.
pub fn replace_with(tmp: &Path, path: &Path) -> std::io::Result<()> {
    let _writing = writing();
    rename_over(tmp, path)
}

fn rename_over(tmp: &Path, path: &Path) -> std::io::Result<()> {
    if interrupted() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "已中断 / interrupted",
        ));
    }
    if let Ok(m) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp, m.permissions());
    }
    std::fs::rename(tmp, path)
}

/// A file name stem made from `name` (a village's, a page's) that every common file system takes: characters
/// Windows forbids and control characters become `_`, leading and trailing dots and spaces go, at most
/// `max_bytes` bytes of UTF-8 (cut at a character), and the names Windows reserves for devices (CON, NUL, COM1…)
/// get a `_` in front. `None` when nothing is left.
pub fn safe_file_stem(name: &str, max_bytes: usize) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = if "/\\:*?\"<>|".contains(c) || c.is_control() {
            '_'
        } else {
            c
        };
        if out.len() + c.len_utf8() > max_bytes {
            break;
        }
        out.push(c);
    }
    let out = out
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if out.is_empty() {
        return None;
    }
    let base = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((base.starts_with("COM") || base.starts_with("LPT"))
            && base.len() == 4
            && base.as_bytes()[3].is_ascii_digit());
    Some(if reserved { format!("_{out}") } else { out })
}

/// Files written as one set (the pages of a series, the villages of an atlas): each goes to a temporary beside
/// its target, and all are renamed into place only by [`FileSet::commit`] once every one is written. Dropped
/// without a commit (an error, a cancel) or interrupted, the set leaves nothing: not one page, and the files
/// an earlier run left at those names are untouched. Can be written from several threads.
#[derive(Default)]
pub struct FileSet {
    pending: std::sync::Mutex<Vec<(PathBuf, PathBuf)>>,
}

impl FileSet {
    /// An empty set.
    pub fn new() -> FileSet {
        FileSet::default()
    }

    /// Writes `bytes` for `path` (to its temporary, until the commit).
    pub fn write(&self, path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
        // A target that cannot be replaced fails now, before anything is renamed.
        check_writable(path)?;
        let _writing = writing();
        let tmp = temp_beside(path);
        if let Err(e) = std::fs::write(&tmp, bytes) {
            let _ = std::fs::remove_file(&tmp);
            return Err(write_error(path, &e));
        }
        if let Ok(mut p) = self.pending.lock() {
            p.push((tmp, path.to_path_buf()));
        }
        Ok(())
    }

    /// Renames every file into place; returns the targets in the order written.
    pub fn commit(self) -> Result<Vec<PathBuf>, String> {
        // An interruption waits until every file is in place (or none is).
        let _writing = writing();
        if interrupted() {
            return Err("已中断 / interrupted".into());
        }
        let pending = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        // Every target checked again before the first rename, so a set is not left half in place.
        if let Some(e) = pending.iter().find_map(|(_, p)| check_writable(p).err()) {
            for (t, _) in &pending {
                let _ = std::fs::remove_file(t);
            }
            return Err(e);
        }
        let mut done = vec![];
        for (i, (tmp, path)) in pending.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, path) {
                for (t, _) in &pending[i..] {
                    let _ = std::fs::remove_file(t);
                }
                return Err(write_error(path, &e));
            }
            done.push(path.clone());
        }
        Ok(done)
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        if let Ok(p) = self.pending.lock() {
            for (tmp, _) in p.iter() {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// A file made over a long job: its temporary exists beside the target from the start (so the folder is known to
/// take it, and an interruption finds and removes it), and the bytes go in and replace the target only at
/// [`AtomicFile::finish`]. Dropped unfinished, it leaves nothing.
pub struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts `path`: creates its temporary.
    pub fn create(path: &Path) -> Result<AtomicFile, String> {
        let _writing = writing();
        let path = &resolve_output(path).map_err(|e| write_error(path, &e))?;
        let tmp = temp_beside(path);
        std::fs::File::create(&tmp).map_err(|e| write_error(path, &e))?;
        Ok(AtomicFile {
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Writes `bytes` and puts them in place of the target.
    pub fn finish(self, bytes: impl AsRef<[u8]>) -> Result<PathBuf, String> {
        let _writing = writing();
        let r = std::fs::write(&self.tmp, bytes).and_then(|_| {
            if interrupted() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "已中断 / interrupted",
                ));
            }
            std::fs::rename(&self.tmp, &self.path)
        });
        r.map_err(|e| write_error(&self.path, &e))?;
        Ok(self.path.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
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

/// Checks that folder `dir` can take a set of files before long work starts: not an existing file, and its
/// parent exists (the folder itself is made when missing; files of an earlier run in it are replaced).
pub fn check_output_folder(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "{}：输出路径是一个文件，这里要给文件夹 / the output is a file: a folder is needed here",
            dir.display()
        ));
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) if !parent.is_dir() => Err(format!(
            "{}：上级文件夹不存在 / the folder above does not exist",
            dir.display()
        )),
        _ => Ok(()),
    }
}

/// Checks that `path` can be written before long work starts: not a folder, not a device or a pipe, its folder
/// exists.
pub fn check_writable(path: &Path) -> Result<(), String> {
    let path = &resolve_output(path).map_err(|e| e.to_string())?;
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

#[cfg(test)]
mod safe_name_tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_everywhere() {
        assert_eq!(safe_file_stem("城关/镇", 150).unwrap(), "城关_镇");
        assert_eq!(safe_file_stem(" ..a.. ", 150).unwrap(), "a");
        assert_eq!(safe_file_stem("...", 150), None);
        assert_eq!(safe_file_stem("CON", 150).unwrap(), "_CON");
        assert_eq!(safe_file_stem("nul.txt", 150).unwrap(), "_nul.txt");
        assert_eq!(safe_file_stem("COM1", 150).unwrap(), "_COM1");
        assert_eq!(safe_file_stem("COMMON", 150).unwrap(), "COMMON");
        let long = "村".repeat(200);
        let s = safe_file_stem(&long, 150).unwrap();
        assert!(s.len() <= 150 && s.chars().all(|c| c == '村'));
    }

    #[test]
    fn a_file_set_leaves_nothing_until_committed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        std::fs::write(&a, "old").unwrap();
        {
            let set = FileSet::new();
            set.write(&a, "new").unwrap();
            set.write(&dir.path().join("b.txt"), "b").unwrap();
            // Dropped without a commit.
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let set = FileSet::new();
        set.write(&a, "new").unwrap();
        assert_eq!(set.commit().unwrap(), vec![a.clone()]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_devices_refused() {
        let dir = std::env::temp_dir().join(format!("yitu-resolve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let real = dir.join("real.csv");
        std::fs::write(&real, "old").unwrap();
        let link = dir.join("link.csv");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(write_atomic(Path::new("/dev/stdout"), "x").is_err());
        assert!(check_writable(Path::new("/dev/null")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
