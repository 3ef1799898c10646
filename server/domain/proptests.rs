//! Property tests of the pure core: random commands from random actors, on every built-in
//! programme, with values in range, out of range and of the wrong kind. After every command:
//! no panic, the invariants hold, a refusal or a duplicate changes nothing, an applied operation
//! sent again is a duplicate, and every view and export of the state can be built. At the end,
//! the events (through JSON, as the store keeps them) replayed from the start, and the state
//! through a JSON snapshot, give the same state.
//!
//! 256 cases by default; more with `PROPTEST_CASES=10000 cargo test --lib proptests`.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use super::answers::ListItem;
use super::*;
use crate::audience::Audience;
use crate::content::{Library, Prompt};
use crate::protocol;

/// Every built-in programme: together they have every kind of step.
const PROGRAMMES: &[&str] = &[
    "del1",
    "del2",
    "del3",
    "enkelte-leder",
    "ledergruppen",
    "organisationen",
    "opfolgning",
];

/// One random command, as raw numbers and a text; [`command`] reads it against the state, so
/// most commands name real steps, prompts, topics and rows and many of them apply.
#[derive(Clone, Debug)]
struct Draw {
    actor: u8,
    what: u8,
    picks: [u16; 4],
    number: i64,
    text: String,
    flag: bool,
}

fn number() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -3i64..12,
        2 => 0i64..=101,
        1 => any::<i64>(),
        1 => prop_oneof![
            Just(i64::MAX),
            Just(i64::MIN),
            Just(i64::from(u32::MAX) + 1),
            Just(14_401),
        ],
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zæøå ]{0,12}",
        2 => "\\PC{0,24}",
        1 => Just(String::new()),
        1 => Just("   ".to_owned()),
        1 => Just("x".repeat(301)),
        1 => Just("y".repeat(2_001)),
        1 => Just("a\u{0}b\nc".to_owned()),
        2 => "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
    ]
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<[u16; 4]>(),
        number(),
        text(),
        any::<bool>(),
    )
        .prop_map(|(actor, what, picks, number, text, flag)| Draw {
            actor,
            what,
            picks,
            number,
            text,
            flag,
        })
}

fn created(programme: &str, min_group: u32, seed: u64) -> Created {
    let library = Library::builtin().unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    Created {
        code: JoinCode::random(&mut rng),
        programme: library.get(programme).unwrap().clone(),
        lang: Lang::Da,
        min_group,
        created_at_ms: 1_795_305_600_000,
        base_url: "http://127.0.0.1:8080".into(),
        facilitator_token: Token::random(&mut rng),
        projector_token: Token::random(&mut rng),
        series: None,
        publication: crate::domain::Publication::PerResult,
        planned: None,
        tables: None,
        // A follow-up (issue 17) has rows to review and earlier points of its trends.
        follows: (programme == "opfolgning").then(|| follow_up(&mut rng)),
    }
}

