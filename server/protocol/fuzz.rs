//! Fuzzing the wire decoder with proptest: arbitrary text, arbitrary JSON, and every client
//! message with fields removed, replaced by values of any type, added, or cut short. Reading a
//! frame never panics; what cannot be read is a typed error with a documented code, naming the
//! operation when the message had a readable one; what can be read then goes through the
//! domain core (with the right and the wrong roles, at every step) without a panic.
//!
//! 256 cases per property by default; more with `PROPTEST_CASES=10000 cargo test --lib fuzz`.

use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::{Map, Value, json};

use super::*;
use crate::content::Library;
use crate::domain::{
    Command, Created, JoinCode, Lang, OpId, ParticipantId, Role, Scope, Session, Token,
};

/// Codes a frame that cannot be read may get (see `docs/PROTOCOL.md`).
const PARSE_CODES: &[&str] = &["bad_message"];
const OPENING_CODES: &[&str] = &[
    "bad_message",
    "invalid",
    "too_long",
    "invisible_text",
    "reordering_text",
    super::client::UNAUTHORIZED,
];
const COMMAND_CODES: &[&str] = &["bad_message", "invalid"];

/// One well-formed message of every type and every activity action.
fn templates() -> Vec<Value> {
    let row = json!({ "area": "ledergruppen", "action": "Fælles frokost", "first_step": "Book et lokale",
                      "owner": "Anna", "deadline": "2027-02-01", "follow_up": "", "answers": "Tillid" });
    let act = |action: Value| {
        let mut msg = json!({ "type": "act", "op": "a1", "step": "handleplan" });
        for (k, v) in action.as_object().unwrap() {
            msg[k] = v.clone();
        }
        msg
    };
    vec![
        json!({ "type": "hello", "token": "a".repeat(40), "last_seq": 3, "preview": false }),
        json!({ "type": "join", "name": "Anna" }),
        json!({ "type": "resume", "participant": "p0", "secret": "b".repeat(40), "last_seq": 0 }),
        json!({ "type": "goto", "op": "g1", "index": 1 }),
        json!({ "type": "timer_start", "op": "t1", "seconds": 300 }),
        json!({ "type": "timer_stop", "op": "t2" }),
        json!({ "type": "answer", "op": "s1", "step": "arbejde-privat", "prompt": "balance", "value": 7 }),
        json!({ "type": "answer", "op": "s2", "step": "energi", "prompt": "stikord",
                "value": [{ "id": "i1", "text": "Kaffe", "area": "giver" }] }),
        json!({ "type": "answer", "op": "s3", "step": "arbejde-privat", "prompt": "cirkler",
                "value": { "now": { "work": 60, "private": 40, "overlap": 10 },
                           "wanted": { "work": 50, "private": 50, "overlap": 20 } } }),
        json!({ "type": "answer", "op": "s4", "step": "prioritering", "prompt": "tillid",
                "value": { "importance": 4, "success": 2 } }),
        json!({ "type": "answer", "op": "s5", "step": "kortet", "prompt": "a-1",
                "value": { "label": "Pårørende", "influence": 4, "effect": -2, "closeness": 3 } }),
        json!({ "type": "answer", "op": "s6", "step": "min-trivsel", "prompt": "selvledelse",
                "value": { "work": "Sige nej", "first_step": "I dag" } }),
        json!({ "type": "answer", "op": "s7", "step": "arbejde-privat", "prompt": "balance", "value": null }),
        json!({ "type": "ready", "op": "r1", "step": "arbejde-privat", "ready": true }),
        act(
            json!({ "action": "share", "prompt": "balance-hvorfor", "share": true, "named": false }),
        ),
        act(json!({ "action": "share", "prompt": "stikord", "item": "i1", "share": true })),
        act(json!({ "action": "share_plan", "share": true })),
        act(json!({ "action": "reveal", "revealed": true })),
        act(json!({ "action": "group", "shares": [0, 1], "label": "Tid" })),
        act(json!({ "action": "deal", "to": "turn" })),
        act(json!({ "action": "deal", "card": "tillid-1", "to": "p3" })),
        act(json!({ "action": "add_card", "text": "Hvem hjalp dig sidst?" })),
        act(json!({ "action": "pass" })),
        act(json!({ "action": "note", "text": "En god snak" })),
        act(json!({ "action": "add_topic", "text": "Ro på" })),
        act(json!({ "action": "allow_topics", "allowed": true })),
        act(json!({ "action": "place", "topic": "tillid", "position": [5, 2] })),
        act(json!({ "action": "prioritise", "topics": ["tillid", "fejl"] })),
        act(json!({ "action": "open_vote", "open": true })),
        act(json!({ "action": "vote", "topics": ["tillid", "tillid", "fejl"] })),
        act(json!({ "action": "merge", "labels": ["Chef", "chefen"], "into": "Chefen" })),
        act(json!({ "action": "add_row", "row": row })),
        act(json!({ "action": "edit_row", "id": "r1", "row": row })),
        act(json!({ "action": "accept_row", "id": "r1", "accepted": true })),
        act(json!({ "action": "delete_row", "id": "r1" })),
        act(json!({ "action": "move_row", "id": "r1", "to": 0 })),
    ]
}

