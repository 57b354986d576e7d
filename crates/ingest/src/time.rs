//! Time parsing shared by the adapters: instants with an offset, epoch numbers, naive
//! local times read in a zone (with daylight-saving gaps and folds reported), zone names.

use debrief_model::ZoneBasis;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, fmt::rfc2822};

/// An instant written with its offset: RFC 3339 / ISO 8601 (`T` or space, `Z`, `+01:00`,
/// `+0100`, `+01`), or RFC 2822 (`Tue, 8 Oct 2024 10:07:41 -0500`).
pub fn parse_instant(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.len() < 10 {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if s.as_bytes()[0].is_ascii_digit() {
        // `2024-10-08 15:31:05 +0000`, `2024-10-08T15:31:05.123+0100`, `… UTC`
        return normalize_iso(s).parse::<Timestamp>().ok();
    }
    rfc2822::parse(s).ok().map(|z| z.timestamp())
}

fn normalize_iso(s: &str) -> String {
    let mut t = s.replacen(' ', "T", 1);
    for utc in ["TUTC", "TGMT", " UTC", " GMT", "UTC", "GMT"] {
        if let Some(stripped) = t.strip_suffix(utc) {
            t = format!("{}Z", stripped.trim_end());
            break;
        }
    }
    // A space before the offset: `2024-10-08T15:31:05 +0000`.
    if let Some(pos) = t.rfind([' ', 'T']) {
        let (head, tail) = t.split_at(pos);
        if tail.len() > 1 && matches!(tail.as_bytes()[1], b'+' | b'-') && tail.starts_with(' ') {
            t = format!("{head}{}", &tail[1..]);
        }
    }
    t
}

/// An epoch number: seconds, milliseconds, microseconds or nanoseconds, told apart by
/// magnitude (instants between 1973 and 2286); a fraction is allowed (`1728399151.919650`).
pub fn parse_epoch(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = int.parse().ok()?;
    let nanos_per_unit: i128 = match int.len() {
        9..=11 => 1_000_000_000,
        12..=14 => 1_000_000,
        15..=17 => 1_000,
        18..=20 => 1,
        _ => return None,
    };
    let mut nanos = n * nanos_per_unit;
    if !frac.is_empty() && nanos_per_unit > 1 {
        let digits = frac.len().min(9);
        let f: i128 = frac[..digits].parse().ok()?;
        let scale = 10i128.pow(digits as u32);
        nanos += f * nanos_per_unit / scale;
    }
    Timestamp::from_nanosecond(nanos).ok()
}

/// A date and time without an offset: `2024-10-05 10:45:00`, `2024-10-05T10:45`,
/// `2024/10/05 10:45:00.123`.
pub fn parse_naive(s: &str) -> Option<DateTime> {
    let s = s.trim().replacen(' ', "T", 1).replace('/', "-");
    s.parse::<DateTime>().ok()
}

/// A date and time as people-facing tools display them, day first with the month's name:
/// Jira's `08/Oct/24 2:43 PM`, `8/Oct/2024 14:43`, `08-Oct-2024 14:43:05`. Two-digit years
/// are read as 20xx.
pub fn parse_day_month_year(s: &str) -> Option<DateTime> {
    let s = s.trim();
    let (date, clock) = s.split_once(' ')?;
    let mut parts = date.split(['/', '-']);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || day.is_empty() || day.len() > 2 {
        return None;
    }
    let day: i8 = day.parse().ok()?;
    let month = month_number(month)?;
    let year: i16 = match year.len() {
        2 => 2000 + year.parse::<i16>().ok()?,
        4 => year.parse().ok()?,
        _ => return None,
    };
    let time = parse_clock(clock)?;
    Some(Date::new(year, month, day).ok()?.to_datetime(time))
}

/// `Jan`…`Dec` or the full name, any case.
pub fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let lower = name.trim().to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| lower.starts_with(m))?;
    Some(i as i8 + 1)
}

/// A clock time: `14:43`, `14:43:05`, `2:43 PM`, `2:43pm`, `12:05 AM`.
pub fn parse_clock(s: &str) -> Option<Time> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let (digits, pm) = if let Some(d) = lower.strip_suffix("pm") {
        (d.trim_end(), Some(true))
    } else if let Some(d) = lower.strip_suffix("am") {
        (d.trim_end(), Some(false))
    } else {
        (lower.as_str(), None)
    };
    let mut it = digits.split(':');
    let h: i8 = it.next()?.parse().ok()?;
    let m_str = it.next()?;
    let sec_str = it.next();
    if it.next().is_some() || m_str.len() != 2 {
        return None;
    }
    let m: i8 = m_str.parse().ok()?;
    let (sec, nanos) = match sec_str {
        Some(x) => {
            let (whole, frac) = x.split_once(['.', ',']).unwrap_or((x, ""));
            if whole.len() != 2 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<i32>().ok()? };
            (whole.parse::<i8>().ok()?, nanos)
        }
        None => (0, 0),
    };
    let h = match pm {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            match (h, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            }
        }
        None => h,
    };
    Time::new(h, m, sec, nanos).ok()
}

