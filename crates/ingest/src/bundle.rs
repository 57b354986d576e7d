//! Loading a bundle: a folder, a `.zip` or a `.tar.gz` of incident artifacts.
//!
//! Entries that would escape the bundle root, links, devices and archives that expand
//! past [`LoadLimits`] are refused; binary files, nested archives and housekeeping files
//! are listed as skipped with the reason. Text that is not valid UTF-8 is read with the
//! bad bytes replaced, and the source says where.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use debrief_model::{Problem, SkippedFile, SourceFile};
use flate2::read::{GzDecoder, MultiGzDecoder};

use crate::config::{ConfigError, IncidentConfig};

/// The config file's name at the bundle root.
pub const CONFIG_FILE: &str = "incident.toml";

/// Size limits for loading.
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    /// Total bytes of all files after decompression.
    pub max_total_bytes: u64,
    /// Bytes of one file after decompression.
    pub max_file_bytes: u64,
    /// Number of entries in an archive or files in a folder.
    pub max_entries: usize,
    /// A log file of a folder (or a single file) larger than this is not loaded: it is read
    /// in a stream when it is ingested, in bounded memory, and only the lines its records
    /// cite are kept. `u64::MAX` (the default) loads every file whole.
    pub stream_logs_above: u64,
}

impl Default for LoadLimits {
    fn default() -> Self {
        Self { max_total_bytes: 4 << 30, max_file_bytes: 2 << 30, max_entries: 200_000, stream_logs_above: u64::MAX }
    }
}

impl LoadLimits {
    /// The default limits, with logs above 8 MiB read in a stream.
    pub fn streaming() -> Self {
        Self { stream_logs_above: 8 << 20, ..Self::default() }
    }
}

/// How much of a streamed file is loaded to tell its format.
const HEAD_BYTES: usize = 64 * 1024;

/// A loaded bundle.
#[derive(Debug, Default)]
pub struct Bundle {
    /// The bundle's name for display (the folder or archive name).
    pub name: String,
    /// Readable files, sorted by path; `incident.toml` included.
    pub files: Vec<SourceFile>,
    pub skipped: Vec<SkippedFile>,
    pub config: IncidentConfig,
    /// `incident.toml` was present but could not be read.
    pub config_error: Option<ConfigError>,
    /// Files read in a stream when ingested (logs too large to hold), by bundle-relative
    /// path: where they are on disk. Their [`SourceFile::text`] holds only their first lines.
    pub streamed: BTreeMap<String, PathBuf>,
}

/// A bundle could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such file or folder")]
    NotFound { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a readable archive: {message}")]
    BadArchive { path: PathBuf, message: String },
    #[error("{path}: expands past the limit of {limit} bytes ({what}); refusing it")]
    TooLarge { path: PathBuf, what: String, limit: u64 },
    #[error("{path}: more than {limit} entries; refusing it")]
    TooManyEntries { path: PathBuf, limit: usize },
}

impl LoadError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotFound { .. } => Some("pass the folder, .zip or .tar.gz that holds the incident's artifacts"),
            Self::BadArchive { .. } => Some("bundles are folders, .zip or .tar.gz files; unpack other archives first"),
            Self::TooLarge { .. } | Self::TooManyEntries { .. } => {
                Some("unpack the archive yourself and pass the folder if its contents are expected")
            }
            Self::Io { .. } => None,
        }
    }
}

/// Loads the bundle at `path` with the default limits.
pub fn load(path: &Path) -> Result<Bundle, LoadError> {
    load_with(path, LoadLimits::default())
}

/// Loads the bundle at `path`.
pub fn load_with(path: &Path, limits: LoadLimits) -> Result<Bundle, LoadError> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => LoadError::NotFound { path: path.to_path_buf() },
        _ => LoadError::Io { path: path.to_path_buf(), source: e },
    })?;
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut loader = Loader {
        limits,
        total: 0,
        files: Vec::new(),
        skipped: Vec::new(),
        origin: path.to_path_buf(),
        streamed: BTreeMap::new(),
    };
    if meta.is_dir() {
        loader.walk(path, path)?;
    } else {
        let lower = name.to_ascii_lowercase();
        let file = fs::File::open(path).map_err(|e| LoadError::Io { path: path.to_path_buf(), source: e })?;
        if ends_with_any(&lower, &[".zip"]) {
            loader.zip(file)?;
        } else if ends_with_any(&lower, &[".tar.gz", ".tgz"]) {
            loader.tar(GzDecoder::new(file))?;
        } else if ends_with_any(&lower, &[".tar"]) {
            loader.tar(file)?;
        } else if loader.stream(path, name.clone()) {
            // A single log too large to hold: read when ingested.
        } else {
            // A single file: a bundle of one.
            let bytes = read_limited(file, limits.max_file_bytes)
                .map_err(|e| LoadError::Io { path: path.to_path_buf(), source: e })?
                .ok_or_else(|| LoadError::TooLarge {
                    path: path.to_path_buf(),
                    what: "file".into(),
                    limit: limits.max_file_bytes,
                })?;
            loader.add(name.clone(), bytes);
        }
    }
    Ok(loader.finish(name))
}

