//! The exports' own words, one table per language, and how numbers and dates are written in
//! each. Everything a reader sees that does not come from the session's content is here.

use crate::domain::Lang;
use crate::outcome::Stat;

/// Every fixed text of the exports in one language.
pub(crate) struct Words {
    /// `"da"` or `"en"`: the document language.
    pub lang: &'static str,
    /// The decimal separator.
    decimal: char,
    /// Month names, January first.
    months: [&'static str; 12],
    /// Month names as a table cell abbreviates them, January first.
    months_short: [&'static str; 12],
    /// Writes a day, month name and year.
    date_format: fn(u32, &str, &str) -> String,

    // The session export's head.
    pub date: &'static str,
    pub code: &'static str,
    pub participants: &'static str,
    pub min_group_note: fn(u32) -> String,
    pub no_sections: &'static str,

    // Section kinds.
    pub reflection: &'static str,
    pub cards: &'static str,
    pub grid: &'static str,
    pub map: &'static str,
    pub plan: &'static str,

    // Reflection.
    pub answered: fn(u32) -> String,
    pub too_few_answered: fn(u32) -> String,
    pub shared: &'static str,
    pub no_shared: &'static str,
    pub ungrouped: &'static str,
    pub bar_chart_desc: fn(u32, &str, &str) -> String,
    pub count_per_value: &'static str,

    // Cards.
    pub no_cards: &'static str,
    pub passed: &'static str,
    pub no_notes: &'static str,

    // Grid.
    pub success_axis: &'static str,
    pub importance_axis: &'static str,
    pub concentrate_here: &'static str,
    pub keep_up: &'static str,
    pub low_priority: &'static str,
    pub overkill: &'static str,
    pub no_topics: &'static str,
    pub grid_desc: &'static str,
    pub quadrants_desc: &'static str,
    pub grid_key_spread: &'static str,
    pub grid_key_agreed: &'static str,
    pub grid_key_priority: &'static str,
    pub rated_by: fn(u32) -> String,
    pub topic_too_few: fn(u32) -> String,
    pub col_number: &'static str,
    pub col_topic: &'static str,
    pub col_importance: &'static str,
    pub col_success: &'static str,
    pub col_raters: &'static str,
    pub col_agreed: &'static str,
    pub col_priority: &'static str,
    pub col_dots: &'static str,
    pub agreed_cell: fn(u8, u8) -> String,
    pub too_few_short: &'static str,
    pub importance_word: &'static str,
    pub success_word: &'static str,

    // Map.
    pub effect_axis: &'static str,
    pub drains: &'static str,
    pub gives: &'static str,
    pub influence_axis: &'static str,
    pub no_actors: &'static str,
    pub map_desc: &'static str,
    pub circle_size_note: &'static str,
    /// "1 actor named by too few …" (counted, never named).
    pub named_by_too_few_one: &'static str,
    /// "{n} actors named by too few …".
    pub named_by_too_few_many: &'static str,
    pub col_actor: &'static str,
    pub col_named_by: &'static str,
    pub col_influence: &'static str,
    pub col_effect: &'static str,

    // Action plan.
    pub col_area: &'static str,
    pub col_action: &'static str,
    pub col_first_step: &'static str,
    pub col_owner: &'static str,
    pub col_deadline: &'static str,
    pub col_follow_up: &'static str,
    pub col_answers: &'static str,
    pub no_plan: &'static str,

    // Personal plan.
    pub personal_title: &'static str,
    pub programme: &'static str,
    pub name: &'static str,
    pub first_step_lead: &'static str,
    pub not_filled_in: &'static str,
    /// Under a personal plan's head, as the template "Min trivsel som leder" opens.
    pub personal_intro: &'static str,

    // The 1:1 and the series report.
    pub personal_plan: &'static str,
    /// Before the questions of a conversation with one leader.
    pub questions_talked_about: &'static str,
    pub plan_shared: &'static str,
    pub plan_not_shared: &'static str,
    pub meeting: &'static str,
    pub meetings: &'static str,
    pub dates: &'static str,
    pub meeting_heading: fn(usize, &str) -> String,
    pub meeting_line: fn(usize, &str, &str) -> String,
    // Markdown's table in place of a distribution picture.
    pub col_value: &'static str,
    pub col_count: &'static str,

    // Tables (issue 16).
    /// "Bord": a table's number, as a fact and a column.
    pub table: &'static str,
    /// "Borde": how many tables the hall had, and a map column.
    pub tables: &'static str,
    /// "bord 3", after a shared item or before a card.
    pub table_n: fn(u16) -> String,
    /// A table's own document's title.
    pub table_title: fn(&str, u16) -> String,
    /// The hall's figures leave out tables whose own result shows too few.
    pub tables_left_out: fn(u32) -> String,
    pub table_decisions: &'static str,
    pub col_priorities: &'static str,
    pub col_placed: &'static str,
}

/// Danish.
pub(crate) const DA: Words = Words {
    lang: "da",
    decimal: ',',
    months: [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ],
    months_short: [
        "jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
        "dec.",
    ],
    date_format: |day, month, year| format!("{day}. {month} {year}"),

    date: "Dato",
    code: "Kode",
    participants: "Deltagere",
    min_group_note: |k| {
        format!("Gruppens resultater vises kun, når mindst {k} har svaret, så ingen kan genkendes.")
    },
    no_sections: "Der er endnu ingen resultater fra sessionen.",

    reflection: "Refleksion",
    cards: "Dialogkort",
    grid: "Prioriteringskort",
    map: "Interessentkort",
    plan: "Handleplan",

    answered: |n| format!("{n} har svaret."),
    too_few_answered: |k| format!("Færre end {k} har svaret – derfor vises resultatet ikke."),
    shared: "Delte punkter",
    no_shared: "Ingen delte punkter.",
    ungrouped: "Uden gruppe",
    bar_chart_desc: |n, min, max| {
        format!("Søjlediagram over {n} svar på en skala fra {min} til {max}.")
    },
    count_per_value: "Antal svar for hver værdi",

    no_cards: "Der blev ikke trukket nogen kort.",
    passed: "Sprunget over.",
    no_notes: "Ingen noter.",

    success_axis: "Hvor godt lykkes vi?",
    importance_axis: "Vigtighed",
    concentrate_here: "Sæt ind her",
    keep_up: "Hold fast i det gode",
    low_priority: "Lav prioritet",
    overkill: "Måske for meget",
    no_topics: "Der er ingen emner på kortet.",
    grid_desc: "Hvert emne er placeret efter gruppens gennemsnit for \
                vigtighed (lodret) og hvor godt vi lykkes (vandret). Ellipsen om et emne viser \
                spredningen i svarene.",
    quadrants_desc: "Kortet er delt i fire felter: øverst til venstre »Sæt ind her« (vigtigt, \
                     men vi lykkes ikke godt), øverst til højre »Hold fast i det gode«, nederst \
                     til venstre »Lav prioritet« og nederst til højre »Måske for meget«.",
    grid_key_spread: "spredning i svarene",
    grid_key_agreed: "aftalt placering",
    grid_key_priority: "prioritet",
    rated_by: |n| format!("{n} har vurderet"),
    topic_too_few: |k| format!("færre end {k} har vurderet – vises ikke"),
    col_number: "Nr.",
    col_topic: "Emne",
    col_importance: "Vigtighed",
    col_success: "Lykkes",
    col_raters: "Vurderet af",
    col_agreed: "Aftalt placering",
    col_priority: "Prioritet",
    col_dots: "Prikker",
    agreed_cell: |importance, success| format!("vigtighed {importance}, lykkes {success}"),
    too_few_short: "for få svar",
    importance_word: "vigtighed",
    success_word: "lykkes",

    effect_axis: "Virkning på vores trivsel",
    drains: "Dræner energi",
    gives: "Giver energi",
    influence_axis: "Indflydelse på vores hverdag",
    no_actors: "Der blev ikke nævnt nogen aktører.",
    map_desc: "Hver aktør er placeret efter, om den giver eller dræner energi \
               (vandret), og hvor stor indflydelse den har på vores hverdag (lodret).",
    circle_size_note: "Jo flere der har nævnt en aktør, jo større er cirklen.",
    named_by_too_few_one: "1 aktør nævnt af for få til at blive vist.",
    named_by_too_few_many: "{n} aktører nævnt af for få til at blive vist.",
    col_actor: "Aktør",
    col_named_by: "Nævnt af",
    col_influence: "Indflydelse",
    col_effect: "Virkning på trivsel",

    col_area: "Område",
    col_action: "Handling",
    col_first_step: "Første skridt",
    col_owner: "Ansvarlig",
    col_deadline: "Frist",
    col_follow_up: "Opfølgning",
    col_answers: "Svarer på",
    no_plan: "Der er ingen punkter i handleplanen.",

    personal_title: "Min trivsel som leder",
    programme: "Forløb",
    name: "Navn",
    first_step_lead: "Første skridt:",
    not_filled_in: "Ikke udfyldt.",
    personal_intro: "På baggrund af samtalen er følgende aftalt for at vedligeholde og styrke min trivsel fremover:",

    personal_plan: "Personlig plan",
    questions_talked_about: "Lederen svarede for sig selv på spørgsmålene nedenfor, og derefter talte lederen og chefen om svarene. Svarene er lederens egne og står ikke i referatet.",
    plan_shared: "Lederen har delt sin plan med chefen",
    plan_not_shared: "Lederen har ikke delt sin plan",
    meeting: "Møde",
    meetings: "Møder",
    dates: "Datoer",
    meeting_heading: |n, title| format!("Møde {n}: {title}"),
    meeting_line: |n, title, date| format!("Møde {n}: {title} – {date}"),
    col_value: "Værdi",
    col_count: "Antal svar",
    table: "Bord",
    tables: "Borde",
    table_n: |n| format!("bord {n}"),
    table_title: |programme, n| format!("{programme} – bord {n}"),
    tables_left_out: |n| match n {
        1 => "1 bord med for få svar er ikke med i salens tal.".to_owned(),
        n => format!("{n} borde med for få svar er ikke med i salens tal."),
    },
    table_decisions: "Bordenes prioriteter og placeringer",
    col_priorities: "Prioriteter",
    col_placed: "Aftalte placeringer (vigtighed/lykkes)",
};

/// English.
pub(crate) const EN: Words = Words {
    lang: "en",
    decimal: '.',
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    date_format: |day, month, year| format!("{day} {month} {year}"),

    date: "Date",
    code: "Code",
    participants: "Participants",
    min_group_note: |k| {
        format!(
            "Group results are shown only when at least {k} have answered, so no one can be singled out."
        )
    },
    no_sections: "The session has no results yet.",

    reflection: "Reflection",
    cards: "Dialogue cards",
    // As the programmes call it, so a step titled "Prioritisation card: …" is not headed
    // "Prioritisation grid – Prioritisation card: …".
    grid: "Prioritisation card",
    map: "Stakeholder map",
    plan: "Action plan",

    answered: |n| match n {
        1 => "1 person answered.".to_owned(),
        n => format!("{n} people answered."),
    },
    too_few_answered: |k| format!("Fewer than {k} answered – so the result is not shown."),
    shared: "Shared points",
    no_shared: "Nothing was shared.",
    ungrouped: "Not grouped",
    bar_chart_desc: |n, min, max| {
        format!("Bar chart of {n} answers on a scale from {min} to {max}.")
    },
    count_per_value: "Answers per value",

    no_cards: "No cards were dealt.",
    passed: "Skipped.",
    no_notes: "No notes.",

    success_axis: "How well do we succeed?",
    importance_axis: "Importance",
    concentrate_here: "Concentrate here",
    keep_up: "Keep up the good work",
    low_priority: "Low priority",
    overkill: "Possible overkill",
    no_topics: "There are no topics on the grid.",
    grid_desc: "Each topic is placed at the group's average importance \
                (vertical) and how well we succeed (horizontal). The ellipse around a topic \
                shows how much the answers differ.",
    quadrants_desc: "The grid has four fields: top left \"Concentrate here\" (important, but we \
                     do not succeed well), top right \"Keep up the good work\", bottom left \
                     \"Low priority\" and bottom right \"Possible overkill\".",
    grid_key_spread: "spread of the answers",
    grid_key_agreed: "agreed position",
    grid_key_priority: "priority",
    rated_by: |n| format!("rated by {n}"),
    topic_too_few: |k| format!("fewer than {k} rated it – not shown"),
    col_number: "No.",
    col_topic: "Topic",
    col_importance: "Importance",
    col_success: "Success",
    col_raters: "Rated by",
    col_agreed: "Agreed position",
    col_priority: "Priority",
    col_dots: "Dots",
    agreed_cell: |importance, success| format!("importance {importance}, success {success}"),
    too_few_short: "too few answers",
    importance_word: "importance",
    success_word: "success",

    effect_axis: "Effect on our well-being",
    drains: "Drains energy",
    gives: "Gives energy",
    influence_axis: "Influence on our daily work",
    no_actors: "No actors were named.",
    map_desc: "Each actor is placed by whether it gives or drains energy \
               (horizontal) and how much influence it has on our daily work (vertical).",
    circle_size_note: "The more people named an actor, the larger its circle.",
    named_by_too_few_one: "1 stakeholder named by too few to be shown.",
    named_by_too_few_many: "{n} stakeholders named by too few to be shown.",
    col_actor: "Actor",
    col_named_by: "Named by",
    col_influence: "Influence",
    col_effect: "Effect on well-being",

    col_area: "Area",
    col_action: "Action",
    col_first_step: "First step",
    col_owner: "Owner",
    col_deadline: "Deadline",
    col_follow_up: "Follow-up",
    col_answers: "Answers",
    no_plan: "The action plan is empty.",

    personal_title: "My well-being as a leader",
    programme: "Programme",
    name: "Name",
    first_step_lead: "First step:",
    not_filled_in: "Not filled in.",
    personal_intro: "Based on the conversation, the following has been agreed to maintain and strengthen my well-being from now on:",

    personal_plan: "Personal plan",
    questions_talked_about: "The leader answered the questions below on their own, and then the leader and the manager talked about the answers. The answers are the leader's own and are not in this summary.",
    plan_shared: "The leader shared their plan with the manager",
    plan_not_shared: "The leader did not share their plan",
    meeting: "Meeting",
    meetings: "Meetings",
    dates: "Dates",
    meeting_heading: |n, title| format!("Meeting {n}: {title}"),
    meeting_line: |n, title, date| format!("Meeting {n}: {title} – {date}"),
    col_value: "Value",
    col_count: "Number of answers",
    table: "Table",
    tables: "Tables",
    table_n: |n| format!("table {n}"),
    table_title: |programme, n| format!("{programme} – table {n}"),
    tables_left_out: |n| match n {
        1 => "1 table with too few answers is not in the hall's figures.".to_owned(),
        n => format!("{n} tables with too few answers are not in the hall's figures."),
    },
    table_decisions: "The tables' priorities and placements",
    col_priorities: "Priorities",
    col_placed: "Agreed placements (importance/success)",
};

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words").field("lang", &self.lang).finish()
    }
}