/// How a naive local time fell in its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Localized {
    /// One instant.
    Unique(Timestamp),
    /// A daylight-saving fold: the time happened twice; the earlier instant is given.
    Fold(Timestamp),
    /// A daylight-saving gap: the time never happened; the instant after the gap is given.
    Gap(Timestamp),
}

impl Localized {
    pub fn timestamp(self) -> Timestamp {
        match self {
            Self::Unique(t) | Self::Fold(t) | Self::Gap(t) => t,
        }
    }

    /// A note for the record's problems when the time is not unique.
    pub fn problem(self, zone: &str) -> Option<String> {
        match self {
            Self::Unique(_) => None,
            Self::Fold(_) => Some(format!(
                "time falls in a daylight-saving fold in {zone}: it happened twice; the earlier instant is used"
            )),
            Self::Gap(_) => Some(format!(
                "time falls in a daylight-saving gap in {zone}: it never happened there; the instant after the gap is used"
            )),
        }
    }
}

/// The zone naive times are read in: `incident.toml`'s (`zone`, as a [`Context`] gives it),
/// else UTC, assumed — its name, the zone and the basis a time read in it carries.
///
/// [`Context`]: crate::Context
pub fn zone_or_utc(zone: Option<(&str, &TimeZone)>) -> (String, TimeZone, ZoneBasis) {
    match zone {
        Some((name, tz)) => (name.to_string(), tz.clone(), ZoneBasis::IncidentToml(name.to_string())),
        None => ("UTC".to_string(), TimeZone::UTC, ZoneBasis::Assumed("UTC".to_string())),
    }
}

/// `dt` read in `tz`.
pub fn localize(dt: DateTime, tz: &TimeZone) -> Option<Localized> {
    let amb = tz.to_ambiguous_timestamp(dt);
    let kind = amb.offset();
    let t = amb.compatible().ok()?;
    Some(match kind {
        AmbiguousOffset::Unambiguous { .. } => Localized::Unique(t),
        AmbiguousOffset::Fold { .. } => Localized::Fold(t),
        AmbiguousOffset::Gap { .. } => Localized::Gap(t),
    })
}

