//! Mining whole inputs: a text, a reader, or several files in parallel (one miner per input).

use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use crate::miner::{Config, Miner, TemplateId};

/// One input mined: its miner (templates and counts) and, when asked for, each line's
/// template, resolved.
#[derive(Debug, Clone)]
pub struct Mined {
    pub miner: Miner,
    /// The template of line `i + 1`, as it stands after the last line (empty when not asked
    /// for: templates and counts alone take memory that does not grow with the input).
    pub ids: Vec<TemplateId>,
}

impl Mined {
    fn finish(miner: Miner, mut ids: Vec<TemplateId>) -> Self {
        for id in &mut ids {
            *id = miner.resolve(*id);
        }
        Self { miner, ids }
    }
}

/// Mines one text, line by line (`\n` or `\r\n`).
pub fn mine_text(text: &str, config: &Config) -> Mined {
    let mut miner = Miner::new(config.clone());
    let mut ids = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    for line in lines(text) {
        ids.push(miner.add(line));
    }
    Mined::finish(miner, ids)
}

/// Mines what `reader` yields (keeping each line's template with `keep_ids`), line by line (`\n` or `\r\n`), reading 1 MiB at a time: memory
/// holds one chunk (or one line, when a line is longer), not the input. Bytes that are not
/// UTF-8 are read as U+FFFD.
pub fn mine_reader<R: Read>(mut reader: R, config: &Config, keep_ids: bool) -> io::Result<Mined> {
    let mut miner = Miner::new(config.clone());
    let mut ids = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if filled > 0 {
                let id = add_bytes(&mut miner, &buf[..filled]);
                if keep_ids {
                    ids.push(id);
                }
            }
            break;
        }
        let scan_from = filled;
        filled += n;
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &buf[scan_from..filled]) {
            let end = scan_from + end;
            let id = add_bytes(&mut miner, &buf[start..end]);
            if keep_ids {
                ids.push(id);
            }
            start = end + 1;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
    Ok(Mined::finish(miner, ids))
}

fn add_bytes(miner: &mut Miner, line: &[u8]) -> TemplateId {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(s) => miner.add(s),
        Err(_) => miner.add(&String::from_utf8_lossy(line)),
    }
}

/// Mines each file with its own miner, in parallel across files (keeping each line's template
/// with `keep_ids`).
pub fn mine_files<P: AsRef<Path> + Sync>(paths: &[P], config: &Config, keep_ids: bool) -> Vec<io::Result<Mined>> {
    paths
        .par_iter()
        .map(|p| {
            let file = std::fs::File::open(p.as_ref())?;
            mine_reader(file, config, keep_ids)
        })
        .collect()
}

/// Mines each text with its own miner, in parallel across texts.
pub fn mine_all<S: AsRef<str> + Sync>(inputs: &[S], config: &Config) -> Vec<Mined> {
    inputs.par_iter().map(|text| mine_text(text.as_ref(), config)).collect()
}

/// The lines of `text`, without their `\n` or `\r\n`; no empty last line after a final newline.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_and_text_agree() {
        let text = "a 1\r\nb x\na 2\n\nb y\nbad \u{fffd} 3";
        let from_text = mine_text(text, &Config::default());
        let mut bytes = text.as_bytes().to_vec();
        bytes.extend_from_slice(b"\n");
        let from_reader = mine_reader(&bytes[..], &Config::default(), true).unwrap();
        assert_eq!(from_text.ids.len(), 6);
        assert_eq!(from_text.ids, from_reader.ids);
        assert_eq!(from_text.ids[0], from_text.ids[2]);
        let invalid = mine_reader(&b"ok \xff\xfe 1\n"[..], &Config::default(), true).unwrap();
        assert_eq!(invalid.ids.len(), 1);
    }
}
