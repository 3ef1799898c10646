//! Programmes: the workshop scripts a session is created from. Parsed from TOML files (built in,
//! or from `--content DIR`), validated once at start-up, then immutable.

pub mod customise;

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::kinds::Field;

/// The programme files of `content/`, compiled into the binary by `build.rs`.
const BUILTIN: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/content_files.rs"));

/// Longest free-text answer anyone may configure, in characters.
pub const MAX_TEXT_LEN: usize = 4000;
/// Free-text limit when a prompt names none.
const DEFAULT_TEXT_LEN: usize = 2000;

/// A text in both product languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Danish, the first language.
    pub da: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Whether both languages are empty (a field the content left out).
    pub fn is_empty(&self) -> bool {
        self.da.trim().is_empty() && self.en.trim().is_empty()
    }

    /// `first` and `then` as one text, a blank line between them where both have words.
    pub fn joined(first: &Text, then: &Text) -> Text {
        let join = |a: &str, b: &str| match (a.trim().is_empty(), b.trim().is_empty()) {
            (_, true) => a.to_owned(),
            (true, false) => b.to_owned(),
            (false, false) => format!("{a}\n\n{b}"),
        };
        Text {
            da: join(&first.da, &then.da),
            en: join(&first.en, &then.en),
        }
    }
}

/// A complete workshop programme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Stable identifier used in the API, e.g. `del1`.
    pub id: String,
    /// Shown in lists and on the projector.
    pub title: Text,
    /// Who the programme is for, in a sentence.
    #[serde(default)]
    pub audience: Text,
    /// Suggested length of the meeting in minutes.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// What the facilitator does before the meeting.
    #[serde(default)]
    pub preparation: Text,
    /// The invitation the facilitator sends; `{link}` and `{code}` are filled in.
    #[serde(default)]
    pub invitation: Option<Invitation>,
    /// Up to three texts or links to read before the meeting ("artikler", issue 17): in the
    /// invitation, the calendar file and on the phones' first step. A session may be created
    /// with its own (they replace these in its copy of the programme).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<Article>,
    /// Whom the programme is for: a group (the default) or one person with the facilitator
    /// (`participants = "one"`, the 1:1), which has no group results to reveal. Not written
    /// when it is the default, so programmes stored before it read and write as they did.
    #[serde(default, skip_serializing_if = "Participants::is_group")]
    pub participants: Participants,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// Whom a programme is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participants {
    /// A group: results are revealed from `min_group` answers.
    #[default]
    Group,
    /// One person talking with the facilitator: nothing is revealed to a room; what the
    /// person shares (a personal plan) is the way to the facilitator.
    One,
}

impl Participants {
    /// Whether this is the default, a group.
    pub fn is_group(&self) -> bool {
        *self == Participants::Group
    }
}

/// Step kinds that only make sense with a group, refused in a programme for one person.
const GROUP_ONLY: &[StepKind] = &[
    StepKind::Cards,
    StepKind::Grid,
    StepKind::Map,
    StepKind::Plan,
    StepKind::Review,
    StepKind::Evaluation,
];

/// The smallest `min_group` a programme with group results may be created with (issue 13):
/// with one or two, a result could be one person's answer, or a second person could subtract
/// their own answer from it.
pub const MIN_GROUP_FLOOR: u32 = 3;

/// Why a session of a programme cannot be created with a given `min_group`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MinGroupError {
    /// A group programme shows group results: they need at least [`MIN_GROUP_FLOOR`] answers.
    #[error(
        "min_group must be at least {floor} for '{programme}': its group results would \
         otherwise show one or two people's answers (a programme for one person shares by \
         that person's own choice instead)"
    )]
    TooSmall {
        /// The programme's id.
        programme: String,
        /// The smallest allowed value.
        floor: u32,
    },
}

/// An invitation to a meeting: an e-mail or calendar text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    /// Subject line.
    pub subject: Text,
    /// Body; `{link}` becomes the join link and `{code}` the join code.
    pub body: Text,
}

/// Most preparation texts or links a programme or session carries.
pub const MAX_ARTICLES: usize = 3;
/// Longest title of a preparation text, in characters.
pub const MAX_ARTICLE_TITLE: usize = 200;
/// Longest short text of a preparation text, in characters.
pub const MAX_ARTICLE_TEXT: usize = 1000;
/// Longest link of a preparation text, in characters.
pub const MAX_ARTICLE_URL: usize = 500;

/// Something to read before the meeting: a title, and a link and/or a short text. A link is
/// only ever a plain link a person may follow; no page fetches anything from it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// What it is, e.g. "Ledertrivsel er noget, vi skaber sammen".
    pub title: Text,
    /// Where to read it: an `http` or `https` address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A short text: what to read it for, or the text itself.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub text: Text,
}

