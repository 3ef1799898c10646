//! Calendar invitations (iCalendar, RFC 5545) for a meeting, carrying the join link. Times are
//! "floating" local times: the meeting is at 09:00 wherever the invited leaders are.

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
    /// Year.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
}

impl LocalTime {
    /// Parses `YYYY-MM-DDTHH:MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        let mut d = date.split('-');
        let (year, month, day) = (
            d.next()?.parse().ok()?,
            d.next()?.parse().ok()?,
            d.next()?.parse().ok()?,
        );
        let (hour, minute) = time.split_once(':')?;
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.get(..2)?.parse().ok()?);
        let t = LocalTime {
            year,
            month,
            day,
            hour,
            minute,
        };
        let valid = (2000..=2100).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && days_from_civil(year, month, day)
                .is_some_and(|n| civil_from_days(n) == (year, month, day))
            && hour < 24
            && minute < 60;
        valid.then_some(t)
    }

    fn plus_minutes(self, minutes: u32) -> Self {
        let base = days_from_civil(self.year, self.month, self.day).unwrap_or(0);
        let total = i64::from(self.hour * 60 + self.minute) + i64::from(minutes);
        let (year, month, day) = civil_from_days(base + total.div_euclid(1440));
        let rest = total.rem_euclid(1440) as u32;
        LocalTime {
            year,
            month,
            day,
            hour: rest / 60,
            minute: rest % 60,
        }
    }

    fn ics(self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}00",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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
        let days = meeting.now_ms.div_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let secs = meeting.now_ms.rem_euclid(86_400_000) / 1000;
        format!(
            "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
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
