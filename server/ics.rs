//! Calendar invitations (iCalendar, RFC 5545) for a meeting, carrying the join link, written
//! with the `icalendar` crate. The start a facilitator gives is local time in Europe/Copenhagen
//! ([`dates::ZONE`]); the file states it as UTC (`…Z`), computed with jiff's rules for that zone
//! (so 09:00 stays 09:00 on both sides of a change to or from summer time), and names the zone
//! for calendars that show one (`X-WR-TIMEZONE`).
//!
//! Why UTC rather than `TZID=Europe/Copenhagen`: RFC 5545 requires a `VTIMEZONE` for every
//! `TZID`, and the `icalendar` crate has no time zone component — a custom component it writes
//! gets a `DTSTAMP` and a random `UID` stamped in, which a `VTIMEZONE` must not have. A UTC time
//! needs no definition and every calendar places it right.

use icalendar::{Calendar, Component, Event, Property};
use jiff::civil::DateTime;
use jiff::{Timestamp, ToSpan, ZonedDateTime};

use crate::dates::{self, Date};

/// A meeting to put in calendars.
#[derive(Debug)]
pub struct Meeting<'a> {
    /// Unique and stable for the session.
    pub uid: &'a str,
    /// Subject.
    pub summary: &'a str,
    /// Body text (the invitation with the join link).
    pub description: &'a str,
    /// The join link.
    pub url: &'a str,
    /// Start, local time in Europe/Copenhagen.
    pub start: LocalTime,
    /// Length in minutes.
    pub minutes: u32,
    /// Now, ms since the epoch (for DTSTAMP).
    pub now_ms: i64,
}

/// A local date and time in Europe/Copenhagen, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime(DateTime);

impl LocalTime {
    /// Parses `YYYY-MM-DDTHH:MM` (a real day, see [`Date::parse`]).
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        let Date { year, month, day } = Date::parse(date)?;
        let (hour, minute) = time.split_once(':')?;
        let (hour, minute): (i8, i8) = (hour.parse().ok()?, minute.get(..2)?.parse().ok()?);
        DateTime::new(year as i16, month as i8, day as i8, hour, minute, 0, 0)
            .ok()
            .map(LocalTime)
    }

    /// The moment this local time is in Copenhagen. A time the change to summer time skips
    /// (02:30 on its night) is read as the time an hour later; a time the change back shows
    /// twice, as the first (jiff's "compatible" choice, as RFC 5545 prescribes).
    fn zoned(self) -> ZonedDateTime {
        self.0
            .to_zoned_datetime(dates::zone().clone())
            .expect("a day of the years 2000–2100 is in range")
    }
}