impl Article {
    /// Checks the limits: a title, a link of the web (`http`/`https`, no spaces) or a text,
    /// and their lengths. The error says what is wrong, in English.
    pub fn check(&self) -> Result<(), String> {
        let chars = |t: &str| t.chars().count();
        for title in [&self.title.da, &self.title.en] {
            if title.trim().is_empty()
                || chars(title) > MAX_ARTICLE_TITLE
                || title.chars().any(char::is_control)
            {
                return Err(format!(
                    "an article needs a title of 1–{MAX_ARTICLE_TITLE} characters on one line, in both languages"
                ));
            }
        }
        if chars(&self.text.da).max(chars(&self.text.en)) > MAX_ARTICLE_TEXT {
            return Err(format!(
                "an article's text has at most {MAX_ARTICLE_TEXT} characters"
            ));
        }
        match &self.url {
            Some(url) => check_url(url)?,
            None if self.text.is_empty() => {
                return Err("an article needs a link (url) or a text".into());
            }
            None => {}
        }
        Ok(())
    }
}

/// What to read before the meeting, as the end of an invitation's text (issue 17): a heading
/// and each article's title, link and text on lines of their own; empty without articles.
pub fn preparation_text(articles: &[Article], lang: crate::domain::Lang) -> String {
    if articles.is_empty() {
        return String::new();
    }
    let heading = match lang {
        crate::domain::Lang::Da => "Til forberedelse:",
        crate::domain::Lang::En => "To prepare:",
    };
    let mut text = format!("\n\n{heading}");
    for article in articles {
        text.push_str(&format!("\n– {}", lang.pick(&article.title)));
        if let Some(url) = &article.url {
            text.push_str(&format!("\n  {url}"));
        }
        let words = lang.pick(&article.text).trim();
        if !words.is_empty() {
            text.push_str(&format!("\n  {}", words.replace('\n', "\n  ")));
        }
    }
    text
}

/// A link a person may follow: `http://` or `https://`, a host, no white space or control
/// characters, at most [`MAX_ARTICLE_URL`] characters.
fn check_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next());
    let ok = host.is_some_and(|h| !h.is_empty())
        && url.chars().count() <= MAX_ARTICLE_URL
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "an article's link must be an http:// or https:// address of at most {MAX_ARTICLE_URL} characters, without spaces"
        ))
    }
}

/// What a step asks of the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Something to read or hear; no input.
    Info,
    /// Private reflection: prompts each participant answers for themselves.
    Reflection,
    /// Dialogue cards dealt by the facilitator.
    Cards,
    /// Prioritisation grid: topics rated on importance × how well we succeed.
    Grid,
    /// Stakeholder influence map: actors rated on influence × effect on our well-being.
    Map,
    /// The group's action plan.
    Plan,
    /// A leader's own plan ("Min trivsel som leder"), private unless shared with the boss.
    PersonalPlan,
    /// The closing step.
    End,
    /// Follow-up of earlier meetings' action plans (issue 17): each row's status and a note.
    Review,
    /// Results brought from elsewhere, e.g. the group's latest leader evaluation (issue 17).
    Evaluation,
}

impl StepKind {
    /// The kind's name on the wire and in content files.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Info => "info",
            StepKind::Reflection => "reflection",
            StepKind::Cards => "cards",
            StepKind::Grid => "grid",
            StepKind::Map => "map",
            StepKind::Plan => "plan",
            StepKind::PersonalPlan => "personal_plan",
            StepKind::End => "end",
            StepKind::Review => "review",
            StepKind::Evaluation => "evaluation",
        }
    }
}

/// A dialogue card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// Unique within the step.
    pub id: String,
    /// The card's question.
    pub text: Text,
    /// The deck's theme the card belongs to, e.g. "Tillid": printed on the cut-out card.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub theme: Text,
}

/// A topic of a prioritisation grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Unique within the step.
    pub id: String,
    /// The topic.
    pub text: Text,
}

/// An area: of an action plan row, of a personal plan, or a tag for reflection list items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Unique within the step.
    pub id: String,
    /// E.g. "Selvledelse".
    pub title: Text,
    /// For personal plans: what the leader writes under it, e.g. "Følgende arbejder jeg selv
    /// videre med".
    #[serde(default)]
    pub prompt: Text,
}

