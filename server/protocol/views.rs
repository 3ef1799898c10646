//! The current step's activity as each audience may see it.

use serde_json::{Value, json};

use crate::audience::Audience;
use crate::content::StepKind;
use crate::domain::{ParticipantId, Session};

fn pick_stat(stat: Option<crate::domain::activity::Stat>) -> Value {
    match stat {
        Some(s) => {
            json!({ "mean": (s.mean * 100.0).round() / 100.0, "sd": (s.sd * 100.0).round() / 100.0, "n": s.n })
        }
        None => Value::Null,
    }
}

/// The current step's activity as `audience` may see it (see [`Audience`] for who sees what):
/// never one person's private answer.
pub fn activity_view(session: &Session, audience: Audience) -> Value {
    let index = session.step_index();
    let step = session.step();
    let state = session.step_state(index);
    let staff = audience.is_staff();
    let facilitator = audience.is_facilitator();
    let results = audience.sees_results(state.revealed);
    let name_of = |p: ParticipantId| {
        session
            .participant(p)
            .and_then(|p| p.name.as_ref())
            .map(|n| n.as_str().to_owned())
    };
    match step.kind {
        StepKind::Info => Value::Null,
        StepKind::End => agreed_plan(session),
        StepKind::Reflection => {
            let mut view = json!({ "kind": "reflection", "revealed": state.revealed });
            if staff {
                view["shared_count"] = json!(session.share_count(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["scales"] = session
                    .scale_counts(index)
                    .into_iter()
                    .map(|c| json!({ "prompt": c.prompt, "n": c.n, "counts": c.counts }))
                    .collect();
                view["shared"] = session
                    .shared_items(index)
                    .into_iter()
                    .map(|(share, text, name)| json!({ "id": share.id, "text": text, "author": name, "group": share.group }))
                    .collect();
            }
            view
        }
        StepKind::Cards => {
            let deck = session.deck(index);
            let current = session.current_card(index).map(|(dealt, card)| {
                let mut current = json!({
                    "card": { "id": card.id, "text": card.text },
                    "to": dealt.to.map(|p| json!({ "id": p.to_string(), "name": name_of(p) })),
                    "passed": dealt.passed,
                });
                if staff {
                    current["notes"] = json!(dealt.notes);
                }
                current
            });
            let mut view = json!({
                "kind": "cards",
                "deck_size": deck.len(),
                "dealt_count": state.dealt.len(),
                "current": current,
            });
            if facilitator {
                view["deck"] = deck
                    .iter()
                    .map(|c| json!({ "id": c.id, "text": c.text, "dealt": state.dealt.iter().any(|d| d.card == c.id) }))
                    .collect();
                view["participants"] = session
                    .participants()
                    .iter()
                    .map(|p| json!({ "id": p.id.to_string(), "name": p.name.as_ref().map(|n| n.as_str()) }))
                    .collect();
            }
            view
        }
        StepKind::Grid => {
            let topics: Vec<Value> = session
                .topics(index)
                .iter()
                .map(|t| json!({ "id": t.id, "text": t.text }))
                .collect();
            let mut view = json!({
                "kind": "grid",
                "scale_max": step.scale_max,
                "topics": topics,
                "participant_topics": session.participants_add_topics(index),
                "voting": state.voting,
                "revealed": state.revealed,
                "priorities": state.priorities,
                "agreed": state.agreed,
            });
            if staff {
                view["raters"] = json!(session.grid_raters(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["results"] = session
                    .topic_stats(index)
                    .into_iter()
                    .map(|t| {
                        json!({
                            "topic": t.topic,
                            "raters": t.raters,
                            "importance": pick_stat(t.importance),
                            "success": pick_stat(t.success),
                            "dots": t.dots,
                        })
                    })
                    .collect();
            }
            view
        }
        StepKind::Map => {
            let mut view = json!({ "kind": "map", "revealed": state.revealed });
            if staff {
                view["contributors"] = json!(session.map_contributors(index));
                view["published"] = json!(state.published.is_some());
            }
            if results {
                view["actors"] = session
                    .actor_stats(index)
                    .into_iter()
                    .map(|a| {
                        json!({
                            "label": a.label,
                            "named_by": a.named_by,
                            "influence": pick_stat(a.influence),
                            "effect": pick_stat(a.effect),
                        })
                    })
                    .collect();
            }
            view
        }
        StepKind::Plan => {
            let rows: Vec<Value> = state.rows.iter().map(|r| plan_row(&r.id, r)).collect();
            json!({ "kind": "plan", "rows": rows })
        }
        StepKind::PersonalPlan => {
            let mut view = json!({ "kind": "personal_plan" });
            if facilitator {
                view["shared"] = session
                    .shared_plans(index)
                    .into_iter()
                    .filter_map(|p| {
                        let plan = session.personal_plan(p, index)?;
                        Some(json!({ "participant": p.to_string(), "plan": plan }))
                    })
                    .collect();
            }
            view
        }
    }
}

/// One action-plan row as every screen sees it, under the id `id`.
fn plan_row(id: &str, r: &crate::domain::activity::PlanRow) -> Value {
    json!({
        "id": id,
        "area": r.fields.area,
        "action": r.fields.action,
        "first_step": r.fields.first_step,
        "owner": r.fields.owner,
        "deadline": r.fields.deadline,
        "follow_up": r.fields.follow_up,
        "answers": r.fields.answers,
        "accepted": r.accepted,
    })
}

/// What the end of a meeting shows everyone: the accepted rows of every plan step, with the
/// areas they belong to (first title wins when two plan steps share an area id). Row ids are
/// prefixed by their step's id, so rows of two plan steps stay apart. Null without rows.
fn agreed_plan(session: &Session) -> Value {
    let mut areas: Vec<&crate::content::Area> = Vec::new();
    let mut rows = Vec::new();
    for (index, step) in session.programme().steps.iter().enumerate() {
        if step.kind != StepKind::Plan {
            continue;
        }
        for area in &step.areas {
            if !areas.iter().any(|a| a.id == area.id) {
                areas.push(area);
            }
        }
        rows.extend(
            session
                .step_state(index)
                .rows
                .iter()
                .filter(|r| r.accepted)
                .map(|r| plan_row(&format!("{}:{}", step.id, r.id), r)),
        );
    }
    if rows.is_empty() {
        return Value::Null;
    }
    json!({ "kind": "end", "areas": areas, "rows": rows })
}
