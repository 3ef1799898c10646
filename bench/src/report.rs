//! Results: one row per measured figure, printed as a table and written as JSON.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::stats::Samples;

/// One figure of one scenario, with trivsel's and the baseline's percentiles.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Scenario and measure, e.g. `ops-ack`.
    pub name: String,
    /// Participants in the measured phase (all rooms together).
    pub participants: usize,
    /// trivsel's median, ms.
    pub p50_ms: f64,
    /// trivsel's 99th percentile, ms.
    pub p99_ms: f64,
    /// The baseline's median, ms.
    pub baseline_p50_ms: f64,
    /// The baseline's 99th percentile, ms.
    pub baseline_p99_ms: f64,
    /// `p99_ms / baseline_p99_ms`.
    pub ratio: f64,
    /// trivsel's samples.
    pub samples: usize,
    /// The baseline's samples.
    pub baseline_samples: usize,
    /// The goal, in words.
    pub goal: String,
    /// Whether the goal was met (`null` when this run cannot tell, e.g. a quick run).
    pub met: Option<bool>,
    /// Figures particular to the scenario (bytes per operation, memory, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Row {
    /// A row from trivsel's and the baseline's samples.
    pub fn new(name: &str, participants: usize, ours: &Samples, baseline: &Samples) -> Self {
        let (p99, base99) = (round(ours.p99()), round(baseline.p99()));
        Row {
            name: name.into(),
            participants,
            p50_ms: round(ours.p50()),
            p99_ms: p99,
            baseline_p50_ms: round(baseline.p50()),
            baseline_p99_ms: base99,
            ratio: ratio(ours.p99(), baseline.p99()),
            samples: ours.len(),
            baseline_samples: baseline.len(),
            goal: String::new(),
            met: None,
            extra: Map::new(),
        }
    }

    /// Adds a scenario-specific figure.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// States the goal and whether it was met.
    pub fn goal(mut self, goal: &str, met: Option<bool>) -> Self {
        self.goal = goal.into();
        self.met = met;
        self
    }
}

/// Two decimals.
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `a / b` to two decimals; 0 when `b` is 0.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { round(a / b) } else { 0.0 }
}

/// Prints the rows as a table.
pub fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(16);
    println!(
        "{:<width$} {:>7} {:>9} {:>9} {:>9} {:>9} {:>7}  {:<5} goal / notes",
        "figure", "people", "p50 ms", "p99 ms", "base p50", "base p99", "ratio", "met"
    );
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        let notes: Vec<String> = row
            .extra
            .iter()
            .map(|(k, v)| format!("{k}={}", compact(v)))
            .collect();
        println!(
            "{:<width$} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7.2}  {:<5} {}{}{}",
            row.name,
            row.participants,
            row.p50_ms,
            row.p99_ms,
            row.baseline_p50_ms,
            row.baseline_p99_ms,
            row.ratio,
            met,
            row.goal,
            if notes.is_empty() { "" } else { "; " },
            notes.join(" ")
        );
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.2}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes `{"scenarios": [...], ...}` to `path`.
pub fn write_json(path: &Path, rows: &[Row], context: Value) -> anyhow::Result<()> {
    let mut doc = json!({ "scenarios": rows });
    if let (Some(doc), Value::Object(context)) = (doc.as_object_mut(), context) {
        doc.extend(context);
    }
    let text = serde_json::to_string_pretty(&doc)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}