/// One step of a programme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the programme.
    pub id: String,
    /// The step's kind.
    pub kind: StepKind,
    /// Heading on every screen.
    pub title: Text,
    /// The participants' instruction; blank lines separate paragraphs. Printed on paper too.
    #[serde(default)]
    pub body: Text,
    /// Participants' text that only makes sense on a screen (e.g. "Foreslå handlinger fra din
    /// telefon"): shown after `body` on the screens, left out of the participants' hand-out.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub app_body: Text,
    /// The facilitator's private notes: what to say, how to run it, timing. Never in the
    /// participants' hand-out.
    #[serde(default)]
    pub notes: Text,
    /// The facilitator's instructions for the app itself (e.g. "Sæt nedtællingen til 7
    /// minutter"): shown before `notes` on the console, marked as such in the facilitator
    /// guide, never in the participants' hand-out.
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub app_notes: Text,
    /// Suggested duration in minutes.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// Questions for a reflection step.
    #[serde(default)]
    pub prompts: Vec<Prompt>,
    /// The deck of a cards step.
    #[serde(default)]
    pub cards: Vec<Card>,
    /// The topics of a grid step.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Grid: the rating scale runs 1..=scale_max on both axes (2–10, default 5).
    #[serde(default = "default_scale_max")]
    pub scale_max: u8,
    /// Grid: whether participants may add topics (the facilitator can change it live).
    #[serde(default)]
    pub participant_topics: bool,
    /// Map: suggested actor categories, e.g. "Borgere", "Pårørende".
    #[serde(default)]
    pub categories: Vec<Text>,
    /// Areas of a plan or personal plan step; tags for list items in a reflection step.
    #[serde(default)]
    pub areas: Vec<Area>,
}

fn default_scale_max() -> u8 {
    5
}

/// One question in a reflection step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Prompt {
    /// A whole number between `min` and `max`, with labels for both ends.
    Scale {
        /// Unique within the step.
        id: String,
        /// The question.
        label: Text,
        /// Lowest value.
        min: i32,
        /// Highest value.
        max: i32,
        /// What the lowest value means, e.g. "Slet ikke".
        min_label: Text,
        /// What the highest value means, e.g. "Helt i top".
        max_label: Text,
        /// The question's name across meetings (issue 17): its answers in earlier meetings of a
        /// series or a chain of follow-ups, under the same name and on the same scale, are
        /// shown beside this meeting's as a trend. The prompt's id when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trend: Option<String>,
    },
    /// Free text up to `max_len` characters.
    Text {
        /// Unique within the step.
        id: String,
        /// The question.
        label: Text,
        /// Longest answer in characters.
        #[serde(default = "default_text_len")]
        max_len: usize,
    },
    /// A list of short items (e.g. what gives energy), each optionally tagged with one of the
    /// step's areas.
    List {
        /// Unique within the step.
        id: String,
        /// The question.
        label: Text,
        /// Most items.
        #[serde(default = "default_max_items")]
        max_items: usize,
        /// Longest item in characters.
        #[serde(default = "default_item_len")]
        max_len: usize,
    },
    /// Two circles, work life and private life: their sizes and overlap, as it is now and as
    /// wanted. Each number runs 0–100.
    Circles {
        /// Unique within the step.
        id: String,
        /// The question.
        label: Text,
    },
}

fn default_text_len() -> usize {
    DEFAULT_TEXT_LEN
}

fn default_max_items() -> usize {
    10
}

fn default_item_len() -> usize {
    300
}

impl Prompt {
    /// A scale prompt's name across meetings: its `trend`, else its id. `None` for the other
    /// kinds of prompt.
    pub fn trend_key(&self) -> Option<&str> {
        match self {
            Prompt::Scale { id, trend, .. } => Some(trend.as_deref().unwrap_or(id)),
            _ => None,
        }
    }

    /// The prompt's id.
    pub fn id(&self) -> &str {
        match self {
            Prompt::Scale { id, .. }
            | Prompt::Text { id, .. }
            | Prompt::List { id, .. }
            | Prompt::Circles { id, .. } => id,
        }
    }

    /// The question the prompt asks.
    pub fn label(&self) -> &Text {
        match self {
            Prompt::Scale { label, .. }
            | Prompt::Text { label, .. }
            | Prompt::List { label, .. }
            | Prompt::Circles { label, .. } => label,
        }
    }
}

impl Programme {
    /// Whether the programme shows the group results of several people's answers: a group
    /// programme with any step that asks something of the room.
    pub fn has_group_results(&self) -> bool {
        self.participants.is_group()
            && self.steps.iter().any(|s| {
                !matches!(
                    s.kind,
                    StepKind::Info | StepKind::End | StepKind::PersonalPlan
                )
            })
    }

