//! The one reader of the files narcodoor takes as input: scenarios and their `extends`
//! chain, targets, design files, and the state a resumed command reads back (a sweep's
//! `design.json` and run files, a search's `search.json` and generations, the staging
//! marker). Every loader goes through [`read_text`] or [`read_bytes`], so no input can make
//! the program read forever or block: the file is opened without blocking (a FIFO with no
//! writer would otherwise hang the open), its kind is checked on the open handle (so the
//! path cannot be swapped between the check and the read), only regular files outside
//! `/proc` and `/sys` are read, and at most [`MAX_INPUT_BYTES`] of them. Anything else is a
//! [`FileError`] naming the file and the reason, which is bad input (exit code 2).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Largest input file read, in bytes (64 MiB). The largest real inputs are a few tens of
/// kilobytes (`scenarios/mexico_2000.toml` is 16 KB, a calibration's targets 4 KB) and a
/// Saltelli design file of a million rows of ten paths stays under this, so the cap only
/// stops inputs that are not what they claim to be.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// An input file that was not read: its path as given and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    pub reason: String,
}

/// Reads the file at `path` as UTF-8 text, under the rules of the module.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|e| FileError {
        path: path.to_path_buf(),
        reason: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
    })
}

/// Reads the bytes of the file at `path`, under the rules of the module.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    read_capped(path, MAX_INPUT_BYTES)
}

/// [`read_bytes`] with the cap as an argument (the tests use small caps).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FileError> {
    let fail = |reason: String| FileError { path: path.to_path_buf(), reason };
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, forever. It
    // changes nothing for a regular file, the only kind read below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| fail(open_reason(&e)))?;
    let meta = file.metadata().map_err(|e| fail(format!("cannot read its metadata ({e})")))?;
    if !meta.is_file() {
        return Err(fail(format!("{}, not a regular file", kind_name(&meta.file_type()))));
    }
    if let Some(fs) = pseudo_file_system(&file) {
        return Err(fail(format!("a {fs} entry, not a regular file")));
    }
    if meta.len() > cap {
        return Err(fail(over_cap(meta.len(), cap)));
    }
    // The size can change after the check: read one byte past the cap to notice.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read it ({e})")))?;
    if bytes.len() as u64 > cap {
        return Err(fail(over_cap(bytes.len() as u64, cap)));
    }
    Ok(bytes)
}

fn over_cap(len: u64, cap: u64) -> String {
    format!("larger than the {cap} bytes an input file may have (at least {len} bytes)")
}

/// Why a path could not be opened, in words; a symlink loop says so.
fn open_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ELOOP) => "a symlink loop (too many levels of symbolic links)".into(),
        _ => format!("cannot open it ({e})"),
    }
}

/// The kind of a file that is not regular.
fn kind_name(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// `/proc` or `/sys` when the open file lives there: their entries claim to be regular
/// files of size 0 (or 4096) whatever they hold, and some (`/proc/self/mem`, `/proc/kcore`)
/// fail or never end when read.
fn pseudo_file_system(file: &File) -> Option<&'static str> {
    use std::os::fd::AsRawFd;
    const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    const SYSFS_MAGIC: i64 = 0x6265_6572;
    // SAFETY: fstatfs writes into the zeroed struct we own, through a descriptor that is
    // open for the whole call.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    match st.f_type as i64 {
        PROC_SUPER_MAGIC => Some("/proc"),
        SYSFS_MAGIC => Some("/sys"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(path: &Path) -> String {
        read_bytes(path).unwrap_err().reason
    }

    #[test]
    fn reads_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_text(&p).unwrap(), "x = 1\n");
    }

    #[test]
    fn refuses_devices_proc_and_directories() {
        assert!(reason(Path::new("/dev/zero")).contains("character device"));
        assert!(reason(Path::new("/proc/self/mem")).contains("/proc entry"));
        assert!(reason(Path::new("/proc/self/status")).contains("/proc entry"));
        let dir = tempfile::tempdir().unwrap();
        assert!(reason(dir.path()).contains("a directory"));
    }

    #[test]
    fn refuses_fifos_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe.toml");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(reason(&p).contains("FIFO"));
    }

    #[test]
    fn refuses_symlink_loops() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(reason(&a).contains("symlink loop"));
    }

    #[test]
    fn refuses_files_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, "0123456789").unwrap();
        assert_eq!(read_capped(&p, 10).unwrap().len(), 10);
        let e = read_capped(&p, 9).unwrap_err();
        assert!(e.reason.contains("larger than the 9 bytes"), "{e}");
        // A sparse file one byte over the real cap is refused before anything is read.
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_INPUT_BYTES + 1).unwrap();
        assert!(reason(&p).contains("larger than"));
    }

    #[test]
    fn names_missing_files_and_bad_text() {
        let e = read_bytes(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/x.toml: cannot open it"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bin.toml");
        std::fs::write(&p, [b'a', 0xff]).unwrap();
        assert!(read_text(&p).unwrap_err().reason.contains("not UTF-8"));
    }
}
