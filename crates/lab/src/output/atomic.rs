//! The one way output files are written: atomically. A file is written under a hidden
//! temporary name in its own directory (`.<name>XXXXXX.tmp`), flushed to disk, then renamed
//! over its final name with `tempfile`'s `persist`, so a reader, a resumed sweep or a
//! crash sees either the whole file or no file, never half of one. Every output of every
//! command goes through [`AtomicFile`] (streamed tables) or [`write_file`] (whole texts),
//! the manifest included.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Whether a file name is one of this writer's temporary files (`.<name>XXXXXX.tmp`) or
/// the chart writer's (`.<name>.<pid>.<n>.tmp.png`: the encoder picks the format by the
/// extension, so its temporary name keeps `.png`).
pub fn is_leftover(name: &str) -> bool {
    name.starts_with('.') && (name.ends_with(".tmp") || name.ends_with(".tmp.png"))
}

/// Removes the temporary files that a writer killed mid-file (SIGKILL, a crash) left in
/// `dir`: a resumed command redoes what they held, and they must not be published with
/// its outputs.
pub fn remove_leftovers(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && is_leftover(&entry.file_name().to_string_lossy()) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// A file being written; it appears under its name only at [`AtomicFile::commit`].
/// Dropped without a commit, the temporary file is removed and nothing appears.
pub struct AtomicFile {
    w: BufWriter<NamedTempFile>,
    dest: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (its directory must exist).
    pub fn create(path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            // Output files are for sharing: the usual 0644, not a temporary file's 0600.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let tmp = builder.tempfile_in(dir)?;
        Ok(AtomicFile { w: BufWriter::new(tmp), dest: path.to_path_buf() })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Flushes the file to disk and renames it to its final name.
    pub fn commit(self) -> io::Result<()> {
        let tmp = self.w.into_inner().map_err(io::IntoInnerError::into_error)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.dest).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.w.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Writes `bytes` to `dir/name` atomically, with the path in the error.
pub fn write_in(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    anyhow::Context::with_context(write_file(&path, bytes), || format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_at_commit_and_never_if_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"x,y\n").unwrap();
        assert!(!path.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x,y\n");
        write_file(&path, b"z\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "z\n");
        let mut g = AtomicFile::create(&dir.path().join("b.csv")).unwrap();
        g.write_all(b"half").unwrap();
        drop(g);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["a.csv"]);
    }
}