    /// Checks `min_group` for a new session of this programme: at least [`MIN_GROUP_FLOOR`]
    /// when it has group results. Only creation asks: stored sessions load as they were.
    pub fn check_min_group(&self, min_group: u32) -> Result<(), MinGroupError> {
        if self.has_group_results() && min_group < MIN_GROUP_FLOOR {
            return Err(MinGroupError::TooSmall {
                programme: self.id.clone(),
                floor: MIN_GROUP_FLOOR,
            });
        }
        Ok(())
    }

    /// Parses and validates one programme file; errors name the file and, where TOML knows it,
    /// the line.
    pub fn from_toml(file: &str, source: &str) -> anyhow::Result<Self> {
        let programme: Programme =
            toml::from_str(source).map_err(|e| toml_error(file, source, &e))?;
        if let Err(e) = programme.validate() {
            let text = format!("{e:#}");
            // The message names ids from the outside in ("step 'x': prompt 'y' …"): find each
            // one after the line of the one before; a duplicate is pointed at its second copy.
            let ids = text.split('\'').skip(1).step_by(2);
            let mut line = None;
            for id in ids {
                match line_of_id(source, id, line.unwrap_or(0)) {
                    Some(found) => line = Some(found),
                    None => break,
                }
            }
            if text.contains("appears twice")
                && let Some(first) = line
            {
                let last_id = text
                    .split('\'')
                    .skip(1)
                    .step_by(2)
                    .last()
                    .unwrap_or_default();
                line = line_of_id(source, last_id, first).or(line);
            }
            let line = line.map(|l| format!(", line {l}")).unwrap_or_default();
            bail!("{file}{line}: {text}");
        }
        Ok(programme)
    }

    /// Checks what the types cannot: ids, ranges and the shape of each step.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !is_slug(&self.id) {
            bail!(
                "programme '{}': id must be lower-case letters, digits and dashes",
                self.id
            );
        }
        if self.steps.is_empty() {
            bail!("a programme needs at least one step");
        }
        if self.articles.len() > MAX_ARTICLES {
            bail!("a programme has at most {MAX_ARTICLES} articles");
        }
        for article in &self.articles {
            if let Err(e) = article.check() {
                bail!("{e}");
            }
        }
        if self
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Review)
            .count()
            > 1
        {
            bail!("a programme has at most one review step");
        }
        let mut trends = HashSet::new();
        for step in &self.steps {
            for prompt in &step.prompts {
                if let Prompt::Scale {
                    id,
                    trend: Some(trend),
                    ..
                } = prompt
                {
                    if !is_slug(trend) {
                        bail!(
                            "step '{}': prompt '{id}' has a trend name that is not a valid id",
                            step.id
                        );
                    }
                    if !trends.insert(trend.as_str()) {
                        bail!(
                            "step '{}': prompt '{id}': trend '{trend}' appears twice",
                            step.id
                        );
                    }
                }
            }
        }
        let mut step_ids = HashSet::new();
        for step in &self.steps {
            if !is_slug(&step.id) {
                bail!(
                    "step '{}': id must be lower-case letters, digits and dashes",
                    step.id
                );
            }
            if !step_ids.insert(step.id.as_str()) {
                bail!("step '{}' appears twice", step.id);
            }
            if self.participants == Participants::One && GROUP_ONLY.contains(&step.kind) {
                bail!(
                    "step '{}': a programme for one participant has no {} step (it needs a group)",
                    step.id,
                    step.kind.as_str()
                );
            }
            step.validate_shape()?;
        }
        Ok(())
    }

    /// The step with this id and its index.
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

impl Programme {
    /// Whether the programme has a step of `kind`.
    pub fn has(&self, kind: StepKind) -> bool {
        self.steps.iter().any(|s| s.kind == kind)
    }

    /// The programme with a follow-up step (issue 17) after its first step, unless it has one:
    /// for a meeting that follows one with an action plan — the next meeting of a series, or a
    /// follow-up session. Its id is `opfoelgning` (with a number added if that is taken).
    pub fn with_review(mut self) -> Self {
        if self.has(StepKind::Review) {
            return self;
        }
        let mut id = "opfoelgning".to_owned();
        let mut n = 1;
        while self.steps.iter().any(|s| s.id == id) {
            n += 1;
            id = format!("opfoelgning-{n}");
        }
        let at = 1.min(self.steps.len());
        self.steps.insert(at, review_step(id));
        self
    }
}

