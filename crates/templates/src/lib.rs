//! Log template mining for debrief: fold repetitive log lines into templates, online, and find
//! when each template began, peaked and jumped.
//!
//! - [`Miner`] takes lines one at a time ([`Miner::add`]) and returns each line's
//!   [`TemplateId`]. It is a Drain-family miner with three additions:
//!   1. each line's header is peeled off ([`split_header`]) and its tokens are masked
//!      ([`mask`]: numbers, hex ids, UUIDs, IPs, `host:port`, paths, durations, hashes,
//!      `key=value` values, date words);
//!   2. a fixed-depth prefix tree over the token count and first token picks the candidate
//!      clusters; the most similar one at or above [`Config::similarity`] (positions where both
//!      hold a masked value count as equal) takes the line, and positions where they differ
//!      become *spots*;
//!   3. a spot that has seen only a few words ([`Config::max_variants`]: `startup`/`shutdown`,
//!      `HTTPS`/`SOCKS5`) keeps them apart, one template per value; more values, or a masked
//!      one, and it becomes `<*>` for all. Templates whose lines have the same words but values
//!      of different lengths (`3 bytes sent`, `3 bytes (3.1 KB) sent`) are merged
//!      ([`Config::merge_variable_length`]).
//!
//!   Templates merge as evidence comes in, so an id returned early may later stand for a
//!   bigger template: [`Miner::resolve`] gives the id that stands for it now. In front of all
//!   this, two caches answer most lines: one keyed by the line's *shape* (digits folded: lines
//!   that differ only in their numbers mask alike), one by the masked line.
//! - [`mine_files`] and [`mine_all`] mine several inputs in parallel, one miner each;
//!   [`mine_reader`] streams one.
//! - [`find_bursts`] takes each line's time, template and level and returns [`Burst`]s: rate
//!   jumps over a template's own baseline, new templates, and jumps in the error share, each
//!   with its first and last line to cite. [`histogram`] gives the counts per bucket.
//! - [`matches()`] checks that a template covers a line (`<*>` is any text).
//!
//! ```
//! use debrief_templates::{Config, Miner, matches};
//!
//! let mut miner = Miner::new(Config::default());
//! let lines = [
//!     "2024-05-01T10:02:13Z ERROR proxy: upstream timed out (110: Connection timed out), client: 10.1.2.3",
//!     "2024-05-01T10:02:14Z INFO api: GET /orders/17 200 12ms",
//!     "2024-05-01T10:02:15Z ERROR proxy: upstream timed out (110: Connection timed out), client: 10.1.9.4",
//! ];
//! let ids: Vec<_> = lines.iter().map(|l| miner.add(l)).collect();
//! assert_eq!(miner.resolve(ids[0]), miner.resolve(ids[2]));
//! let t = miner.get(ids[0]);
//! assert_eq!(t.text, "upstream timed out (<*>: Connection timed out), client: <*>");
//! assert_eq!((t.count, t.first_line, t.last_line), (2, 1, 3));
//! assert!(matches(t.text, "upstream timed out (110: Connection timed out), client: 10.1.2.3"));
//! ```

mod hash;
mod header;
pub mod mask;
mod matching;
mod miner;
mod onset;
mod parallel;
mod shape;
mod tokens;

pub use header::{Header, Level, split_header};
pub use matching::matches;
pub use miner::{Config, Miner, Template, TemplateId};
pub use onset::{Burst, Histogram, Occurrence, OnsetConfig, OnsetKind, Tally, find_bursts, histogram};
pub use parallel::{Mined, lines, mine_all, mine_files, mine_reader, mine_text};
pub use shape::Shape;