impl Bundle {
    /// A bundle made of files already in memory (tests, stdin, the server).
    pub fn from_files(files: Vec<SourceFile>) -> Self {
        let mut loader = Loader {
            limits: LoadLimits::default(),
            total: 0,
            files: Vec::new(),
            skipped: Vec::new(),
            origin: PathBuf::new(),
            streamed: BTreeMap::new(),
        };
        loader.files = files;
        loader.finish("bundle".into())
    }
}

struct Loader {
    limits: LoadLimits,
    total: u64,
    files: Vec<SourceFile>,
    skipped: Vec<SkippedFile>,
    origin: PathBuf,
    streamed: BTreeMap<String, PathBuf>,
}

impl Loader {
    /// Whether the file at `path` is a log above the streaming size, and so was listed to
    /// be read in a stream (with its first lines loaded to tell its format).
    fn stream(&mut self, path: &Path, rel: String) -> bool {
        let lower = rel.to_ascii_lowercase();
        let gz = ends_with_any(&lower, &[".gz"]);
        let Ok(meta) = fs::metadata(path) else { return false };
        // A gzip member states its size (mod 4 GiB) in its last four bytes.
        let size = if gz { gzip_size(path).unwrap_or(0).max(meta.len()) } else { meta.len() };
        if size <= self.limits.stream_logs_above || is_housekeeping(&rel) {
            return false;
        }
        let mut head = Vec::with_capacity(HEAD_BYTES);
        if open_decoded(path, gz).and_then(|r| r.take(HEAD_BYTES as u64).read_to_end(&mut head)).is_err()
            || looks_binary(&head)
        {
            return false;
        }
        // Whole lines only.
        if let Some(end) = memchr::memrchr(b'\n', &head) {
            head.truncate(end + 1);
        }
        let mut file = decode(rel.clone(), head);
        file.size = size;
        if crate::ingest::detect(&file).is_none_or(|a| a.format() != crate::ingest::LOG_FORMAT) {
            return false;
        }
        self.streamed.insert(rel, path.to_path_buf());
        self.files.push(file);
        true
    }

    fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(SkippedFile::new(path, reason));
    }

    fn count(&mut self, bytes: u64) -> Result<(), LoadError> {
        self.total += bytes;
        if self.total > self.limits.max_total_bytes {
            return Err(LoadError::TooLarge {
                path: self.origin.clone(),
                what: "all files together".into(),
                limit: self.limits.max_total_bytes,
            });
        }
        if self.files.len() + self.skipped.len() > self.limits.max_entries {
            return Err(LoadError::TooManyEntries { path: self.origin.clone(), limit: self.limits.max_entries });
        }
        Ok(())
    }

    fn walk(&mut self, root: &Path, dir: &Path) -> Result<(), LoadError> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| LoadError::Io { path: dir.to_path_buf(), source: e })?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let rel = rel_path(root, &path);
            let Ok(ft) = entry.file_type() else {
                self.skip(rel, "cannot read its type");
                continue;
            };
            if ft.is_symlink() {
                self.skip(rel, "symbolic link: links are not followed");
            } else if ft.is_dir() {
                if is_housekeeping(&rel) {
                    continue;
                }
                self.walk(root, &path)?;
            } else if ft.is_file() {
                if self.stream(&path, rel.clone()) {
                    continue;
                }
                match fs::File::open(&path).and_then(|f| read_limited(f, self.limits.max_file_bytes)) {
                    Ok(Some(bytes)) => {
                        self.count(bytes.len() as u64)?;
                        self.add(rel, bytes);
                    }
                    Ok(None) => {
                        self.skip(rel, format!("larger than the {} byte file limit", self.limits.max_file_bytes));
                    }
                    Err(e) => self.skip(rel, format!("cannot read: {e}")),
                }
            } else {
                self.skip(rel, "not a regular file (device, socket or pipe)");
            }
        }
        Ok(())
    }

    fn zip(&mut self, file: fs::File) -> Result<(), LoadError> {
        let bad =
            |e: zip::result::ZipError| LoadError::BadArchive { path: self.origin.clone(), message: e.to_string() };
        let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(bad)?;
        if archive.len() > self.limits.max_entries {
            return Err(LoadError::TooManyEntries { path: self.origin.clone(), limit: self.limits.max_entries });
        }
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.skip(format!("entry #{}", i + 1), format!("unreadable zip entry: {e}"));
                    continue;
                }
            };
            let raw_name = entry.name().map_or_else(|_| format!("entry #{}", i + 1), std::borrow::Cow::into_owned);
            if entry.is_dir() {
                continue;
            }
            let Some(rel) = safe_rel(&raw_name) else {
                self.skip(raw_name, "refused: the entry's path escapes the bundle root");
                continue;
            };
            if entry.is_symlink() {
                self.skip(rel, "symbolic link: links are not followed");
                continue;
            }
            if is_housekeeping(&rel) {
                continue;
            }
            match read_limited(&mut entry, self.limits.max_file_bytes) {
                Ok(Some(bytes)) => {
                    self.count(bytes.len() as u64)?;
                    self.add(rel, bytes);
                }
                Ok(None) => {
                    return Err(LoadError::TooLarge {
                        path: self.origin.clone(),
                        what: format!("entry {rel}"),
                        limit: self.limits.max_file_bytes,
                    });
                }
                Err(e) => self.skip(rel, format!("cannot decompress: {e}")),
            }
        }
        Ok(())
    }

    fn tar(&mut self, reader: impl Read) -> Result<(), LoadError> {
        let origin = self.origin.clone();
        let bad = |e: io::Error| LoadError::BadArchive { path: origin.clone(), message: e.to_string() };
        let mut archive = tar::Archive::new(reader);
        for entry in archive.entries().map_err(bad)? {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => return Err(bad(e)),
            };
            let raw_name =
                entry.path().map_or_else(|_| "(unreadable name)".to_string(), |p| p.to_string_lossy().into_owned());
            let kind = entry.header().entry_type();
            if kind.is_dir()
                || kind.is_pax_global_extensions()
                || kind.is_pax_local_extensions()
                || kind.is_gnu_longname()
            {
                continue;
            }
            let Some(rel) = safe_rel(&raw_name) else {
                self.skip(raw_name, "refused: the entry's path escapes the bundle root");
                continue;
            };
            if kind.is_symlink() || kind.is_hard_link() {
                self.skip(rel, "link: links are not followed");
                continue;
            }
            if !kind.is_file() {
                self.skip(rel, "not a regular file (device, socket or pipe)");
                continue;
            }
            if is_housekeeping(&rel) {
                continue;
            }
            match read_limited(&mut entry, self.limits.max_file_bytes) {
                Ok(Some(bytes)) => {
                    self.count(bytes.len() as u64)?;
                    self.add(rel, bytes);
                }
                Ok(None) => {
                    return Err(LoadError::TooLarge {
                        path: self.origin.clone(),
                        what: format!("entry {rel}"),
                        limit: self.limits.max_file_bytes,
                    });
                }
                Err(e) => return Err(bad(e)),
            }
        }
        Ok(())
    }

    fn add(&mut self, rel: String, bytes: Vec<u8>) {
        let lower = rel.to_ascii_lowercase();
        if is_housekeeping(&rel) {
            return;
        }
        if [".zip", ".tar.gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"].iter().any(|x| lower.ends_with(x)) {
            self.skip(rel, "nested archive: unpack it into the bundle to include it");
            return;
        }
        let bytes = if ends_with_any(&lower, &[".gz"]) {
            let mut out = Vec::new();
            match GzDecoder::new(&bytes[..]).take(self.limits.max_file_bytes + 1).read_to_end(&mut out) {
                Ok(_) if out.len() as u64 > self.limits.max_file_bytes => {
                    self.skip(rel, "expands past the file size limit");
                    return;
                }
                Ok(_) => out,
                Err(e) => {
                    self.skip(rel, format!("cannot decompress gzip: {e}"));
                    return;
                }
            }
        } else {
            bytes
        };
        if bytes.is_empty() {
            self.skip(rel, "empty file");
            return;
        }
        if looks_binary(&bytes) {
            self.skip(rel, "binary file (NUL bytes): not an incident artifact debrief can read");
            return;
        }
        self.files.push(decode(rel, bytes));
    }

    fn finish(mut self, name: String) -> Bundle {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let mut config = IncidentConfig::default();
        let mut config_error = None;
        if let Some(f) = self.files.iter_mut().find(|f| f.path == CONFIG_FILE) {
            match IncidentConfig::parse(&f.path, &f.text) {
                Ok(c) => config = c,
                Err(e) => {
                    f.problems.push(Problem::at(e.line, format!("incident.toml not used: {}", e.message)).fatal());
                    config_error = Some(e);
                }
            }
        }
        Bundle { name, files: self.files, skipped: self.skipped, config, config_error, streamed: self.streamed }
    }
}