/// The IANA zone for a zone as people write it: `PT`, `PST`, `Pacific`, `CET`, `BST`,
/// `UTC`, or an IANA name. `None` when it is not a zone we know.
pub fn zone_named(name: &str) -> Option<(String, TimeZone)> {
    let upper = name.trim().to_ascii_uppercase();
    let iana = match upper.as_str() {
        "UTC" | "GMT" | "Z" | "ZULU" => "UTC",
        "PT" | "PST" | "PDT" | "PACIFIC" | "US/PACIFIC" => "America/Los_Angeles",
        "MT" | "MST" | "MDT" | "MOUNTAIN" => "America/Denver",
        "CT" | "CST" | "CDT" | "CENTRAL" => "America/Chicago",
        "ET" | "EST" | "EDT" | "EASTERN" => "America/New_York",
        "BST" | "UK" | "LONDON" => "Europe/London",
        "CET" | "CEST" => "Europe/Berlin",
        "EET" | "EEST" => "Europe/Helsinki",
        "IST" => "Asia/Kolkata",
        "JST" => "Asia/Tokyo",
        "AEST" | "AEDT" => "Australia/Sydney",
        _ => name.trim(),
    };
    TimeZone::get(iana).ok().map(|tz| (iana.to_string(), tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_with_offsets() {
        let z = parse_instant("2024-10-08T15:31:05Z").unwrap();
        assert_eq!(parse_instant("2024-10-08 15:31:05Z"), Some(z));
        assert_eq!(parse_instant("2024-10-08T16:31:05+01:00"), Some(z));
        assert_eq!(parse_instant("2024-10-08T16:31:05+0100"), Some(z));
        assert_eq!(parse_instant("2024-10-08 15:31:05 +0000"), Some(z));
        assert_eq!(parse_instant("2024-10-08 15:31:05 UTC"), Some(z));
        assert_eq!(parse_instant("Tue, 8 Oct 2024 10:31:05 -0500"), Some(z));
        assert_eq!(parse_instant("2024-10-08 15:31:05"), None, "naive is not an instant");
    }

    #[test]
    fn epochs_by_magnitude() {
        let s = parse_epoch("1728399151").unwrap();
        assert_eq!(s.to_string(), "2024-10-08T14:52:31Z");
        assert_eq!(parse_epoch("1728399151000"), Some(s));
        assert_eq!(parse_epoch("1728399151000000000"), Some(s));
        assert_eq!(parse_epoch("1728399151.5").unwrap().to_string(), "2024-10-08T14:52:31.5Z");
        assert_eq!(parse_epoch("12ab"), None);
        assert_eq!(parse_epoch("42"), None);
    }

    #[test]
    fn naive_times_in_zones_report_gaps_and_folds() {
        let (_, chicago) = zone_named("CT").unwrap();
        let t = localize(parse_naive("2024-10-08 09:49:00").unwrap(), &chicago).unwrap();
        assert_eq!(t, Localized::Unique("2024-10-08T14:49:00Z".parse().unwrap()));
        let gap = localize(parse_naive("2024-03-10 02:30").unwrap(), &chicago).unwrap();
        assert!(matches!(gap, Localized::Gap(_)));
        let fold = localize(parse_naive("2024-11-03 01:30").unwrap(), &chicago).unwrap();
        assert!(matches!(fold, Localized::Fold(_)));
        assert!(fold.problem("America/Chicago").unwrap().contains("fold"));
    }

    #[test]
    fn day_month_year_and_clock_times() {
        let dt = |s: &str| s.parse::<DateTime>().ok();
        assert_eq!(parse_day_month_year("08/Oct/24 2:43 PM"), dt("2024-10-08T14:43"));
        assert_eq!(parse_day_month_year("8/oct/2024 14:43:05"), dt("2024-10-08T14:43:05"));
        assert_eq!(parse_day_month_year("01-Jan-2025 12:05 AM"), dt("2025-01-01T00:05"));
        assert_eq!(parse_day_month_year("31/Feb/24 1:00 PM"), None, "no such day");
        assert_eq!(parse_day_month_year("08/Okt/24 2:43 PM"), None);
        assert_eq!(parse_day_month_year("2024-10-08 14:43"), None, "ISO is parse_naive's");
        assert_eq!(parse_clock("12:00 PM"), Time::new(12, 0, 0, 0).ok());
        assert_eq!(parse_clock("13:00 PM"), None);
        assert_eq!(parse_clock("9:5"), None);
        assert_eq!(parse_clock("23:59:59.5"), Time::new(23, 59, 59, 500_000_000).ok());
    }

    use jiff::tz::Offset;
    use proptest::prelude::*;

    /// Instants between 1973 and 2286, where epoch magnitudes tell their unit apart.
    fn instant() -> impl Strategy<Value = Timestamp> {
        (100_000_000_i64..9_999_999_999, 0_i32..1_000_000_000)
            .prop_filter_map("in range", |(s, ns)| Timestamp::new(s, ns).ok())
    }

    proptest! {
        #[test]
        fn rfc3339_with_any_offset_round_trips(t in instant(), minutes in -14 * 60_i32..=14 * 60) {
            let offset = Offset::from_seconds(minutes * 60).unwrap_or(Offset::UTC);
            let written = t.display_with_offset(offset).to_string();
            prop_assert_eq!(parse_instant(&written), Some(t), "{}", written);
            // The space-separated form and a `+hhmm` offset read the same.
            let spaced = written.replacen('T', " ", 1);
            prop_assert_eq!(parse_instant(&spaced), Some(t), "{}", spaced);
        }

        #[test]
        fn epochs_in_every_unit_round_trip(t in instant()) {
            let s = t.as_second();
            let whole = Timestamp::from_second(s).unwrap_or(t);
            prop_assert_eq!(parse_epoch(&s.to_string()), Some(whole));
            let ms = t.as_millisecond();
            prop_assert_eq!(parse_epoch(&ms.to_string()), Timestamp::from_millisecond(ms).ok());
            let us = t.as_microsecond();
            prop_assert_eq!(parse_epoch(&us.to_string()), Timestamp::from_microsecond(us).ok());
            prop_assert_eq!(parse_epoch(&t.as_nanosecond().to_string()), Some(t));
            // Seconds with a nine-digit fraction are exact.
            let frac = format!("{s}.{:09}", t.subsec_nanosecond());
            prop_assert_eq!(parse_epoch(&frac), Some(t), "{}", frac);
        }

        #[test]
        fn rfc2822_round_trips(t in instant(), minutes in -12 * 60_i32..=14 * 60) {
            let whole = Timestamp::from_second(t.as_second()).unwrap_or(t);
            let offset = Offset::from_seconds(minutes * 60).unwrap_or(Offset::UTC);
            let zoned = whole.to_zoned_datetime(jiff::tz::TimeZone::fixed(offset));
            let written = rfc2822::to_string(&zoned).unwrap_or_default();
            prop_assert_eq!(parse_instant(&written), Some(whole), "{}", written);
        }

        #[test]
        fn jira_display_times_round_trip(days in 0_i32..36_000, minute in 0_i32..1440) {
            let date = Date::new(2000, 1, 1).unwrap_or_default().checked_add(jiff::Span::new().days(days)).ok();
            let Some(date) = date.filter(|d| d.year() < 2100) else { return Ok(()) };
            let dt = date.to_datetime(Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).unwrap_or_default());
            let written = dt.strftime("%d/%b/%y %-I:%M %p").to_string();
            prop_assert_eq!(parse_day_month_year(&written), Some(dt), "{}", written);
            let long = dt.strftime("%-d-%B-%Y %H:%M").to_string();
            prop_assert_eq!(parse_day_month_year(&long), Some(dt), "{}", long);
        }

        #[test]
        fn time_parsers_never_panic(s in "\\PC{0,40}") {
            let _ = (parse_instant(&s), parse_epoch(&s), parse_naive(&s), parse_day_month_year(&s), parse_clock(&s));
        }
    }
}
