//! Calendar dates: the one check of a `YYYY-MM-DD` date, and the day of a moment — in
//! Europe/Copenhagen, where the meetings are held. The arithmetic and the time zone rules are
//! jiff's (its time zone database is bundled into the binary). No clock — so the core uses it too.

use std::fmt;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil;
use jiff::tz::TimeZone;

/// Milliseconds in a day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// The time zone of the meetings: their days, and the local times of their invitations.
pub const ZONE: &str = "Europe/Copenhagen";

/// [`ZONE`], from the bundled time zone database.
pub fn zone() -> &'static TimeZone {
    static ZONE_RULES: LazyLock<TimeZone> = LazyLock::new(|| {
        TimeZone::get(ZONE).expect("the bundled time zone database has Europe/Copenhagen")
    });
    &ZONE_RULES
}

/// Years a date typed by a person may have.
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// A day of the calendar that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// Year.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31, and no later than the month's last day.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (four, two and two digits) of a real day in the years 2000–2100.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape {
            return None;
        }
        let date: civil::Date = text.parse().ok()?;
        YEARS.contains(&date.year()).then(|| date.into())
    }

    /// The UTC date of a Unix time in milliseconds.
    pub fn from_ms(ms: i64) -> Self {
        Self::of(ms, &TimeZone::UTC)
    }

    /// The date in Europe/Copenhagen ([`ZONE`]) of a Unix time in milliseconds: the day a
    /// meeting held then was held.
    pub fn local_from_ms(ms: i64) -> Self {
        Self::of(ms, zone())
    }

    /// When this day begins in Europe/Copenhagen ([`ZONE`]), ms since the epoch.
    pub fn start_ms(self) -> i64 {
        civil::Date::new(self.year as i16, self.month as i8, self.day as i8)
            .ok()
            .and_then(|date| date.to_zoned_datetime(zone().clone()).ok())
            .map_or(0, |zoned| zoned.timestamp().as_millisecond())
    }

    fn of(ms: i64, zone: &TimeZone) -> Self {
        // Outside jiff's range (about ±9999 years) only for a corrupt time: its nearest end.
        let moment = Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        zone.to_datetime(moment).date().into()
    }
}

impl From<civil::Date> for Date {
    fn from(date: civil::Date) -> Self {
        Date {
            year: i64::from(date.year()),
            month: date.month() as u32,
            day: date.day() as u32,
        }
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `YYYY-MM-DD` of a Unix time in milliseconds: the day in Europe/Copenhagen ([`ZONE`]).
pub fn iso_date(ms: i64) -> String {
    Date::local_from_ms(ms).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_civil_utc_dates() {
        assert_eq!(Date::from_ms(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_ms(951_782_400_000).to_string(), "2000-02-29");
        assert_eq!(Date::from_ms(1_795_305_600_000).to_string(), "2026-11-22");
        assert_eq!(Date::from_ms(1_795_391_999_999).to_string(), "2026-11-22");
        assert_eq!(Date::from_ms(-1).to_string(), "1969-12-31");
        assert_eq!(
            Date::from_ms(i64::MAX).year,
            9999,
            "no panic: the end of the range"
        );
        assert_eq!(Date::from_ms(i64::MIN).year, -9999);
    }

    /// The day of a moment is the day in Copenhagen: 00:30 Danish time is already that day
    /// (23:30 UTC the day before), in winter (UTC+1) and in summer (UTC+2).
    #[test]
    fn the_day_of_a_moment_is_the_day_in_copenhagen() {
        // 2027-01-11T23:30:00Z = 2027-01-12 00:30 CET.
        let winter = 1_799_710_200_000;
        assert_eq!(Date::from_ms(winter).to_string(), "2027-01-11");
        assert_eq!(iso_date(winter), "2027-01-12");
        // 2027-06-14T22:30:00Z = 2027-06-15 00:30 CEST; an hour earlier is still the 14th there.
        let summer = 1_813_012_200_000;
        assert_eq!(Date::from_ms(summer).to_string(), "2027-06-14");
        assert_eq!(iso_date(summer), "2027-06-15");
        assert_eq!(iso_date(summer - 3_600_000), "2027-06-14");
        // 2026-11-22T00:00:00Z is 01:00 in Copenhagen: the same day in both.
        assert_eq!(iso_date(1_795_305_600_000), "2026-11-22");
        // 2026-11-22T23:59:59.999Z is already the 23rd in Copenhagen.
        assert_eq!(iso_date(1_795_391_999_999), "2026-11-23");
    }

    #[test]
    fn a_day_starts_at_midnight_in_copenhagen() {
        let day = Date::parse("2027-01-12").unwrap();
        assert_eq!(iso_date(day.start_ms()), "2027-01-12");
        assert_eq!(iso_date(day.start_ms() - 1), "2027-01-11");
        let summer = Date::parse("2027-06-15").unwrap().start_ms();
        assert_eq!(
            summer, 1_813_010_400_000,
            "22:00 UTC the day before, in summer time"
        );
    }

    #[test]
    fn only_real_days_in_the_written_form_parse() {
        assert_eq!(
            Date::parse("2027-02-01"),
            Some(Date {
                year: 2027,
                month: 2,
                day: 1
            })
        );
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2000-02-29").is_some(), "divisible by 400");
        assert!(Date::parse("2100-02-29").is_none(), "divisible by 100");
        for bad in [
            "2027-02-29",
            "2027-04-31",
            "2027-13-01",
            "2027-00-10",
            "2027-01-00",
            "1999-12-31",
            "2101-01-01",
            "2027-1-05",
            "2027-+1-05",
            "+027-01-05",
            "2027-01-05-01",
            "2027-01",
            "",
            "i morgen",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad:?}");
        }
    }
}