impl Words {
    /// The table for `lang`: English for `"en"`, Danish otherwise.
    pub fn for_lang(lang: &str) -> &'static Words {
        match Lang::from_code(lang) {
            Lang::En => &EN,
            Lang::Da => &DA,
        }
    }

    /// The text of `bilingual` in this language.
    pub fn pick<'a>(&self, bilingual: &'a crate::content::Text) -> &'a str {
        Lang::from_code(self.lang).pick(bilingual)
    }

    /// "3 actors named by too few to be shown." — counted, never named.
    pub fn named_by_too_few(&self, n: u32) -> String {
        if n == 1 {
            self.named_by_too_few_one.to_owned()
        } else {
            self.named_by_too_few_many.replace("{n}", &n.to_string())
        }
    }

    /// `value` with one decimal, e.g. `4,2` in Danish.
    pub fn number(&self, value: f64) -> String {
        let text = format!("{:.1}", value.abs());
        let text = text.replace('.', &self.decimal.to_string());
        // A true minus sign; "-0,0" is written "0,0".
        if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("\u{2212}{text}")
        } else {
            text
        }
    }

    /// `mean ± sd`, e.g. `4,2 ± 0,8`, with no-break spaces so it stays on one line.
    pub fn stat(&self, stat: &Stat) -> String {
        format!(
            "{}\u{a0}±\u{a0}{}",
            self.number(stat.mean),
            self.number(stat.sd)
        )
    }

    /// A whole number on a scale that may go below zero, with its sign: `−2`, `0`, `+2`.
    pub fn signed(&self, value: i32) -> String {
        match value {
            v if v < 0 => format!("\u{2212}{}", -i64::from(v)),
            0 => "0".to_owned(),
            v => format!("+{v}"),
        }
    }

    /// A date for a table cell: the month abbreviated, day and month joined by a no-break
    /// space, so a narrow column breaks it only before its year ("15. sep." / "2027"), e.g.
    /// `15.\u{a0}sep. 2027`; anything else as given.
    pub fn date_kept(&self, iso: &str) -> String {
        match parse_iso(iso) {
            Some((year, month, day)) => {
                let written = (self.date_format)(day, self.months_short[month - 1], &year);
                written.replacen(' ', "\u{a0}", 1)
            }
            None => iso.to_owned(),
        }
    }

    /// An ISO date `YYYY-MM-DD` written out, e.g. `12. marts 2025`; anything else as given.
    pub fn date(&self, iso: &str) -> String {
        match parse_iso(iso) {
            Some((year, month, day)) => (self.date_format)(day, self.months[month - 1], &year),
            None => iso.to_owned(),
        }
    }
}