/// Any JSON value: deep, wide, with awkward numbers and strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just(-1i64),
            Just(0),
            Just(1),
            Just(255),
            Just(256),
            Just(65_536)
        ]
        .prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("p0"),
            Just("p99999999999999999999"),
            Just("r1"),
            Just("tillid"),
            Just("room"),
            Just("turn"),
            Just("2027-02-30")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,9}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// What to do to a well-formed message.
#[derive(Clone, Debug)]
enum Mutation {
    Remove(usize),
    Replace(usize, Value),
    Add(String, Value),
    Type(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        ("[a-z_]{1,9}", json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
        prop_oneof![
            "[a-z_]{0,12}",
            Just("act".to_owned()),
            Just("answer".to_owned()),
            Just("hello".to_owned())
        ]
        .prop_map(Mutation::Type),
    ]
}

fn mutate(mut msg: Value, mutations: &[Mutation]) -> Value {
    let map = msg.as_object_mut().unwrap();
    for m in mutations {
        let keys: Vec<String> = map.keys().cloned().collect();
        match m {
            Mutation::Remove(i) if !keys.is_empty() => {
                map.remove(&keys[i % keys.len()]);
            }
            Mutation::Replace(i, v) if !keys.is_empty() => {
                map.insert(keys[i % keys.len()].clone(), v.clone());
            }
            Mutation::Add(k, v) => {
                map.insert(k.clone(), v.clone());
            }
            Mutation::Type(t) => {
                map.insert("type".into(), Value::String(t.clone()));
            }
            _ => {}
        }
    }
    msg
}

/// Sessions at several positions of three programmes, with two participants, to run decoded
/// commands against.
fn sessions() -> Vec<Session> {
    static SESSIONS: std::sync::OnceLock<Vec<Session>> = std::sync::OnceLock::new();
    SESSIONS.get_or_init(build_sessions).clone()
}

fn build_sessions() -> Vec<Session> {
    let library = Library::builtin().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut sessions = Vec::new();
    for programme in ["del1", "del2", "del3", "enkelte-leder"] {
        let programme = library.get(programme).unwrap().clone();
        for step in 0..programme.steps.len() {
            let mut s = Session::new(Created {
                code: JoinCode::random(&mut rng),
                programme: programme.clone(),
                lang: Lang::Da,
                min_group: 1,
                created_at_ms: 0,
                base_url: "http://127.0.0.1".into(),
                facilitator_token: Token::random(&mut rng),
                projector_token: Token::random(&mut rng),
                series: None,
                publication: crate::domain::Publication::PerResult,
                planned: None,
                tables: None,
                follows: None,
            });
            for _ in 0..2 {
                let join = Command::Join {
                    secret: Token::random(&mut rng),
                    name: None,
                    at_ms: 0,
                };
                s.apply(Role::Newcomer, join).unwrap();
            }
            let goto = Command::Goto {
                op: OpId::parse("start").unwrap(),
                index: step,
                now_ms: 0,
            };
            s.apply(Role::Facilitator, goto).unwrap();
            sessions.push(s);
        }
    }
    sessions
}

/// Reads `text` as the server does, checks every error, and runs what it reads through a
/// session as every kind of actor: nothing may panic, and a refusal changes nothing.
fn read(text: &str, sessions: &mut [Session], pick: usize) -> Result<(), TestCaseError> {
    let sent_op = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("op").and_then(Value::as_str).map(str::to_owned));
    let msg = match parse_client(text) {
        Ok(msg) => msg,
        Err(e) => {
            prop_assert!(PARSE_CODES.contains(&e.code), "{}", e.code);
            prop_assert_eq!(e.op, sent_op, "the error names the operation sent");
            return Ok(());
        }
    };
    let opening = format!("{msg:?}");
    match msg.into_opening() {
        Ok(_) => return Ok(()),
        Err(e) => prop_assert!(OPENING_CODES.contains(&e.code), "{} {}", e.code, opening),
    }
    let msg = parse_client(text).unwrap();
    let command = match msg.into_command(1_795_305_600_000) {
        Ok(command) => command,
        Err(e) => {
            prop_assert!(COMMAND_CODES.contains(&e.code), "{}", e.code);
            if let Some(op) = &e.op {
                prop_assert_eq!(Some(op), sent_op.as_ref());
            }
            return Ok(());
        }
    };
    prop_assert_eq!(command.op().map(|o| o.as_str().to_owned()), sent_op);
    let s = &mut sessions[pick % sessions.len()];
    for actor in [
        Role::Facilitator,
        Role::Projector,
        Role::Newcomer,
        Role::Participant(ParticipantId::from_index(pick % 2)),
    ] {
        let before = serde_json::to_string(&s.seq()).unwrap();
        let state = format!("{:?}", s.state(Scope::Hall, s.step_index()));
        match s.apply(actor, command.clone()) {
            Err(e) => {
                let _ = WireError::rule(command.op(), &e);
                prop_assert_eq!(serde_json::to_string(&s.seq()).unwrap(), before);
                prop_assert_eq!(format!("{:?}", s.state(Scope::Hall, s.step_index())), state);
            }
            Ok(_) => {
                let _ = activity_view(s, crate::audience::Audience::of(actor, false), Scope::Hall);
            }
        }
        s.check_invariants().map_err(TestCaseError::fail)?;
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_read_or_refused_with_a_typed_error(text in prop_oneof![
        "\\PC{0,64}",
        "\\{\"type\":\"[a-z_]{0,12}\"(,\"[a-z_]{1,8}\":[0-9a-z\"\\[\\]{},:]{0,16}){0,4}\\}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ], pick in any::<usize>()) {
        let mut sessions = sessions();
        read(&text, &mut sessions, pick)?;
    }

    #[test]
    fn any_json_value_is_read_or_refused_with_a_typed_error(value in json_value(), pick in any::<usize>()) {
        let mut sessions = sessions();
        read(&value.to_string(), &mut sessions, pick)?;
    }

    #[test]
    fn every_message_with_fields_removed_replaced_or_added_is_read_or_refused(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 0..4),
        cut in prop::option::weighted(0.15, any::<usize>()),
        pick in any::<usize>(),
    ) {
        let templates = templates();
        let msg = mutate(templates[which % templates.len()].clone(), &mutations);
        let mut text = msg.to_string();
        if let Some(cut) = cut {
            let at = (0..=cut % (text.len() + 1)).rev().find(|i| text.is_char_boundary(*i)).unwrap();
            text.truncate(at);
        }
        let mut sessions = sessions();
        read(&text, &mut sessions, pick)?;
    }
}

#[test]
fn every_template_is_read_without_an_error() {
    for msg in templates() {
        let parsed = parse_client(&msg.to_string()).unwrap_or_else(|e| panic!("{msg}: {e:?}"));
        let opening = matches!(msg["type"].as_str(), Some("hello" | "join" | "resume"));
        if opening {
            parsed.into_opening().unwrap();
        } else {
            parsed.into_command(0).unwrap();
        }
    }
}