/// The meetings of a series as they are created: each meeting after one with an action plan
/// opens with a follow-up of that plan (a review step after its first step, see
/// [`Programme::with_review`]), unless its programme has a review step of its own.
pub fn with_reviews(programmes: Vec<Programme>) -> Vec<Programme> {
    let mut planned = false;
    programmes
        .into_iter()
        .map(|programme| {
            let follows_a_plan = planned;
            planned |= programme.has(StepKind::Plan);
            if follows_a_plan {
                programme.with_review()
            } else {
                programme
            }
        })
        .collect()
}

/// The follow-up step the server adds to a meeting that follows an action plan.
fn review_step(id: String) -> Step {
    let text = |da: &str, en: &str| Text {
        da: da.to_owned(),
        en: en.to_owned(),
    };
    Step {
        id,
        kind: StepKind::Review,
        title: text(
            "Opfølgning på handleplanen",
            "Following up on the action plan",
        ),
        body: text(
            "Vi ser på de handlinger, vi aftalte sidst. Hvordan er det gået?\n\nHver handling får en status: gjort, i gang, ikke startet eller droppet – og gerne en kort bemærkning.",
            "We look at the actions we agreed last time. How has it gone?\n\nEach action gets a status: done, in progress, not started or dropped – and a short note if you like.",
        ),
        app_body: text(
            "Står du som ansvarlig for en handling, kan du sætte status fra din telefon. Alle kan se det, der står her.",
            "If you are named as the owner of an action, you can set its status from your phone. Everyone can see what is written here.",
        ),
        notes: text(
            "Gå handlingerne igennem én ad gangen. Spørg den ansvarlige: Hvordan er det gået? Hvad har hjulpet, og hvad har stået i vejen?\n\nAnerkend det, der er lykkedes – også de små skridt.\n\nEn handling, der skal fortsætte, tager du med i dagens handleplan. Det, der er gjort eller droppet, kommer ikke igen næste gang.",
            "Go through the actions one at a time. Ask the owner: how has it gone? What helped, and what got in the way?\n\nAcknowledge what worked – the small steps too.\n\nAn action that should go on, you take into today's action plan. What is done or dropped does not come back next time.",
        ),
        app_notes: text(
            "Du kan sætte status her i konsollen, eller lade de ansvarlige gøre det fra deres telefon. ”Tag med i dagens handleplan” lægger handlingen ind i mødets handleplan, hvor du kan rette den.",
            "You can set the status here in the console, or let the owners do it from their phones. \"Take into today's plan\" adds the action to this meeting's action plan, where you can edit it.",
        ),
        minutes: Some(15),
        prompts: Vec::new(),
        cards: Vec::new(),
        topics: Vec::new(),
        scale_max: default_scale_max(),
        participant_topics: false,
        categories: Vec::new(),
        areas: Vec::new(),
    }
}

impl Step {
    /// Checks that the step fills in only the fields its kind uses, that their ids are valid
    /// and unique, and what its kind requires (`Kind::validate`).
    fn validate_shape(&self) -> anyhow::Result<()> {
        let id = &self.id;
        let kind = crate::kinds::of(self.kind);
        let uses = |field: &str, present: bool, wanted: Field| -> anyhow::Result<()> {
            if present && !kind.fields().contains(&wanted) {
                bail!(
                    "step '{id}': a step of kind {} has no {field}",
                    self.kind.as_str()
                );
            }
            Ok(())
        };
        uses("prompts", !self.prompts.is_empty(), Field::Prompts)?;
        uses("cards", !self.cards.is_empty(), Field::Cards)?;
        uses("topics", !self.topics.is_empty(), Field::Topics)?;
        uses("categories", !self.categories.is_empty(), Field::Categories)?;
        uses("areas", !self.areas.is_empty(), Field::Areas)?;
        if !kind.fields().contains(&Field::GridSettings)
            && (self.scale_max != default_scale_max() || self.participant_topics)
        {
            bail!("step '{id}': scale_max and participant_topics belong to grid steps");
        }
        let ids = self
            .cards
            .iter()
            .map(|c| ("card", c.id.as_str()))
            .chain(self.topics.iter().map(|t| ("topic", t.id.as_str())))
            .chain(self.areas.iter().map(|a| ("area", a.id.as_str())));
        let mut seen = HashSet::new();
        for (what, item) in ids {
            if !is_slug(item) {
                bail!("step '{id}': {what} id '{item}' is not a valid id");
            }
            if !seen.insert((what, item)) {
                bail!("step '{id}': {what} '{item}' appears twice");
            }
        }
        kind.validate(self)
    }

    /// The area with this id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }
}