/// An ISO date's year (as written), month (1–12) and day (1–31); `None` for anything else.
fn parse_iso(iso: &str) -> Option<(String, usize, u32)> {
    let mut parts = iso.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let (year_number, month, day) = (
        year.parse::<u32>().ok()?,
        month.parse::<usize>().ok()?,
        day.parse::<u32>().ok()?,
    );
    (year.len() == 4 && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| (year_number.to_string(), month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers_use_a_decimal_comma_and_a_true_minus() {
        assert_eq!(DA.number(4.24), "4,2");
        assert_eq!(DA.number(-1.46), "\u{2212}1,5");
        assert_eq!(DA.number(-0.01), "0,0");
        assert_eq!(EN.number(3.0), "3.0");
        assert_eq!(DA.signed(-2), "\u{2212}2");
        assert_eq!(DA.signed(2), "+2");
    }

    #[test]
    fn dates_are_written_out_and_odd_ones_left_alone() {
        assert_eq!(DA.date("2025-03-12"), "12. marts 2025");
        assert_eq!(EN.date("2025-03-12"), "12 March 2025");
        assert_eq!(DA.date("i går"), "i går");
        assert_eq!(DA.date("2025-13-01"), "2025-13-01");
    }

    #[test]
    fn a_date_in_a_table_is_short_and_breaks_only_before_its_year() {
        assert_eq!(DA.date_kept("2027-09-15"), "15.\u{a0}sep. 2027");
        assert_eq!(DA.date_kept("2027-05-01"), "1.\u{a0}maj 2027");
        assert_eq!(EN.date_kept("2027-02-01"), "1\u{a0}Feb 2027");
        assert_eq!(DA.date_kept(""), "");
        assert_eq!(DA.date_kept("snart"), "snart");
    }
}
