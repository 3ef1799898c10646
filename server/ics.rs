//! Calendar invitations (iCalendar, RFC 5545) for a meeting, carrying the join link. Times are
//! "floating" local times: the meeting is at 09:00 wherever the invited leaders are.

use crate::dates::{Date, MS_PER_DAY};

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
    /// Start, local time.
    pub start: LocalTime,
    /// Length in minutes.
    pub minutes: u32,
    /// Now, ms since the epoch (for DTSTAMP).
    pub now_ms: i64,
}

/// A local date and time to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The day.
    pub date: Date,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
}

impl LocalTime {
    /// Parses `YYYY-MM-DDTHH:MM` (a real day, see [`Date::parse`]).
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        let date = Date::parse(date)?;
        let (hour, minute) = time.split_once(':')?;
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.get(..2)?.parse().ok()?);
        (hour < 24 && minute < 60).then_some(LocalTime { date, hour, minute })
    }

    fn plus_minutes(self, minutes: u32) -> Self {
        let total = i64::from(self.hour * 60 + self.minute) + i64::from(minutes);
        let rest = total.rem_euclid(1440) as u32;
        LocalTime {
            date: Date::from_days(self.date.days() + total.div_euclid(1440)),
            hour: rest / 60,
            minute: rest % 60,
        }
    }

    fn ics(self) -> String {
        let Date { year, month, day } = self.date;
        format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}00",
            self.hour, self.minute
        )
    }
}

/// Escapes a TEXT value.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The calendar file.
pub fn calendar(meeting: &Meeting<'_>) -> String {
    let stamp = {
        let Date { year, month, day } = Date::from_ms(meeting.now_ms);
        let secs = meeting.now_ms.rem_euclid(MS_PER_DAY) / 1000;
        format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    };
    let mut lines = Vec::new();
    lines.push("BEGIN:VCALENDAR".to_owned());
    lines.push("VERSION:2.0".to_owned());
    lines.push("PRODID:-//trivsel//trivsel//DA".to_owned());
    lines.push("CALSCALE:GREGORIAN".to_owned());
    lines.push("METHOD:PUBLISH".to_owned());
    lines.push("BEGIN:VEVENT".to_owned());
    lines.push(format!("UID:{}", meeting.uid));
    lines.push(format!("DTSTAMP:{stamp}"));
    lines.push(format!("DTSTART:{}", meeting.start.ics()));
    lines.push(format!(
        "DTEND:{}",
        meeting.start.plus_minutes(meeting.minutes).ics()
    ));
    lines.push(format!("SUMMARY:{}", escape(meeting.summary)));
    lines.push(format!("DESCRIPTION:{}", escape(meeting.description)));
    lines.push(format!("URL:{}", meeting.url));
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
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

    #[test]
    fn an_invitation_is_a_valid_folded_calendar_with_the_link() {
        let long = "Vi ses til andet møde om trivsel i ledergruppen. Deltag her: https://trivsel.example.dk/j/K7M2QXP – husk telefonen.\nMed venlig hilsen";
        let ics = calendar(&meeting(long));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line:?}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DTSTART:20270131T233000\r\n"));
        assert!(
            unfolded.contains("DTEND:20270201T010000\r\n"),
            "crosses midnight and month"
        );
        assert!(unfolded.contains("SUMMARY:Ledertrivsel\\, del 2\\; møde\r\n"));
        assert!(unfolded.contains(
            "https://trivsel.example.dk/j/K7M2QXP – husk telefonen.\\nMed venlig hilsen"
        ));
        assert!(unfolded.contains("DTSTAMP:20261122T000000Z"));
    }

    #[test]
    fn start_times_must_be_real() {
        assert!(LocalTime::parse("2027-02-29T10:00").is_none());
        assert!(LocalTime::parse("2028-02-29T10:00").is_some());
        assert!(LocalTime::parse("2027-01-01T24:00").is_none());
        assert!(LocalTime::parse("2027-01-01").is_none());
        assert!(LocalTime::parse("i morgen").is_none());
    }
}