/// A TOML syntax or type error as one line naming the file and, where known, the line.
fn toml_error(file: &str, source: &str, e: &toml::de::Error) -> anyhow::Error {
    let message = e.message().replace('\n', " ");
    match e
        .span()
        .map(|span| source[..span.start].lines().count().max(1))
    {
        Some(line) => anyhow::anyhow!("{file}, line {line}: {message}"),
        None => anyhow::anyhow!("{file}: {message}"),
    }
}

/// `, line N` for the first line of `source` quoting `value`; empty if none does.
fn line_of_value(source: &str, value: &str) -> String {
    let quoted = format!("\"{value}\"");
    source
        .lines()
        .position(|line| line.contains(&quoted))
        .map(|i| format!(", line {}", i + 1))
        .unwrap_or_default()
}

/// The first line after line `after` that sets `id = "<id>"` (any spacing), 1-based.
fn line_of_id(source: &str, id: &str, after: usize) -> Option<usize> {
    source
        .lines()
        .enumerate()
        .skip(after)
        .find(|(_, line)| {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            compact.contains(&format!("id=\"{id}\""))
        })
        .map(|(i, _)| i + 1)
}

/// Whether `id` is a valid id: 1–64 lower-case letters, digits and dashes.
pub(crate) fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// All programmes the server offers, in a stable order.
#[derive(Clone, Debug, Default)]
pub struct Library {
    programmes: Vec<Programme>,
    series: Vec<Series>,
}

/// Meetings run as one series (e.g. the "tre-trins raket": Del 1 → Del 2 → Del 3). Each
/// meeting's shared outcome is carried to the next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Stable identifier, e.g. `tre-trins-raket`.
    pub id: String,
    /// Shown in lists.
    pub title: Text,
    /// Who the series is for.
    #[serde(default)]
    pub audience: Text,
    /// Programme ids, in meeting order.
    pub meetings: Vec<String>,
}

impl Library {
    /// The programmes compiled into the binary.
    pub fn builtin() -> anyhow::Result<Self> {
        let files = BUILTIN.iter().map(|(file, bytes)| {
            let source = String::from_utf8_lossy(bytes).into_owned();
            (format!("content/{file}"), source)
        });
        Self::from_sources(files)
    }

