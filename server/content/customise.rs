//! A facilitator's own version of a programme: replacement cards, topics and actor categories,
//! given when a session or series is created.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Card, Programme, StepKind, Text, Topic};
use crate::domain::activity::MAX_LIVE_TEXT;
use crate::kinds::grid::MAX_TOPICS;

/// Most cards a facilitator's own deck may have.
pub const MAX_CARDS: usize = 100;
/// Most actor categories a map step may suggest.
pub const MAX_CATEGORIES: usize = 50;
/// Longest card, topic or category, in characters: the same as one typed live.
const MAX_ENTRY_CHARS: usize = MAX_LIVE_TEXT;

/// Replacements for a step's cards, topics or actor categories. Each entry is a text, or
/// `{da, en}`.
#[derive(Deserialize, Serialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct StepChanges {
    /// The deck of a cards step.
    #[serde(default)]
    pub cards: Option<Vec<TextInput>>,
    /// The topics of a grid step.
    #[serde(default)]
    pub topics: Option<Vec<TextInput>>,
    /// The suggested actor roles of a map step.
    #[serde(default)]
    pub categories: Option<Vec<TextInput>>,
}

/// A text typed in one language (used for both) or given in both.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(untagged)]
pub enum TextInput {
    /// The same text in Danish and English.
    One(String),
    /// Both languages.
    Both(Text),
}

impl TextInput {
    fn into_text(self) -> Result<Text, String> {
        let text = match self {
            TextInput::One(t) => Text {
                da: t.trim().to_owned(),
                en: t.trim().to_owned(),
            },
            TextInput::Both(t) => Text {
                da: t.da.trim().to_owned(),
                en: t.en.trim().to_owned(),
            },
        };
        let fits = |s: &str| {
            !s.is_empty()
                && s.chars().count() <= MAX_ENTRY_CHARS
                && !s.chars().any(char::is_control)
        };
        if fits(&text.da) && fits(&text.en) {
            Ok(text)
        } else {
            Err(format!(
                "each card, topic or category is 1–{MAX_ENTRY_CHARS} characters"
            ))
        }
    }
}

/// A preparation text or link given at creation (issue 17): a title, and a link and/or a
/// short text, each text in one language (used for both) or both.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// What it is.
    pub title: TextInput,
    /// Where to read it: an `http://` or `https://` address.
    #[serde(default)]
    pub url: Option<String>,
    /// A short text.
    #[serde(default)]
    pub text: Option<TextInput>,
}

/// A session's own preparation texts, replacing its programme's: at most
/// [`super::MAX_ARTICLES`], each checked (`Article::check`), texts in NFC and without
/// deceiving characters. The error says what is wrong, in English.
pub fn articles(inputs: Vec<ArticleInput>) -> Result<Vec<super::Article>, String> {
    if inputs.len() > super::MAX_ARTICLES {
        return Err(format!("at most {} articles", super::MAX_ARTICLES));
    }
    let typed = |text: &str| -> Result<String, String> {
        let text = crate::typed::normalised(text.trim())
            .map_err(|_| "an article's text has invisible or reordering characters".to_owned())?;
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err("an article's text has control characters".into());
        }
        Ok(text)
    };
    let both = |input: TextInput| -> Result<Text, String> {
        Ok(match input {
            TextInput::One(t) => {
                let t = typed(&t)?;
                Text {
                    da: t.clone(),
                    en: t,
                }
            }
            TextInput::Both(t) => Text {
                da: typed(&t.da)?,
                en: typed(&t.en)?,
            },
        })
    };
    inputs
        .into_iter()
        .map(|input| {
            let article = super::Article {
                title: both(input.title)?,
                url: input
                    .url
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty()),
                text: input.text.map(both).transpose()?.unwrap_or_default(),
            };
            article.check()?;
            Ok(article)
        })
        .collect()
}

/// Applies a facilitator's changes to a programme; the caller validates the result.
pub fn apply_changes(
    programme: &mut Programme,
    changes: &BTreeMap<String, StepChanges>,
) -> Result<(), String> {
    for (step_id, change) in changes {
        let step = programme
            .steps
            .iter_mut()
            .find(|s| &s.id == step_id)
            .ok_or_else(|| format!("the programme has no step '{step_id}'"))?;
        let texts =
            |list: &Option<Vec<TextInput>>, max: usize| -> Result<Option<Vec<Text>>, String> {
                match list {
                    None => Ok(None),
                    Some(list) if list.len() > max => {
                        Err(format!("step '{step_id}': at most {max} entries"))
                    }
                    Some(list) => list
                        .iter()
                        .cloned()
                        .map(TextInput::into_text)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some),
                }
            };
        let wrong = |what: &str| Err(format!("step '{step_id}' has no {what} to change"));
        if let Some(cards) = texts(&change.cards, MAX_CARDS)? {
            if step.kind != StepKind::Cards {
                return wrong("cards");
            }
            step.cards = cards
                .into_iter()
                .enumerate()
                .map(|(i, text)| Card {
                    id: format!("kort-{}", i + 1),
                    text,
                    theme: Default::default(),
                })
                .collect();
        }
        if let Some(topics) = texts(&change.topics, MAX_TOPICS)? {
            if step.kind != StepKind::Grid {
                return wrong("topics");
            }
            step.topics = topics
                .into_iter()
                .enumerate()
                .map(|(i, text)| Topic {
                    id: format!("emne-{}", i + 1),
                    text,
                })
                .collect();
        }
        if let Some(categories) = texts(&change.categories, MAX_CATEGORIES)? {
            if step.kind != StepKind::Map {
                return wrong("actor categories");
            }
            step.categories = categories;
        }
    }
    Ok(())
}