/// Decodes `bytes` as UTF-8, replacing invalid sequences and saying on which line.
fn decode(path: String, bytes: Vec<u8>) -> SourceFile {
    let size = bytes.len() as u64;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec).unwrap_or(bytes);
    match String::from_utf8(bytes) {
        Ok(text) => {
            let mut f = SourceFile::new(path, text);
            f.size = size;
            f
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let valid = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
            let line = memchr::memchr_iter(b'\n', &bytes[..valid]).count() as u32 + 1;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut f = SourceFile::new(path, text);
            f.size = size;
            f.problems.push(Problem::at(line, "invalid UTF-8 (first at this line); bad bytes replaced with U+FFFD"));
            f
        }
    }
}

/// A reader of the file at `path`, gunzipped when `gz`.
fn open_decoded(path: &Path, gz: bool) -> io::Result<Box<dyn Read + Send>> {
    Ok(decoded(fs::File::open(path)?, gz))
}

/// `file` buffered, and gunzipped when `gz`.
pub(crate) fn decoded<'a>(file: impl Read + Send + 'a, gz: bool) -> Box<dyn Read + Send + 'a> {
    let file = io::BufReader::with_capacity(1 << 16, file);
    if gz { Box::new(MultiGzDecoder::new(file)) } else { Box::new(file) }
}

/// The size a gzip file states for its (last member's) content.
fn gzip_size(path: &Path) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let mut f = fs::File::open(path).ok()?;
    f.seek(SeekFrom::End(-4)).ok()?;
    let mut b = [0u8; 4];
    f.read_exact(&mut b).ok()?;
    Some(u64::from(u32::from_le_bytes(b)))
}

/// Whether a lower-cased name ends with one of `exts`.
fn ends_with_any(lower: &str, exts: &[&str]) -> bool {
    exts.iter().any(|e| lower.ends_with(e))
}

fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// Reads at most `limit` bytes; `None` when there is more.
fn read_limited(reader: impl Read, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    reader.take(limit + 1).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

/// The archive entry's path relative to the root, or `None` when it would escape it.
fn safe_rel(name: &str) -> Option<String> {
    let name = name.replace('\\', "/");
    let mut parts = Vec::new();
    for c in Path::new(&name).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn is_housekeeping(rel: &str) -> bool {
    rel.split('/').any(|p| p == "__MACOSX" || p == ".DS_Store" || p == ".git" || p == "Thumbs.db")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn safe_paths() {
        assert_eq!(safe_rel("a/./b.json").as_deref(), Some("a/b.json"));
        assert_eq!(safe_rel("../evil"), None);
        assert_eq!(safe_rel("a/../../evil"), None);
        assert_eq!(safe_rel("/etc/passwd"), None);
    }

    #[test]
    fn folder_with_binary_bad_utf8_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("logs")).unwrap();
        fs::write(dir.path().join("logs/app.log"), "2024-05-01T10:00:00Z ok\n").unwrap();
        fs::write(dir.path().join("core.bin"), b"\x7fELF\0\0\0").unwrap();
        fs::write(dir.path().join("empty.txt"), b"").unwrap();
        fs::write(dir.path().join("notes.md"), b"10:02 fine\n10:03 bad \xff byte\n").unwrap();
        fs::write(dir.path().join("incident.toml"), "id = \"INC-9\"\n").unwrap();
        let b = load(dir.path()).unwrap();
        let paths: Vec<_> = b.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["incident.toml", "logs/app.log", "notes.md"]);
        assert_eq!(b.config.id.as_deref(), Some("INC-9"));
        let skipped: Vec<_> =
            b.skipped.iter().map(|s| (s.path.as_str(), s.reason.split(' ').next().unwrap())).collect();
        assert_eq!(skipped, [("core.bin", "binary"), ("empty.txt", "empty")]);
        let notes = &b.files[2];
        assert_eq!(notes.problems[0].line, Some(2));
        assert!(notes.text.contains('\u{FFFD}'));
    }

    #[test]
    fn large_logs_are_left_to_stream_and_other_large_files_are_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let log: Vec<String> =
            (0..400).map(|i| format!("2024-05-01T10:{:02}:{:02}Z INFO tick {i}\n", i / 60, i % 60)).collect();
        let log = log.concat();
        fs::write(dir.path().join("app.log"), &log).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(log.as_bytes()).unwrap();
        fs::write(dir.path().join("old.log.gz"), gz.finish().unwrap()).unwrap();
        let notes = "- a note with nothing to see\n".repeat(400);
        fs::write(dir.path().join("notes.md"), &notes).unwrap();
        fs::write(dir.path().join("small.log"), "2024-05-01T10:00:00Z INFO hi\n").unwrap();
        let limits = LoadLimits { stream_logs_above: 1000, ..LoadLimits::default() };
        let b = load_with(dir.path(), limits).unwrap();
        assert_eq!(b.streamed.keys().collect::<Vec<_>>(), ["app.log", "old.log.gz"]);
        let app = b.files.iter().find(|f| f.path == "app.log").unwrap();
        assert_eq!(app.size, log.len() as u64);
        assert!(app.text.starts_with("2024-05-01T10:00:00Z INFO tick 0\n"));
        let gz = b.files.iter().find(|f| f.path == "old.log.gz").unwrap();
        assert_eq!(gz.size, log.len() as u64, "the size gzip states");
        assert_eq!(b.files.iter().find(|f| f.path == "notes.md").unwrap().text, notes, "not a log: loaded whole");
        assert_eq!(load(dir.path()).unwrap().streamed.len(), 0, "by default every file is loaded");
    }

    #[test]
    fn zip_refuses_escaping_entries_and_reads_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.zip");
        let mut w = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("../evil.txt", opts).unwrap();
        w.write_all(b"x").unwrap();
        w.start_file("slack/general/2024-05-01.json", opts).unwrap();
        w.write_all(b"[]").unwrap();
        w.finish().unwrap();
        let b = load(&path).unwrap();
        assert_eq!(b.files.len(), 1);
        assert_eq!(b.files[0].path, "slack/general/2024-05-01.json");
        assert_eq!(b.skipped[0].path, "../evil.txt");
        assert!(b.skipped[0].reason.contains("escapes"));
    }

    #[test]
    fn tar_gz_refuses_links_and_bombs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.tar.gz");
        {
            let gz = flate2::write::GzEncoder::new(fs::File::create(&path).unwrap(), flate2::Compression::fast());
            let mut t = tar::Builder::new(gz);
            let mut h = tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, "notes.md", &b"hi\n"[..]).unwrap();
            let mut l = tar::Header::new_gnu();
            l.set_entry_type(tar::EntryType::Symlink);
            l.set_size(0);
            t.append_link(&mut l, "passwd", "/etc/passwd").unwrap();
            let big = vec![b'a'; 5000];
            let mut h = tar::Header::new_gnu();
            h.set_size(big.len() as u64);
            h.set_cksum();
            t.append_data(&mut h, "big.log", &big[..]).unwrap();
            t.into_inner().unwrap().finish().unwrap();
        }
        let limits =
            LoadLimits { max_total_bytes: 4096, max_file_bytes: 10_000, max_entries: 10, ..LoadLimits::default() };
        let err = load_with(&path, limits).unwrap_err();
        assert!(matches!(err, LoadError::TooLarge { .. }), "{err}");
        let b = load(&path).unwrap();
        assert_eq!(b.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["big.log", "notes.md"]);
        assert!(b.skipped.iter().any(|s| s.path == "passwd" && s.reason.contains("link")));
    }
}