    /// Every `*.toml` file in `dir`.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)
            .with_context(|| format!("cannot read content folder {}", dir.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let source = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                files.push((path.display().to_string(), source));
            }
        }
        files.sort();
        if files.is_empty() {
            bail!("no programme files (*.toml) in {}", dir.display());
        }
        Self::from_sources(files.into_iter())
    }

    fn from_sources(files: impl Iterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let mut programmes: Vec<Programme> = Vec::new();
        let mut series: Vec<(String, String, Series)> = Vec::new();
        for (file, source) in files {
            // A file with `meetings` is a series; every other file is a programme.
            let is_series = toml::from_str::<toml::Table>(&source)
                .is_ok_and(|table| table.contains_key("meetings"));
            if is_series {
                let parsed: Series =
                    toml::from_str(&source).map_err(|e| toml_error(&file, &source, &e))?;
                series.push((file, source, parsed));
                continue;
            }
            let programme = Programme::from_toml(&file, &source)?;
            if programmes.iter().any(|p| p.id == programme.id) {
                bail!("{file}: programme id '{}' is used twice", programme.id);
            }
            programmes.push(programme);
        }
        for (file, source, s) in &series {
            if !is_slug(&s.id) || programmes.iter().any(|p| p.id == s.id) {
                bail!(
                    "{file}: series id '{}' must be a valid id used by no programme",
                    s.id
                );
            }
            if s.meetings.len() < 2 {
                bail!("{file}: a series needs at least two meetings");
            }
            if let Some(missing) = s
                .meetings
                .iter()
                .find(|m| !programmes.iter().any(|p| &p.id == *m))
            {
                let line = line_of_value(source, missing);
                bail!(
                    "{file}{line}: series '{}' names programme '{missing}', which does not exist",
                    s.id
                );
            }
        }
        Ok(Library {
            programmes,
            series: series.into_iter().map(|(_, _, s)| s).collect(),
        })
    }

    /// All series.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// The series with this id.
    pub fn get_series(&self, id: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.id == id)
    }

    /// All programmes.
    pub fn all(&self) -> &[Programme] {
        &self.programmes
    }

    /// The programme with this id.
    pub fn get(&self, id: &str) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_programmes_load() {
        let library = Library::builtin().unwrap();
        assert!(library.all().len() >= 2);
        for programme in library.all() {
            assert!(!programme.title.da.is_empty() && !programme.title.en.is_empty());
        }
    }

    /// A Danish writer sets a dash as the tankestreg (–), never the English em dash: the titles
    /// end up in every document's title, the series' chapters and the files' core properties.
    #[test]
    fn the_danish_titles_use_the_danish_dash() {
        let library = Library::builtin().unwrap();
        for programme in library.all() {
            assert!(
                !programme.title.da.contains('—'),
                "{}: {}",
                programme.id,
                programme.title.da
            );
            for step in &programme.steps {
                assert!(
                    !step.title.da.contains('—'),
                    "{}: {}",
                    programme.id,
                    step.title.da
                );
            }
        }
    }

    #[test]
    fn a_programme_for_one_participant_has_no_group_steps() {
        let library = Library::builtin().unwrap();
        assert_eq!(
            library.get("enkelte-leder").unwrap().participants,
            Participants::One
        );
        assert_eq!(
            library.get("del2").unwrap().participants,
            Participants::Group
        );
        let source = "id = \"a\"\ntitle = { da = \"A\", en = \"A\" }\nparticipants = \"one\"\n[[steps]]\nid = \"kort\"\nkind = \"cards\"\ntitle = { da = \"S\", en = \"S\" }\n[[steps.cards]]\nid = \"k\"\ntext = { da = \"K\", en = \"K\" }\n";
        let err = Programme::from_toml("a.toml", source)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "a.toml, line 5: step 'kort': a programme for one participant has no cards step"
            ),
            "{err}"
        );
        let wrong = "id = \"a\"\ntitle = { da = \"A\", en = \"A\" }\nparticipants = \"two\"\n[[steps]]\nid = \"s\"\nkind = \"end\"\ntitle = { da = \"S\", en = \"S\" }\n";
        assert!(Programme::from_toml("a.toml", wrong).is_err());
    }

    #[test]
    fn a_series_names_existing_programmes() {
        let library = Library::builtin().unwrap();
        let programme = |id: &str| {
            format!(
                "id = \"{id}\"\ntitle = {{ da = \"A\", en = \"A\" }}\n[[steps]]\nid = \"s\"\nkind = \"end\"\ntitle = {{ da = \"S\", en = \"S\" }}\n"
            )
        };
        let series = "id = \"serie\"\ntitle = { da = \"S\", en = \"S\" }\nmeetings = [\n  \"a\",\n  \"b\",\n]\n";
        let files = [
            ("a.toml", programme("a")),
            ("b.toml", programme("b")),
            ("serie.toml", series.to_owned()),
        ];
        let ok =
            Library::from_sources(files.iter().map(|(f, s)| (f.to_string(), s.clone()))).unwrap();
        assert_eq!(ok.get_series("serie").unwrap().meetings, ["a", "b"]);
        let broken = [
            ("a.toml", programme("a")),
            ("serie.toml", series.to_owned()),
        ];
        let err = Library::from_sources(broken.iter().map(|(f, s)| (f.to_string(), s.clone())))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "serie.toml, line 5: series 'serie' names programme 'b', which does not exist"
        );
        assert!(library.all().len() >= 4);
    }

    #[test]
    fn articles_review_steps_and_trend_names_are_checked() {
        let programme = |extra: &str, steps: &str| {
            format!(
                "id = \"a\"\ntitle = {{ da = \"A\", en = \"A\" }}\n{extra}\n{steps}[[steps]]\nid = \"tak\"\nkind = \"end\"\ntitle = {{ da = \"T\", en = \"T\" }}\n"
            )
        };
        let article = |url: &str| {
            format!("[[articles]]\ntitle = {{ da = \"Læs\", en = \"Read\" }}\nurl = \"{url}\"\n")
        };
        let ok = Programme::from_toml("a.toml", &programme(&article("https://example.dk/x"), ""));
        assert_eq!(
            ok.unwrap().articles[0].url.as_deref(),
            Some("https://example.dk/x")
        );
        for bad in [
            "javascript:alert(1)",
            "https://",
            "https://ex ample.dk",
            "ftp://example.dk",
        ] {
            let err = Programme::from_toml("a.toml", &programme(&article(bad), ""));
            assert!(err.is_err(), "{bad}");
        }
        let four = article("https://example.dk").repeat(4);
        assert!(Programme::from_toml("a.toml", &programme(&four, "")).is_err());
        let review =
            "[[steps]]\nid = \"r{n}\"\nkind = \"review\"\ntitle = { da = \"R\", en = \"R\" }\n";
        let two = format!(
            "{}{}",
            review.replace("{n}", "1"),
            review.replace("{n}", "2")
        );
        let err = format!(
            "{:#}",
            Programme::from_toml("a.toml", &programme("", &two)).unwrap_err()
        );
        assert!(err.contains("at most one review step"), "{err}");
        let scale = |id: &str, trend: &str| {
            format!(
                "[[steps.prompts]]\nkind = \"scale\"\nid = \"{id}\"\nlabel = {{ da = \"Q\", en = \"Q\" }}\nmin = 1\nmax = 10\nmin_label = {{ da = \"l\", en = \"l\" }}\nmax_label = {{ da = \"h\", en = \"h\" }}\ntrend = \"{trend}\"\n"
            )
        };
        let step = |prompts: String| {
            format!(
                "[[steps]]\nid = \"s\"\nkind = \"reflection\"\ntitle = {{ da = \"S\", en = \"S\" }}\n{prompts}"
            )
        };
        let named =
            Programme::from_toml("a.toml", &programme("", &step(scale("trivsel", "balance"))))
                .unwrap();
        assert_eq!(named.steps[0].prompts[0].trend_key(), Some("balance"));
        let twice = step(format!(
            "{}{}",
            scale("a", "balance"),
            scale("b", "balance")
        ));
        assert!(Programme::from_toml("a.toml", &programme("", &twice)).is_err());
        assert!(
            Programme::from_toml("a.toml", &programme("", &step(scale("a", "Ikke Et Id"))))
                .is_err()
        );
        let evaluation =
            "[[steps]]\nid = \"e\"\nkind = \"evaluation\"\ntitle = { da = \"E\", en = \"E\" }\n";
        assert!(
            Programme::from_toml("a.toml", &programme("", evaluation)).is_ok(),
            "prompts are optional"
        );
        let with_scale = format!("{evaluation}{}", scale("a", "a"));
        assert!(
            Programme::from_toml("a.toml", &programme("", &with_scale)).is_err(),
            "no scales beside figures"
        );
    }

    #[test]
    fn a_series_meeting_after_a_plan_opens_with_its_review() {
        let library = Library::builtin().unwrap();
        let meetings: Vec<Programme> = ["del1", "del2", "del3"]
            .iter()
            .map(|id| library.get(id).unwrap().clone())
            .collect();
        let created = with_reviews(meetings);
        assert!(!created[0].has(StepKind::Review));
        assert!(!created[1].has(StepKind::Review), "Del 1 has no plan");
        assert_eq!(created[2].steps[1].kind, StepKind::Review);
        assert_eq!(created[2].steps[1].id, "opfoelgning");
        created[2].validate().unwrap();
        // A programme with its own review keeps it; a taken id gets a number.
        let own = library.get("opfolgning").unwrap().clone();
        assert_eq!(own.clone().with_review(), own);
        let mut taken = library.get("del3").unwrap().clone();
        taken.steps[0].id = "opfoelgning".into();
        assert_eq!(taken.with_review().steps[1].id, "opfoelgning-2");
    }

    #[test]
    fn a_syntax_error_names_file_and_line() {
        let err = Programme::from_toml(
            "x.toml",
            "id = \"a\"\ntitle = { da = \"A\", en = \"A\" }\nsteps = [\n  oops\n]",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("x.toml, line 4:"), "{err}");
    }

    #[test]
    fn a_reflection_without_prompts_is_refused() {
        let source = r#"
id = "a"
title = { da = "A", en = "A" }
[[steps]]
id = "s"
kind = "reflection"
title = { da = "S", en = "S" }
"#;
        let err = format!("{:#}", Programme::from_toml("a.toml", source).unwrap_err());
        assert!(err.contains("needs at least one prompt"), "{err}");
        assert!(
            err.starts_with("a.toml, line 5:"),
            "the line of the step: {err}"
        );
    }

    #[test]
    fn duplicate_step_ids_and_bad_scales_are_refused() {
        let dup = r#"
id = "a"
title = { da = "A", en = "A" }
[[steps]]
id = "s"
kind = "info"
title = { da = "S", en = "S" }
[[steps]]
id = "s"
kind = "end"
title = { da = "S", en = "S" }
"#;
        assert!(
            format!("{:#}", Programme::from_toml("a.toml", dup).unwrap_err()).contains("twice")
        );
        let scale = r#"
id = "a"
title = { da = "A", en = "A" }
[[steps]]
id = "s"
kind = "reflection"
title = { da = "S", en = "S" }
[[steps.prompts]]
kind = "scale"
id = "q"
label = { da = "Q", en = "Q" }
min = 5
max = 5
min_label = { da = "lav", en = "low" }
max_label = { da = "høj", en = "high" }
"#;
        assert!(
            format!("{:#}", Programme::from_toml("a.toml", scale).unwrap_err())
                .contains("min < max")
        );
    }
}
