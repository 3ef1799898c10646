//! Calendar dates: the one check of a `YYYY-MM-DD` date and the conversion between dates and
//! days since the Unix epoch (Howard Hinnant's civil-date algorithms, proleptic Gregorian).
//! Pure arithmetic — no clock — so the core uses it too.

use std::fmt;

/// Milliseconds in a day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Years a date typed by a person may have.
const YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

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
        let digits = |part: &str, len: usize| {
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let mut parts = text.split('-');
        let (year, month, day) = (
            digits(parts.next()?, 4)?,
            digits(parts.next()?, 2)?,
            digits(parts.next()?, 2)?,
        );
        if parts.next().is_some() {
            return None;
        }
        let year = i64::from(year);
        let valid = YEARS.contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day);
        valid.then_some(Date { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (before it, when negative).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
        }
    }

    /// The UTC date of a Unix time in milliseconds.
    pub fn from_ms(ms: i64) -> Self {
        Date::from_days(ms.div_euclid(MS_PER_DAY))
    }

    /// Days from 1970-01-01 to this date (negative before it).
    pub fn days(self) -> i64 {
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time in milliseconds.
pub fn iso_date(ms: i64) -> String {
    Date::from_ms(ms).to_string()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc_dates() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(951_782_400_000), "2000-02-29");
        assert_eq!(iso_date(1_795_305_600_000), "2026-11-22");
        assert_eq!(iso_date(1_795_391_999_999), "2026-11-22");
    }

    #[test]
    fn days_and_dates_convert_both_ways() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days(days).days(), days);
        }
        let leap = Date::parse("2028-02-29").unwrap();
        assert_eq!(Date::from_days(leap.days() + 1).to_string(), "2028-03-01");
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