/// What a follow-up copied: two rows to review, points of both recurring questions.
fn follow_up(rng: &mut StdRng) -> crate::domain::Followed {
    use crate::domain::follow::MeetingRef;
    let code = JoinCode::random(rng).to_string();
    let from = MeetingRef {
        code: code.clone(),
        title: crate::content::Text {
            da: "Del 3".into(),
            en: "Part 3".into(),
        },
        date: "2027-03-09".into(),
    };
    let row = |id: &str, area: &str| ReviewRow {
        key: format!("{code}:handleplan:{id}"),
        from: from.clone(),
        area: area.into(),
        action: format!("Handling {id}"),
        first_step: String::new(),
        owner: "Mette".into(),
        deadline: "2027-04-01".into(),
        follow_up: String::new(),
        last_status: None,
        last_note: String::new(),
    };
    let point = |key: &str, n: u32| TrendPoint {
        key: key.into(),
        from: from.clone(),
        label: crate::content::Text::default(),
        min: 1,
        max: 10,
        n,
        counts: (n >= 3).then(|| vec![n, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    };
    crate::domain::Followed {
        from: from.clone(),
        rows: vec![row("r1", "Ledergruppen"), row("r2", "Noget andet")],
        points: vec![point("balance", 2), point("energi-niveau", 3)],
    }
}

fn pick<T: Clone>(items: &[T], n: u16) -> Option<T> {
    (!items.is_empty()).then(|| items[n as usize % items.len()].clone())
}

/// Who gives the command: mostly participants and the facilitator.
fn actor(s: &Session, d: &Draw) -> Role {
    let joined = s.participants().len();
    match d.actor % 20 {
        0..=5 => Role::Facilitator,
        6 => Role::Projector,
        7 => Role::Newcomer,
        _ if joined == 0 => Role::Newcomer,
        _ => Role::Participant(ParticipantId::from_index(d.picks[3] as usize % joined)),
    }
}

/// A step id: mostly the current step, sometimes any step, rarely one that does not exist.
fn step_id(s: &Session, d: &Draw) -> (Option<usize>, String) {
    let steps = &s.programme().steps;
    match d.picks[1] % 8 {
        0 => (None, "findes-ikke".into()),
        1..=3 => {
            let index = d.picks[1] as usize % steps.len();
            (Some(index), steps[index].id.clone())
        }
        _ => (Some(s.step_index()), s.step().id.clone()),
    }
}

/// What a participant could answer in a step: prompts, topics, areas, actor ids, and one
/// that fits nothing.
fn keys(s: &Session, index: Option<usize>) -> Vec<String> {
    let mut keys = vec!["findes-ikke".to_owned(), "a-1".into(), "a-2".into()];
    if let Some(index) = index {
        let step = &s.programme().steps[index];
        keys.extend(step.prompts.iter().map(|p| p.id().to_owned()));
        keys.extend(s.topics(Scope::Hall, index).iter().map(|t| t.id.clone()));
        keys.extend(step.areas.iter().map(|a| a.id.clone()));
    }
    keys
}

fn small(n: i64) -> i64 {
    n.rem_euclid(8) - 1
}

/// An answer value: of the shape the key wants when `fit`, else of any shape.
fn value(s: &Session, index: Option<usize>, key: &str, d: &Draw) -> AnswerInput {
    let n = d.number;
    let areas: Vec<String> = index
        .map(|i| {
            s.programme().steps[i]
                .areas
                .iter()
                .map(|a| a.id.clone())
                .collect()
        })
        .unwrap_or_default();
    let list = || {
        let count = d.picks[2] as usize % 4;
        AnswerInput::List(
            (0..count)
                .map(|i| ListItem {
                    id: if n == 3 && i == 1 {
                        "i0".into()
                    } else {
                        format!("i{i}")
                    },
                    text: if i == 0 {
                        d.text.clone()
                    } else {
                        format!("punkt {i}")
                    },
                    area: if d.flag {
                        pick(&areas, d.picks[0].wrapping_add(i as u16))
                    } else {
                        None
                    },
                })
                .collect(),
        )
    };
    let circles = || AnswerInput::Circles {
        now: [n, 100 - n.rem_euclid(101), small(n) * 10],
        wanted: [50, 50, n.rem_euclid(120)],
    };
    let rating = || AnswerInput::Rating {
        importance: (d.picks[2] % 3 != 0).then(|| small(n)),
        success: (d.picks[2] % 5 != 0).then(|| small(n / 3)),
    };
    let actor_entry = || AnswerInput::Actor {
        label: d.text.clone(),
        influence: small(n),
        effect: small(n) - 3,
        closeness: d.flag.then(|| small(n / 7)),
    };
    let personal = || AnswerInput::Personal {
        work: d.text.clone(),
        first_step: "I morgen".into(),
    };
    let fitting = index.and_then(|i| {
        let step = &s.programme().steps[i];
        match step.kind {
            StepKind::Reflection => step
                .prompts
                .iter()
                .find(|p| p.id() == key)
                .map(|p| match p {
                    Prompt::Scale { .. } => AnswerInput::Number(n),
                    Prompt::Text { .. } => AnswerInput::Text(d.text.clone()),
                    Prompt::List { .. } => list(),
                    Prompt::Circles { .. } => circles(),
                }),
            StepKind::Grid => Some(rating()),
            StepKind::Map => Some(actor_entry()),
            StepKind::PersonalPlan => Some(personal()),
            _ => None,
        }
    });
    match (d.picks[2] % 10, fitting) {
        (0..=6, Some(fitting)) => fitting,
        (7, _) => AnswerInput::Clear,
        (k, _) => match k.wrapping_add(d.picks[0]) % 7 {
            0 => AnswerInput::Number(n),
            1 => AnswerInput::Text(d.text.clone()),
            2 => list(),
            3 => circles(),
            4 => rating(),
            5 => actor_entry(),
            _ => personal(),
        },
    }
}

fn row(s: &Session, index: Option<usize>, d: &Draw) -> RowFields {
    let areas: Vec<String> = index
        .map(|i| {
            s.programme().steps[i]
                .areas
                .iter()
                .map(|a| a.id.clone())
                .collect()
        })
        .unwrap_or_default();
    RowFields {
        area: if d.picks[2] % 6 == 0 {
            "findes-ikke".into()
        } else {
            pick(&areas, d.picks[0]).unwrap_or_default()
        },
        action: if d.flag {
            d.text.clone()
        } else {
            "Gør noget".into()
        },
        first_step: "Første skridt".into(),
        owner: if d.picks[0] % 4 == 0 {
            d.text.clone()
        } else {
            "Anna".into()
        },
        deadline: if d.picks[2] % 3 == 0 {
            d.text.clone()
        } else {
            "2027-02-01".into()
        },
        follow_up: String::new(),
        answers: (d.picks[2] % 4 == 0).then(|| d.text.clone()),
    }
}

/// An activity action on step `index`, with ids taken from the state where there are some:
/// mostly one the step's kind has and the actor may give, sometimes any.
fn action(s: &Session, actor: Role, index: Option<usize>, d: &Draw) -> Action {
    let i = index.unwrap_or(0);
    let topics: Vec<String> = s
        .topics(Scope::Hall, i)
        .iter()
        .map(|t| t.id.clone())
        .collect();
    let rows: Vec<String> = s
        .state(Scope::Hall, i)
        .plan
        .rows
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let deck: Vec<String> = s
        .deck(Scope::Hall, i)
        .iter()
        .map(|c| c.id.clone())
        .collect();
    let prompts: Vec<String> = s.programme().steps[i]
        .prompts
        .iter()
        .map(|p| p.id().to_owned())
        .collect();
    let row_id = || {
        if d.picks[2] % 5 == 0 {
            "r999".to_owned()
        } else {
            pick(&rows, d.picks[0]).unwrap_or_else(|| "r1".into())
        }
    };
    let some_topics = || {
        let count = d.picks[2] as usize % 5;
        (0..count)
            .map(|k| {
                pick(
                    &topics,
                    d.picks[0].wrapping_add(k as u16 * (d.picks[3] % 3)),
                )
            })
            .map(|t| t.unwrap_or_else(|| "findes-ikke".into()))
            .collect::<Vec<_>>()
    };
    let joined = s.participants().len();
    let fitting: &[u8] = match s.programme().steps[i].kind {
        StepKind::Reflection => &[0, 0, 2, 3],
        StepKind::PersonalPlan => &[1],
        StepKind::Cards => &[4, 4, 5, 6, 7],
        StepKind::Grid => &[2, 8, 9, 10, 11, 12, 13, 13],
        StepKind::Map => &[2, 14],
        StepKind::Plan => &[15, 16, 17, 18, 19, 20, 22],
        StepKind::Evaluation => &[0, 0, 2, 3, 23],
        StepKind::Review => &[21, 21, 21],
        StepKind::Info | StepKind::End => &[],
    };
    // Participants share, vote, propose rows, add topics, pass and review; the rest is staff's.
    let theirs = |a: &u8| matches!(a, 0 | 1 | 6 | 8 | 13 | 15 | 16 | 21);
    let participant = matches!(actor, Role::Participant(_));
    let fitting: Vec<u8> = fitting
        .iter()
        .copied()
        .filter(|a| theirs(a) == participant || *a == 6 || *a == 8 || *a == 21)
        .collect();
    let which = match pick(&fitting, d.picks[1] / 8) {
        Some(which) if d.what % 4 != 0 => which,
        _ => d.what % 24,
    };
    let review_key = || {
        let keys: Vec<String> = s.review_rows().map(|r| r.key.clone()).collect();
        if d.picks[2] % 5 == 0 {
            "findes:ikke:r1".to_owned()
        } else {
            pick(&keys, d.picks[0]).unwrap_or_else(|| "findes:ikke:r1".into())
        }
    };
    match which {
        0 => Action::Share {
            prompt: pick(&prompts, d.picks[0]).unwrap_or_else(|| "findes-ikke".into()),
            item: (d.picks[2] % 3 != 0).then(|| format!("i{}", d.picks[2] % 3)),
            share: d.picks[3] % 4 != 0,
            named: d.flag,
        },
        1 => Action::SharePlan { share: d.flag },
        2 => Action::Reveal { revealed: d.flag },
        3 => Action::Group {
            shares: (0..d.picks[2] % 4)
                .map(|k| (d.picks[0] as u32 + u32::from(k)) % (s.shares().len() as u32 + 2))
                .collect(),
            label: d.flag.then(|| d.text.clone()),
        },
        4 => Action::Deal {
            card: match d.picks[2] % 3 {
                0 => None,
                1 => pick(&deck, d.picks[0]),
                _ => Some("findes-ikke".into()),
            },
            to: match d.picks[0] % 3 {
                0 => DealTo::Room,
                1 => DealTo::Turn,
                _ => DealTo::Participant(ParticipantId::from_index(
                    d.picks[3] as usize % (joined + 2),
                )),
            },
        },
        5 => Action::AddCard {
            text: d.text.clone(),
        },
        6 => Action::Pass,
        7 => Action::Note {
            text: d.text.clone(),
        },
        8 => Action::AddTopic {
            text: d.text.clone(),
        },
        9 => Action::AllowTopics { allowed: d.flag },
        10 => Action::Place {
            topic: pick(&topics, d.picks[0]).unwrap_or_else(|| "findes-ikke".into()),
            position: d.flag.then(|| (small(d.number), small(d.number / 5))),
        },
        11 => Action::Prioritise {
            topics: some_topics(),
        },
        12 => Action::OpenVote { open: d.flag },
        13 => Action::Vote {
            topics: some_topics(),
        },
        14 => Action::Merge {
            labels: (0..d.picks[2] % 4)
                .map(|k| {
                    if k == 0 {
                        d.text.clone()
                    } else {
                        format!("Rolle {}", d.picks[0] % 3 + k)
                    }
                })
                .collect(),
            into: if d.flag {
                "Samlet".into()
            } else {
                d.text.clone()
            },
        },
        15 | 16 => Action::AddRow {
            row: row(s, index, d),
        },
        17 => Action::EditRow {
            id: row_id(),
            row: row(s, index, d),
        },
        18 => Action::AcceptRow {
            id: row_id(),
            accepted: d.flag,
        },
        19 => Action::DeleteRow { id: row_id() },
        21 => Action::Review {
            row: review_key(),
            status: match d.picks[3] % 5 {
                0 => None,
                k => Some(crate::domain::Status::ALL[usize::from(k) - 1]),
            },
            note: if d.flag {
                d.text.clone()
            } else {
                String::new()
            },
        },
        22 => Action::CarryOn { row: review_key() },
        23 => Action::Import {
            rows: (0..d.picks[2] % 4)
                .map(|k| crate::kinds::evaluation::EvalRow {
                    item: if k == 0 {
                        d.text.clone()
                    } else {
                        format!("Spørgsmål {k}")
                    },
                    score: f64::from(d.picks[0] % 60) / 10.0,
                    min: 1,
                    max: 5,
                    n: u32::from(d.picks[3] % 6),
                })
                .collect(),
        },
        _ => Action::MoveRow {
            id: row_id(),
            to: d.number.rem_euclid(rows.len() as i64 + 2) as usize,
        },
    }
}

/// What a draw does to the session: an actor's command, or the server carrying items in from
/// earlier meetings (no actor's command).
#[derive(Clone, Debug)]
#[expect(clippy::large_enum_variant, reason = "one short-lived value per draw")]
enum Input {
    Command(Role, Command),
    Carry(Vec<Carried>),
}

impl Input {
    fn apply(self, s: &mut Session) -> Result<Applied, RuleError> {
        match self {
            Input::Command(actor, command) => s.apply(actor, command),
            Input::Carry(items) => s.carry(items).map(Applied::Events),
        }
    }
}

/// Reads a draw against the state: who, and what — mostly a command this actor may give,
/// sometimes any command at all.
fn command(s: &Session, d: &Draw, rng: &mut StdRng) -> Input {
    let actor = actor(s, d);
    // A pool of operation ids per actor, so ids come back now and then.
    let op = OpId::parse(&format!("o{}", (d.picks[0] ^ d.picks[3]) % 128)).unwrap();
    let (index, step) = step_id(s, d);
    let theirs: &[u8] = match actor {
        Role::Facilitator => &[1, 1, 2, 3, 9, 10, 10, 10, 10, 10, 10],
        Role::Participant(_) => &[4, 5, 6, 7, 8, 10, 10, 10],
        Role::Newcomer => &[0],
        Role::Projector => &[],
    };
    let what = match pick(theirs, u16::from(d.what / 8)) {
        Some(what) if d.what % 8 != 0 => what,
        _ => d.what % 16,
    };
    let command = match what {
        0 => Command::Join {
            secret: Token::random(rng),
            name: Name::parse(d.text.trim()).ok(),
            at_ms: 1_795_305_600_000,
        },
        1 => Command::Goto {
            op,
            index: d.number.rem_euclid(s.programme().steps.len() as i64 + 1) as usize,
            now_ms: 0,
        },
        2 => Command::StartTimer {
            op,
            seconds: u32::try_from(d.number.rem_euclid(20_000)).unwrap_or(0),
            now_ms: 1_795_305_600_000,
        },
        3 => Command::StopTimer { op },
        4..=7 => {
            let key = pick(&keys(s, index), d.picks[0]).unwrap();
            Command::Answer {
                op,
                value: value(s, index, &key, d),
                step,
                prompt: key,
            }
        }
        8 => Command::SetReady {
            op,
            step,
            ready: d.flag,
        },
        9 => {
            return Input::Carry(
                (0..d.picks[2] % 3)
                    .map(|k| Carried {
                        from: crate::content::Text {
                            da: "Del 1".into(),
                            en: "Part 1".into(),
                        },
                        kind: CarriedKind::Row,
                        text: format!("{} {k}", d.text),
                    })
                    .collect(),
            );
        }
        _ => Command::Activity {
            op,
            action: action(s, actor, index, d),
            step,
            table: None,
        },
    };
    Input::Command(actor, command)
}

/// What commands can change, as JSON, with the sets of operation ids sorted (their order
/// means nothing). What was fixed at creation is left out: nothing changes it.
fn normal(s: &Session) -> Value {
    let mut ops: Vec<&OpId> = s.facilitator_ops.iter().collect();
    ops.sort_by_key(|o| o.as_str());
    let participants: Vec<Value> = s
        .participants
        .iter()
        .map(|p| {
            let mut mine: Vec<&OpId> = p.ops.iter().collect();
            mine.sort_by_key(|o| o.as_str());
            serde_json::json!({
                "id": p.id, "secret": p.secret, "name": p.name, "joined_at_ms": p.joined_at_ms,
                "answers": p.answers, "ready": p.ready, "plan_shared": p.plan_shared, "ops": mine,
            })
        })
        .collect();
    serde_json::json!({
        "step": s.step,
        "timer": s.timer,
        "participants": participants,
        "facilitator_ops": ops,
        "seq": s.seq,
        "steps": s.steps,
        "shares": s.shares,
        "carried": s.carried,
        "carried_rows": s.carried_rows,
        "carried_points": s.carried_points,
    })
}

/// Builds everything a screen (staff, phones, and the participant `who`, or all when `None`)
/// or an export may be given; none of it may panic.
fn every_view(s: &Session, who: Option<Role>) {
    let mut roles = vec![Role::Facilitator, Role::Projector, Role::Newcomer];
    match who {
        Some(actor @ Role::Participant(_)) => roles.push(actor),
        Some(_) => {}
        None => roles.extend(s.participants().iter().map(|p| Role::Participant(p.id))),
    }
    for role in roles {
        let me = match role {
            Role::Participant(id) => s.participant(id),
            _ => None,
        };
        let links = protocol::Links {
            join_url: "http://x/j/C",
            projector_url: "p",
        };
        for preview in [false, true] {
            let audience = Audience::of(role, preview);
            let snapshot =
                protocol::ServerMsg::snapshot(s, audience, Scope::Hall, me, links, |_| true, 0);
            let _ = snapshot.to_json();
        }
    }
    for (index, step) in s.programme().steps.iter().enumerate() {
        if step.kind == StepKind::PersonalPlan {
            for p in s.participants() {
                let _ = s.personal_plan(p.id, index);
            }
        }
    }
}

fn exports(s: &Session) {
    use crate::export::{Format, session};
    let outcome = s.outcome();
    for format in [Format::Markdown, Format::Html, Format::Csv, Format::Json] {
        session(&outcome, format).unwrap();
    }
}

fn run(programme: &str, min_group: u32, draws: &[Draw]) -> Result<(), TestCaseError> {
    let created = created(programme, min_group, draws.len() as u64);
    let mut s = Session::new(created.clone());
    let mut rng = StdRng::seed_from_u64(1);
    let mut log: Vec<Event> = Vec::new();
    for d in draws {
        let input = command(&s, d, &mut rng);
        let before = normal(&s);
        let seq = s.seq();
        let result = input.clone().apply(&mut s);
        if let Err(broken) = s.check_invariants() {
            return Err(TestCaseError::fail(format!(
                "{input:?} broke an invariant: {broken}"
            )));
        }
        match result {
            Err(_) | Ok(Applied::Duplicate) => {
                prop_assert_eq!(&normal(&s), &before, "{:?} changed the state", input);
            }
            Ok(Applied::Events(events)) => {
                // Views depend on the state alone: build them whenever it changed.
                let who = match &input {
                    Input::Command(actor, _) => *actor,
                    Input::Carry(_) => Role::Facilitator,
                };
                every_view(&s, Some(who));
                prop_assert_eq!(s.seq(), seq + events.len() as u64);
                log.extend(events);
                if matches!(input, Input::Command(_, Command::Join { .. })) {
                    // A join has no operation id: each one is a new participant.
                    continue;
                }
                let after = normal(&s);
                match input.clone().apply(&mut s) {
                    Ok(Applied::Duplicate) => {}
                    Ok(Applied::Events(events))
                        if events.is_empty() && matches!(input, Input::Carry(_)) => {}
                    other => {
                        return Err(TestCaseError::fail(format!(
                            "{input:?} sent again gave {other:?}"
                        )));
                    }
                }
                prop_assert_eq!(&normal(&s), &after, "a resent operation changed the state");
            }
        }
    }
    every_view(&s, None);
    exports(&s);
    let mut replayed = Session::new(created);
    for event in &log {
        let stored = serde_json::to_string(event).unwrap();
        replayed.evolve(&serde_json::from_str(&stored).unwrap());
    }
    prop_assert_eq!(normal(&replayed), normal(&s), "the replayed events differ");
    let snapshot: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    prop_assert_eq!(normal(&snapshot), normal(&s), "the snapshot differs");
    prop_assert_eq!(
        serde_json::to_value(snapshot.created()).unwrap(),
        serde_json::to_value(s.created()).unwrap()
    );
    snapshot.check_invariants().map_err(TestCaseError::fail)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_commands_keep_the_invariants_refusals_change_nothing_and_events_replay(
        programme in prop::sample::select(PROGRAMMES),
        min_group in 1u32..4,
        draws in prop::collection::vec(draw(), 1..160),
    ) {
        run(programme, min_group, &draws)?;
    }
}
