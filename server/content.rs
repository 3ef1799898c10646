//! Programmes: the workshop scripts a session is created from. Parsed from TOML files (built in,
//! or from `--content DIR`), validated once at start-up, then immutable.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// The programme files compiled into the binary.
const BUILTIN: &[(&str, &str)] = &[
    (
        "del1-egen-trivsel.toml",
        include_str!("../content/del1-egen-trivsel.toml"),
    ),
    (
        "enkelte-leder.toml",
        include_str!("../content/enkelte-leder.toml"),
    ),
];

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

/// A complete workshop programme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Stable identifier used in the API, e.g. `del1`.
    pub id: String,
    /// Shown in lists and on the projector.
    pub title: Text,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// What a step asks of the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Something to read or hear; no input.
    Info,
    /// Private reflection: prompts each participant answers for themselves.
    Reflection,
    /// The closing step.
    End,
}

impl StepKind {
    /// The kind's name on the wire and in content files.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Info => "info",
            StepKind::Reflection => "reflection",
            StepKind::End => "end",
        }
    }
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
    /// The participants' instruction; blank lines separate paragraphs.
    #[serde(default)]
    pub body: Text,
    /// The facilitator's private notes: what to say, how to run it, timing.
    #[serde(default)]
    pub notes: Text,
    /// Suggested duration in minutes.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// Questions for a reflection step.
    #[serde(default)]
    pub prompts: Vec<Prompt>,
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
}

fn default_text_len() -> usize {
    DEFAULT_TEXT_LEN
}

impl Prompt {
    /// The prompt's id.
    pub fn id(&self) -> &str {
        match self {
            Prompt::Scale { id, .. } | Prompt::Text { id, .. } => id,
        }
    }
}

impl Programme {
    /// Parses and validates one programme file; errors name the file and, where TOML knows it,
    /// the line.
    pub fn from_toml(file: &str, source: &str) -> anyhow::Result<Self> {
        let programme: Programme = toml::from_str(source).map_err(|e| {
            let line = e
                .span()
                .map(|span| source[..span.start].lines().count().max(1));
            match line {
                Some(line) => anyhow::anyhow!("{file}, line {line}: {}", e.message()),
                None => anyhow::anyhow!("{file}: {}", e.message()),
            }
        })?;
        programme
            .validate()
            .with_context(|| format!("{file}: programme '{}'", programme.id))?;
        Ok(programme)
    }

    /// Checks what the types cannot: ids, ranges and the shape of each step.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !is_slug(&self.id) {
            bail!("id must be lower-case letters, digits and dashes");
        }
        if self.steps.is_empty() {
            bail!("a programme needs at least one step");
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
            match step.kind {
                StepKind::Reflection if step.prompts.is_empty() => {
                    bail!(
                        "step '{}': a reflection step needs at least one prompt",
                        step.id
                    )
                }
                StepKind::Info | StepKind::End if !step.prompts.is_empty() => {
                    bail!("step '{}': only reflection steps have prompts", step.id)
                }
                _ => {}
            }
            let mut prompt_ids = HashSet::new();
            for prompt in &step.prompts {
                if !is_slug(prompt.id()) {
                    bail!(
                        "step '{}': prompt id '{}' is not a valid id",
                        step.id,
                        prompt.id()
                    );
                }
                if !prompt_ids.insert(prompt.id()) {
                    bail!("step '{}': prompt '{}' appears twice", step.id, prompt.id());
                }
                match prompt {
                    Prompt::Scale { min, max, .. } if min >= max || max - min > 100 => {
                        bail!(
                            "step '{}': prompt '{}' needs min < max (at most 100 apart)",
                            step.id,
                            prompt.id()
                        )
                    }
                    Prompt::Text { max_len, .. } if *max_len == 0 || *max_len > MAX_TEXT_LEN => {
                        bail!(
                            "step '{}': prompt '{}' needs max_len between 1 and {MAX_TEXT_LEN}",
                            step.id,
                            prompt.id()
                        )
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The step with this id and its index.
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

fn is_slug(id: &str) -> bool {
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
}

impl Library {
    /// The programmes compiled into the binary.
    pub fn builtin() -> anyhow::Result<Self> {
        Self::from_sources(BUILTIN.iter().map(|(f, s)| (f.to_string(), s.to_string())))
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
        for (file, source) in files {
            let programme = Programme::from_toml(&file, &source)?;
            if programmes.iter().any(|p| p.id == programme.id) {
                bail!("{file}: programme id '{}' is used twice", programme.id);
            }
            programmes.push(programme);
        }
        Ok(Library { programmes })
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
