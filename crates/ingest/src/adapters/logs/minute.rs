//! The times of one minute, read by their seconds alone.
//!
//! A busy log writes thousands of lines a minute, and each line's time differs from the one
//! before only in its seconds and fraction: `2025-03-12T09:00:07.014Z`. Reading each in full
//! (date, clock, offset, the calendar sums to an instant) was about a tenth of reading a JSON
//! line. So the instant of the minute's start is kept with the text around the seconds, and a
//! time with the same text around them is that instant plus its seconds.

use jiff::{SignedDuration, Timestamp};

use super::{Stamp, iso, num, time_text};

/// `YYYY-MM-DDTHH:MM` (any separators), the part of a time before `:SS`.
const HEAD: usize = 16;
/// The longest text after the seconds and fraction kept (`+01:00`, `Z`, ` UTC`).
const TAIL: usize = 8;

/// The last minute read: the text before and after its seconds, and its start.
#[derive(Debug, Default)]
pub(super) struct Minute {
    /// The text before the seconds, as one number (compared in one step).
    head: u128,
    /// The text after the seconds and fraction, as one number, and its length.
    tail: (u64, usize),
    start: Option<Timestamp>,
}

/// `b` (at most 8 bytes) as one number.
fn packed(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// The first [`HEAD`] bytes of `b` as one number.
fn head(b: &[u8]) -> Option<u128> {
    Some(u128::from_le_bytes(b.get(..HEAD)?.try_into().ok()?))
}

impl Minute {
    /// The time `s` reads as: what `time_text` reads, through the minute when `s` is in it.
    pub(super) fn read(&mut self, s: &str) -> Option<Stamp> {
        if let Some(t) = self.in_minute(s) {
            return Some(Stamp::Instant(t));
        }
        self.start = None;
        // What `time_text` does first; when the ISO reader takes all of `s`, bytes 17..19 are
        // its seconds and the minute can be kept.
        let stamp = match iso(s.as_bytes(), 0) {
            Some((stamp, len)) if len == s.len() => stamp,
            _ => return time_text(s),
        };
        if let Stamp::Instant(t) = stamp
            && let Some((seconds, end)) = seconds(s.as_bytes())
            && s.len() - end <= TAIL
            && let Ok(start) = t.checked_sub(SignedDuration::new(seconds.0, seconds.1))
            && start.subsec_nanosecond() == 0
            && let Some(head) = head(s.as_bytes())
        {
            self.head = head;
            self.tail = (packed(&s.as_bytes()[end..]), s.len() - end);
            self.start = Some(start);
        }
        Some(stamp)
    }

    /// The instant of `s` when it is the kept minute with other seconds.
    fn in_minute(&self, s: &str) -> Option<Timestamp> {
        let start = self.start?;
        let b = s.as_bytes();
        if head(b)? != self.head {
            return None;
        }
        let (seconds, end) = seconds(b)?;
        if b.len() - end != self.tail.1 || packed(&b[end..]) != self.tail.0 {
            return None;
        }
        // A minute starts on a whole second (offsets are whole seconds).
        let (s, nanos) = seconds;
        Timestamp::new(start.as_second().checked_add(s)?, nanos).ok()
    }
}

/// The seconds and fraction of a time laid out as `…HH:MM:SS[.fraction]`, as the clock reader
/// takes them (a leap second as :59, digits past the ninth ignored), and where they end.
/// `None` for any other layout, such as a `,fraction`, or a `.` with no digits.
fn seconds(b: &[u8]) -> Option<((i64, i32), usize)> {
    if b.get(HEAD) != Some(&b':') {
        return None;
    }
    let s = num(b, HEAD + 1, 2)?.min(59);
    let mut end = HEAD + 3;
    let mut nanos = 0;
    match b.get(end) {
        Some(b'.') => {
            end += 1;
            let digits = b[end..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let mut scale = 100_000_000;
            for &c in &b[end..end + digits] {
                nanos += i32::from(c - b'0') * scale;
                scale /= 10;
            }
            end += digits;
        }
        Some(b',' | b'0'..=b'9') => return None,
        _ => {}
    }
    Some(((i64::from(s), nanos), end))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn alone(s: &str) -> Option<Timestamp> {
        match time_text(s)? {
            Stamp::Instant(t) => Some(t),
            _ => None,
        }
    }

    fn through(m: &mut Minute, s: &str) -> Option<Timestamp> {
        match m.read(s)? {
            Stamp::Instant(t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn a_minute_is_read_by_its_seconds() {
        let mut m = Minute::default();
        let times = [
            "2025-03-12T09:00:00.000Z", "2025-03-12T09:00:07.014Z", "2025-03-12T09:00:59.999999999Z",
            "2025-03-12T09:00:60Z", "2025-03-12T09:00:08.5123456789Z", "2025-03-12T09:00:08.Z",
            "2025-03-12T09:00:08,123Z", "2025-03-12T09:01:00.001+01:00", "2025-03-12T09:01:02.001+01:00",
            "2025-03-12T09:01:02.001-01:00", "2025-03-12 09:01:02 UTC", "2025-03-12 09:01:03 UTC",
            "2025-03-12 09:01:03", "2025-03-12T09:01:03.5Z ", " 2025-03-12T09:01:03.5Z",
        ];
        for s in times {
            let want = time_text(s).map(|t| format!("{t:?}"));
            assert_eq!(m.read(s).map(|t| format!("{t:?}")), want, "{s}");
        }
        // The kept minute is used.
        m.read("2025-03-12T09:00:00.000Z");
        assert!(m.in_minute("2025-03-12T09:00:31.250Z").is_some());
        assert!(m.in_minute("2025-03-12T09:01:31.250Z").is_none());
    }

    proptest! {
        #[test]
        fn read_through_the_minute_or_alone_alike(
            times in proptest::collection::vec(
                (0..3u8, 0..2u8, 0..62u8, "(\\.[0-9]{0,10})?", "(Z|\\+01:00|-05:30| UTC|)"),
                1..20,
            ),
        ) {
            let mut m = Minute::default();
            for (minute, hour, second, fraction, tail) in times {
                let s = format!("2025-03-12T1{hour}:0{minute}:{second:02}{fraction}{tail}");
                prop_assert_eq!(through(&mut m, &s), alone(&s), "{}", s);
            }
        }
    }
}