/// A moment as an iCalendar UTC date-time, `YYYYMMDDTHHMMSSZ`.
fn utc(moment: Timestamp) -> String {
    moment.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar file of one meeting.
pub fn calendar(meeting: &Meeting<'_>) -> String {
    calendar_of(std::slice::from_ref(meeting))
}

/// One event of the calendar file.
fn event(meeting: &Meeting<'_>) -> Event {
    let start = meeting.start.zoned();
    // At most a day (as `http::invitation` accepts), so the end is always in range.
    let minutes = i64::from(meeting.minutes.min(24 * 60));
    let end = start
        .checked_add(minutes.minutes())
        .expect("a day of the years 2000–2100 and a day's minutes are in range");
    let stamp = Timestamp::from_millisecond(meeting.now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    // The crate escapes TEXT values (backslash, `;`, `,`, newline); a CR of a CRLF goes.
    let text = |t: &str| t.replace("\r\n", "\n").replace('\r', "\n");
    Event::new()
        .uid(meeting.uid)
        .append_property(Property::new("DTSTAMP", utc(stamp)))
        .append_property(Property::new("DTSTART", utc(start.timestamp())))
        .append_property(Property::new("DTEND", utc(end.timestamp())))
        .summary(&text(meeting.summary))
        .description(&text(meeting.description))
        .url(meeting.url)
        .done()
}

/// One calendar file with an event for each meeting (a series' meetings, issue 17).
pub fn calendar_of(meetings: &[Meeting<'_>]) -> String {
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", "-//trivsel//trivsel//DA"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("X-WR-TIMEZONE", dates::ZONE),
    ] {
        calendar.append_property(Property::new(key, value));
    }
    for meeting in meetings {
        calendar.push(event(meeting));
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(description: &str) -> Meeting<'_> {
        Meeting {
            uid: "K7M2QXP@trivsel",
            summary: "Ledertrivsel, del 2; møde",
            description,
            url: "https://trivsel.example.dk/j/K7M2QXP",
            start: LocalTime::parse("2027-01-31T23:30").unwrap(),
            minutes: 90,
            now_ms: 1_795_305_600_000,
        }
    }

    fn unfolded(meeting: &Meeting<'_>) -> String {
        calendar(meeting).replace("\r\n ", "")
    }

    #[test]
    fn an_invitation_is_a_valid_folded_calendar_with_the_link() {
        let long = "Vi ses til andet møde om trivsel i ledergruppen. Deltag her: https://trivsel.example.dk/j/K7M2QXP – husk telefonen.\r\nMed venlig hilsen";
        let ics = calendar(&meeting(long));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line:?}");
        }
        let unfolded = ics.replace("\r\n ", "");
        // 23:30 in Copenhagen in January (UTC+1), for 90 minutes.
        assert!(
            unfolded.contains("DTSTART:20270131T223000Z\r\n"),
            "{unfolded}"
        );
        assert!(
            unfolded.contains("DTEND:20270201T000000Z\r\n"),
            "crosses midnight and month"
        );
        assert!(unfolded.contains("X-WR-TIMEZONE:Europe/Copenhagen\r\n"));
        assert!(unfolded.contains("PRODID:-//trivsel//trivsel//DA\r\n"));
        assert!(unfolded.contains("UID:K7M2QXP@trivsel\r\n"));
        assert!(unfolded.contains("URL:https://trivsel.example.dk/j/K7M2QXP\r\n"));
        assert!(unfolded.contains("SUMMARY:Ledertrivsel\\, del 2\\; møde\r\n"));
        assert!(unfolded.contains(
            "https://trivsel.example.dk/j/K7M2QXP – husk telefonen.\\nMed venlig hilsen"
        ));
        assert!(unfolded.contains("DTSTAMP:20261122T000000Z"));
        assert!(!ics.replace("\r\n", "").contains('\r'), "no bare CR");
    }

    /// 09:00 in Copenhagen is 08:00 UTC in winter time and 07:00 UTC in summer time: the
    /// change is on Sunday 28 March 2027, and back on Sunday 31 October 2027.
    #[test]
    fn a_meeting_at_nine_stays_at_nine_across_the_change_to_summer_time() {
        let at = |start: &str, minutes: u32| {
            unfolded(&Meeting {
                start: LocalTime::parse(start).unwrap(),
                minutes,
                ..meeting("")
            })
        };
        let before = at("2027-03-26T09:00", 90);
        assert!(before.contains("DTSTART:20270326T080000Z\r\n"), "{before}");
        assert!(before.contains("DTEND:20270326T093000Z\r\n"));
        let after = at("2027-03-29T09:00", 90);
        assert!(after.contains("DTSTART:20270329T070000Z\r\n"), "{after}");
        assert!(after.contains("DTEND:20270329T083000Z\r\n"));
        let autumn = at("2027-11-01T09:00", 60);
        assert!(autumn.contains("DTSTART:20271101T080000Z\r\n"), "{autumn}");
        // Across the night of the change: from 01:30 (CET) for 90 minutes of real time ends at
        // 04:00 summer time — 02:00 to 03:00 does not happen that night.
        let night = at("2027-03-28T01:30", 90);
        assert!(night.contains("DTSTART:20270328T003000Z\r\n"), "{night}");
        assert!(night.contains("DTEND:20270328T020000Z\r\n"));
        // 02:30 that night does not exist: read as 03:30 summer time (RFC 5545, 3.3.5).
        let skipped = at("2027-03-28T02:30", 60);
        assert!(
            skipped.contains("DTSTART:20270328T013000Z\r\n"),
            "{skipped}"
        );
        // 02:30 on 31 October 2027 happens twice: the first, still summer time (UTC+2).
        let twice = at("2027-10-31T02:30", 60);
        assert!(twice.contains("DTSTART:20271031T003000Z\r\n"), "{twice}");
        assert!(
            twice.contains("DTEND:20271031T013000Z\r\n"),
            "an hour of real time"
        );
        // No panic on a length no caller allows: at most a day.
        let long = at("2100-12-31T23:59", u32::MAX);
        assert!(long.contains("DTEND:21010101T225900Z\r\n"), "{long}");
    }

    #[test]
    fn text_values_are_escaped_and_nothing_else_is_written_into_them() {
        let ics = unfolded(&Meeting {
            summary: "Møde; del 2, runde 1\\3",
            ..meeting("Linje 1\nLinje 2\rLinje 3; slut, tak")
        });
        assert!(
            ics.contains("SUMMARY:Møde\\; del 2\\, runde 1\\\\3\r\n"),
            "{ics}"
        );
        assert!(ics.contains("DESCRIPTION:Linje 1\\nLinje 2\\nLinje 3\\; slut\\, tak\r\n"));
    }

    #[test]
    fn start_times_must_be_real() {
        assert!(LocalTime::parse("2027-02-29T10:00").is_none());
        assert!(LocalTime::parse("2028-02-29T10:00").is_some());
        assert!(LocalTime::parse("2027-01-01T24:00").is_none());
        assert!(LocalTime::parse("2027-01-01").is_none());
        assert!(LocalTime::parse("i morgen").is_none());
        assert!(LocalTime::parse("2027-01-01T09:60").is_none());
        assert!(LocalTime::parse("2027-01-01T-1:00").is_none());
        assert!(LocalTime::parse("1999-12-31T10:00").is_none());
    }
}
