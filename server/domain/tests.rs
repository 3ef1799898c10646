//! Unit tests for every rule of the core. Each test checks the invariants after every command.

use super::*;
use crate::content::Library;

fn session() -> Session {
    let library = Library::builtin().unwrap();
    let mut rng = rand::rng();
    Session::new(Created {
        code: JoinCode::random(&mut rng),
        programme: library.get("del1").unwrap().clone(),
        lang: Lang::Da,
        min_group: 3,
        created_at_ms: 1_700_000_000_000,
        base_url: "http://127.0.0.1:8080".into(),
        facilitator_token: Token::random(&mut rng),
        projector_token: Token::random(&mut rng),
        series: None,
        publication: crate::domain::Publication::PerResult,
        planned: None,
        tables: None,
        follows: None,
    })
}

fn op(s: &str) -> OpId {
    OpId::parse(s).unwrap()
}

/// Applies and asserts the invariants still hold, whatever the outcome.
fn apply(s: &mut Session, actor: Role, command: Command) -> Result<Applied, RuleError> {
    let before = s.seq();
    let result = s.apply(actor, command);
    s.check_invariants().unwrap();
    match &result {
        Ok(Applied::Events(events)) => assert_eq!(s.seq(), before + events.len() as u64),
        _ => assert_eq!(
            s.seq(),
            before,
            "a refused or duplicate command changed the state"
        ),
    }
    result
}

fn join(s: &mut Session, name: Option<&str>) -> ParticipantId {
    let command = Command::Join {
        secret: Token::random(&mut rand::rng()),
        name: name.map(|n| Name::parse(n).unwrap()),
        at_ms: 1,
    };
    match apply(s, Role::Newcomer, command).unwrap() {
        Applied::Events(events) => match events.as_slice() {
            [Event::Joined { participant, .. }] => *participant,
            other => panic!("unexpected events {other:?}"),
        },
        Applied::Duplicate => panic!("join cannot be a duplicate"),
    }
}

fn goto(s: &mut Session, id: &str, index: usize) -> Result<Applied, RuleError> {
    apply(
        s,
        Role::Facilitator,
        Command::Goto {
            op: op(id),
            index,
            now_ms: 0,
        },
    )
}

fn answer(step: &str, prompt: &str, id: &str, value: AnswerInput) -> Command {
    Command::Answer {
        op: op(id),
        step: step.into(),
        prompt: prompt.into(),
        value,
    }
}

#[test]
fn participants_get_ids_in_joining_order() {
    let mut s = session();
    assert_eq!(join(&mut s, None).to_string(), "p0");
    assert_eq!(join(&mut s, Some("Anna")).to_string(), "p1");
    assert_eq!(s.participants()[1].name.as_ref().unwrap().as_str(), "Anna");
    assert!(s.participants()[0].name.is_none());
}

#[test]
fn only_newcomers_join() {
    let mut s = session();
    let p = join(&mut s, None);
    let command = Command::Join {
        secret: Token::random(&mut rand::rng()),
        name: None,
        at_ms: 1,
    };
    for actor in [Role::Facilitator, Role::Projector, Role::Participant(p)] {
        assert_eq!(
            apply(&mut s, actor, command.clone()),
            Err(RuleError::NotAllowed)
        );
    }
}

#[test]
fn only_the_facilitator_moves_steps_and_timers() {
    let mut s = session();
    let p = join(&mut s, None);
    for actor in [Role::Projector, Role::Participant(p), Role::Newcomer] {
        let steer = [
            Command::Goto {
                op: op("g"),
                index: 1,
                now_ms: 0,
            },
            Command::StartTimer {
                op: op("t"),
                seconds: 60,
                now_ms: 0,
            },
            Command::StopTimer { op: op("s") },
        ];
        for command in steer {
            assert_eq!(apply(&mut s, actor, command), Err(RuleError::NotAllowed));
        }
    }
    assert_eq!(s.step_index(), 0);
    assert!(goto(&mut s, "g", 1).is_ok());
    assert_eq!(s.step_index(), 1);
    assert!(goto(&mut s, "g2", 0).is_ok(), "going back is allowed");
    assert_eq!(s.step_index(), 0);
}

#[test]
fn goto_beyond_the_last_step_is_refused() {
    let mut s = session();
    let last = s.programme().steps.len() - 1;
    assert!(goto(&mut s, "a", last).is_ok());
    assert_eq!(goto(&mut s, "b", last + 1), Err(RuleError::WrongStep));
    assert_eq!(s.step_index(), last);
}

#[test]
fn any_step_can_be_jumped_to_and_the_jump_stops_the_countdown() {
    // The console's step list: straight to the last step, then back to the second, as
    // next and back do, each jump ending the running countdown.
    let mut s = session();
    let last = s.programme().steps.len() - 1;
    assert!(last >= 3, "the test programme has steps to skip");
    let start = |id: &str| Command::StartTimer {
        op: op(id),
        seconds: 60,
        now_ms: 0,
    };
    apply(&mut s, Role::Facilitator, start("t1")).unwrap();
    assert!(goto(&mut s, "far", last - 1).is_ok());
    assert_eq!(s.step_index(), last - 1);
    assert_eq!(s.timer(), None, "the countdown belongs to the step left");
    apply(&mut s, Role::Facilitator, start("t2")).unwrap();
    assert!(goto(&mut s, "back", 1).is_ok());
    assert_eq!(s.step_index(), 1);
    assert_eq!(s.timer(), None);
}

#[test]
fn the_timer_ends_where_the_server_clock_says() {
    let mut s = session();
    let start = Command::StartTimer {
        op: op("t"),
        seconds: 300,
        now_ms: 10_000,
    };
    apply(&mut s, Role::Facilitator, start).unwrap();
    assert_eq!(
        s.timer(),
        Some(Timer {
            ends_at_ms: 310_000,
            seconds: 300
        })
    );
    apply(
        &mut s,
        Role::Facilitator,
        Command::StopTimer { op: op("s") },
    )
    .unwrap();
    assert_eq!(s.timer(), None);
    for seconds in [0, MAX_TIMER_SECONDS + 1] {
        let bad = Command::StartTimer {
            op: op("x"),
            seconds,
            now_ms: 0,
        };
        assert_eq!(
            apply(&mut s, Role::Facilitator, bad),
            Err(RuleError::TimerRange)
        );
    }
}

#[test]
fn a_participant_answers_the_current_or_an_earlier_step_never_a_later_one() {
    let mut s = session();
    let p = Role::Participant(join(&mut s, None));
    let early = answer("arbejde-privat", "balance", "a1", AnswerInput::Number(7));
    assert_eq!(apply(&mut s, p, early.clone()), Err(RuleError::WrongStep));
    goto(&mut s, "g1", 1).unwrap();
    assert!(matches!(apply(&mut s, p, early), Ok(Applied::Events(_))));
    goto(&mut s, "g2", 2).unwrap();
    let late = answer("arbejde-privat", "balance", "a2", AnswerInput::Number(8));
    assert!(
        matches!(apply(&mut s, p, late), Ok(Applied::Events(_))),
        "offline answers arrive late"
    );
    let Role::Participant(id) = p else {
        unreachable!()
    };
    assert_eq!(
        s.participant(id).unwrap().answers["arbejde-privat"]["balance"],
        Answer::Scale(8)
    );
}

#[test]
fn answers_must_fit_their_prompt() {
    let mut s = session();
    let p = Role::Participant(join(&mut s, None));
    goto(&mut s, "g", 1).unwrap();
    let cases = [
        ("balance", AnswerInput::Number(0), RuleError::Invalid),
        ("balance", AnswerInput::Number(11), RuleError::Invalid),
        ("balance", AnswerInput::Number(i64::MAX), RuleError::Invalid),
        ("balance", AnswerInput::Text("7".into()), RuleError::Invalid),
        (
            "balance-hvorfor",
            AnswerInput::Number(3),
            RuleError::Invalid,
        ),
        (
            "balance-hvorfor",
            AnswerInput::Text("å".repeat(2001)),
            RuleError::TooLong(2000),
        ),
        ("nope", AnswerInput::Number(3), RuleError::NoSuchPrompt),
    ];
    for (i, (prompt, value, error)) in cases.into_iter().enumerate() {
        let command = answer("arbejde-privat", prompt, &format!("op{i}"), value);
        assert_eq!(apply(&mut s, p, command), Err(error));
    }
    let unknown_step = answer("ingen", "balance", "x", AnswerInput::Number(3));
    assert_eq!(apply(&mut s, p, unknown_step), Err(RuleError::WrongStep));
    let fits = answer(
        "arbejde-privat",
        "balance-hvorfor",
        "ok",
        AnswerInput::Text("å".repeat(2000)),
    );
    assert!(apply(&mut s, p, fits).is_ok());
}

#[test]
fn the_facilitator_and_projector_cannot_answer() {
    let mut s = session();
    goto(&mut s, "g", 1).unwrap();
    for actor in [Role::Facilitator, Role::Projector, Role::Newcomer] {
        let command = answer("arbejde-privat", "balance", "a", AnswerInput::Number(5));
        assert_eq!(apply(&mut s, actor, command), Err(RuleError::NotAllowed));
    }
}

#[test]
fn a_resent_operation_is_a_harmless_duplicate() {
    let mut s = session();
    let p = Role::Participant(join(&mut s, None));
    goto(&mut s, "g", 1).unwrap();
    let first = answer("arbejde-privat", "balance", "same", AnswerInput::Number(4));
    assert!(matches!(
        apply(&mut s, p, first.clone()),
        Ok(Applied::Events(_))
    ));
    let changed = answer("arbejde-privat", "balance", "same", AnswerInput::Number(9));
    assert_eq!(apply(&mut s, p, changed), Ok(Applied::Duplicate));
    let Role::Participant(id) = p else {
        unreachable!()
    };
    assert_eq!(
        s.participant(id).unwrap().answers["arbejde-privat"]["balance"],
        Answer::Scale(4)
    );
    assert_eq!(
        goto(&mut s, "g", 3),
        Ok(Applied::Duplicate),
        "facilitator ops dedupe too"
    );
    assert_eq!(s.step_index(), 1);
}

#[test]
fn op_ids_are_per_participant() {
    let mut s = session();
    let a = Role::Participant(join(&mut s, None));
    let b = Role::Participant(join(&mut s, None));
    goto(&mut s, "g", 1).unwrap();
    let command = answer("arbejde-privat", "balance", "1", AnswerInput::Number(4));
    assert!(matches!(
        apply(&mut s, a, command.clone()),
        Ok(Applied::Events(_))
    ));
    assert!(matches!(apply(&mut s, b, command), Ok(Applied::Events(_))));
}

#[test]
fn ready_counts_follow_the_participants() {
    let mut s = session();
    let a = Role::Participant(join(&mut s, None));
    let b = Role::Participant(join(&mut s, None));
    let ready = |id: &str, r: bool| Command::SetReady {
        op: op(id),
        step: "velkommen".into(),
        ready: r,
    };
    apply(&mut s, a, ready("1", true)).unwrap();
    apply(&mut s, b, ready("2", true)).unwrap();
    assert_eq!(s.ready_count("velkommen", |_| true), 2);
    apply(&mut s, b, ready("3", false)).unwrap();
    assert_eq!(s.ready_count("velkommen", |_| true), 1);
    let future = Command::SetReady {
        op: op("4"),
        step: "tak".into(),
        ready: true,
    };
    assert_eq!(apply(&mut s, a, future), Err(RuleError::WrongStep));
}

#[test]
fn answer_counts_count_people_not_edits() {
    let mut s = session();
    let a = Role::Participant(join(&mut s, None));
    let b = Role::Participant(join(&mut s, None));
    goto(&mut s, "g", 1).unwrap();
    apply(
        &mut s,
        a,
        answer("arbejde-privat", "balance", "1", AnswerInput::Number(3)),
    )
    .unwrap();
    apply(
        &mut s,
        a,
        answer("arbejde-privat", "balance", "2", AnswerInput::Number(4)),
    )
    .unwrap();
    apply(
        &mut s,
        b,
        answer("arbejde-privat", "balance", "3", AnswerInput::Number(5)),
    )
    .unwrap();
    let counts = s.answer_counts(s.step());
    assert_eq!(counts["balance"], 2);
    assert_eq!(counts["balance-hvorfor"], 0);
}

#[test]
fn an_actor_cannot_exceed_its_operation_budget() {
    let mut s = session();
    let p = Role::Participant(join(&mut s, None));
    for i in 0..MAX_OPS_PER_ACTOR {
        let command = Command::SetReady {
            op: op(&format!("r{i}")),
            step: "velkommen".into(),
            ready: i % 2 == 0,
        };
        assert!(s.apply(p, command).is_ok());
    }
    s.check_invariants().unwrap();
    let one_more = Command::SetReady {
        op: op("last"),
        step: "velkommen".into(),
        ready: true,
    };
    assert_eq!(apply(&mut s, p, one_more), Err(RuleError::TooManyOps));
    let resent = Command::SetReady {
        op: op("r0"),
        step: "velkommen".into(),
        ready: true,
    };
    assert_eq!(
        apply(&mut s, p, resent),
        Ok(Applied::Duplicate),
        "old ops still dedupe"
    );
}

#[test]
fn tokens_give_their_roles_and_nothing_else() {
    let s = session();
    assert_eq!(
        s.role_of(&s.created().facilitator_token),
        Some(Role::Facilitator)
    );
    assert_eq!(
        s.role_of(&s.created().projector_token),
        Some(Role::Projector)
    );
    assert_eq!(s.role_of(&Token::random(&mut rand::rng())), None);
}

#[test]
fn replaying_the_events_rebuilds_the_same_state() {
    let mut s = session();
    let mut log = Vec::new();
    let mut record = |s: &mut Session, actor, command| {
        if let Ok(Applied::Events(events)) = s.apply(actor, command) {
            log.extend(events);
        }
    };
    record(
        &mut s,
        Role::Newcomer,
        Command::Join {
            secret: Token::random(&mut rand::rng()),
            name: None,
            at_ms: 5,
        },
    );
    let p = Role::Participant(ParticipantId::from_index(0));
    record(
        &mut s,
        Role::Facilitator,
        Command::Goto {
            op: op("g"),
            index: 1,
            now_ms: 0,
        },
    );
    record(
        &mut s,
        p,
        answer("arbejde-privat", "balance", "a", AnswerInput::Number(6)),
    );
    record(
        &mut s,
        p,
        answer(
            "arbejde-privat",
            "balance-hvorfor",
            "b",
            AnswerInput::Text("tid".into()),
        ),
    );
    record(
        &mut s,
        Role::Facilitator,
        Command::StartTimer {
            op: op("t"),
            seconds: 60,
            now_ms: 0,
        },
    );

    let mut replayed = Session::new(s.created().clone());
    for event in &log {
        replayed.evolve(event);
    }
    replayed.check_invariants().unwrap();
    assert_eq!(replayed.seq(), s.seq());
    assert_eq!(replayed.step_index(), 1);
    assert_eq!(replayed.timer(), s.timer());
    assert_eq!(
        replayed.participants()[0].answers,
        s.participants()[0].answers
    );
    let resent = answer("arbejde-privat", "balance", "a", AnswerInput::Number(1));
    assert_eq!(
        replayed.apply(p, resent),
        Ok(Applied::Duplicate),
        "dedupe survives replay"
    );

    let snapshot = serde_json::to_string(&s).unwrap();
    let restored: Session = serde_json::from_str(&snapshot).unwrap();
    restored.check_invariants().unwrap();
    assert_eq!(restored.seq(), s.seq());
}

#[test]
fn a_participant_forgets_everything_they_gave_and_nothing_of_anyone_else() {
    let mut s = session();
    let anna = join(&mut s, Some("Anna"));
    let bo = join(&mut s, Some("Bo"));
    goto(&mut s, "g1", 1).unwrap();
    for (who, id) in [(anna, "a"), (bo, "b")] {
        let actor = Role::Participant(who);
        let text = AnswerInput::Text(format!("{id} skriver"));
        apply(
            &mut s,
            actor,
            answer("arbejde-privat", "balance-hvorfor", &format!("{id}1"), text),
        )
        .unwrap();
        apply(
            &mut s,
            actor,
            answer(
                "arbejde-privat",
                "balance",
                &format!("{id}2"),
                AnswerInput::Number(4),
            ),
        )
        .unwrap();
        let share = Command::Activity {
            op: op(&format!("{id}3")),
            step: "arbejde-privat".into(),
            action: Action::Share {
                prompt: "balance-hvorfor".into(),
                item: None,
                share: true,
                named: true,
            },
            table: None,
        };
        apply(&mut s, actor, share).unwrap();
    }
    assert_eq!(s.shared_items(Scope::Hall, 1).len(), 2);

    let forget = Command::Forget { op: op("a4") };
    apply(&mut s, Role::Participant(anna), forget.clone()).unwrap();
    let a = s.participant(anna).unwrap();
    assert!(a.answers.is_empty(), "every answer is gone");
    assert!(a.name.is_none(), "and the name");
    let shared = s.shared_items(Scope::Hall, 1);
    assert_eq!(shared.len(), 1, "only Bo's share is left");
    assert_eq!(shared[0].1, "b skriver");
    assert_eq!(
        s.participant(bo).unwrap().answers["arbejde-privat"].len(),
        2
    );
    // Sent again: a duplicate, nothing more happens.
    assert_eq!(
        apply(&mut s, Role::Participant(anna), forget),
        Ok(Applied::Duplicate)
    );
    // Others may not forget on someone's behalf.
    for actor in [Role::Facilitator, Role::Projector, Role::Newcomer] {
        let command = Command::Forget { op: op("x9") };
        assert_eq!(apply(&mut s, actor, command), Err(RuleError::NotAllowed));
    }
}

#[test]
fn a_closed_door_refuses_joins_and_a_removed_participant_leaves_every_count_and_cannot_act() {
    let mut s = session();
    let a = join(&mut s, Some("Anna"));
    let puppet = join(&mut s, None);
    goto(&mut s, "g1", 1).unwrap();
    let secret = s.participant(puppet).unwrap().secret().clone();
    apply(
        &mut s,
        Role::Participant(puppet),
        answer("arbejde-privat", "balance", "p1", AnswerInput::Number(1)),
    )
    .unwrap();
    // Only the facilitator keeps the door.
    let close = Command::SetDoor {
        op: op("d1"),
        open: false,
    };
    assert_eq!(
        apply(&mut s, Role::Participant(a), close.clone()),
        Err(RuleError::NotAllowed)
    );
    apply(&mut s, Role::Facilitator, close.clone()).unwrap();
    assert_eq!(
        apply(&mut s, Role::Facilitator, close),
        Ok(Applied::Duplicate)
    );
    assert!(s.is_closed());
    let knock = Command::Join {
        secret: Token::random(&mut rand::rng()),
        name: None,
        at_ms: 2,
    };
    assert_eq!(
        apply(&mut s, Role::Newcomer, knock.clone()),
        Err(RuleError::Closed)
    );
    // Removal: the same erasure as forget_me, then the identity ends.
    let remove = Command::Remove {
        op: op("r1"),
        participant: puppet,
    };
    assert_eq!(
        apply(&mut s, Role::Participant(a), remove.clone()),
        Err(RuleError::NotAllowed)
    );
    match apply(&mut s, Role::Facilitator, remove).unwrap() {
        Applied::Events(events) => assert!(matches!(
            events.as_slice(),
            [Event::Forgot { .. }, Event::Removed { .. }]
        )),
        Applied::Duplicate => panic!("a first removal is no duplicate"),
    }
    let removed = s.participant(puppet).unwrap();
    assert!(removed.removed && removed.answers.is_empty());
    assert!(!removed.owns(&secret), "the old secret no longer resumes");
    assert_eq!(s.joined(), 1);
    assert_eq!(
        apply(
            &mut s,
            Role::Participant(puppet),
            answer("arbejde-privat", "balance", "p2", AnswerInput::Number(1)),
        ),
        Err(RuleError::NotAllowed)
    );
    let again = Command::Remove {
        op: op("r2"),
        participant: puppet,
    };
    assert_eq!(
        apply(&mut s, Role::Facilitator, again),
        Err(RuleError::Invalid)
    );
    // Open again: joins are welcome.
    apply(
        &mut s,
        Role::Facilitator,
        Command::SetDoor {
            op: op("d2"),
            open: true,
        },
    )
    .unwrap();
    assert!(matches!(
        apply(&mut s, Role::Newcomer, knock),
        Ok(Applied::Events(_))
    ));
}

#[test]
fn a_meeting_is_dated_by_its_planned_day_else_its_first_step_change_else_its_creation() {
    use crate::domain::report::meeting_date;
    let created = 1_700_000_000_000; // 2023-11-14
    let moved = 1_800_000_000_000; // 2027-01-15
    let day = |d: crate::dates::Date| d.to_string();
    assert_eq!(
        day(meeting_date(Some("2027-01-12"), Some(moved), created)),
        "2027-01-12",
        "the day the facilitator set wins"
    );
    assert_eq!(
        day(meeting_date(None, Some(moved), created)),
        "2027-01-15",
        "else the day the room was first moved on"
    );
    assert_eq!(day(meeting_date(None, None, created)), "2023-11-14");
    assert_eq!(
        day(meeting_date(Some("2027-02-30"), None, created)),
        "2023-11-14",
        "a stored day that is no day is passed over"
    );
}

#[test]
fn the_first_step_change_dates_the_meeting_and_later_ones_do_not() {
    let mut s = session();
    assert_eq!(
        s.outcome().date,
        "2023-11-14",
        "not yet held: the creation day"
    );
    let to = |s: &mut Session, id: &str, index: usize, now_ms: i64| {
        apply(
            s,
            Role::Facilitator,
            Command::Goto {
                op: op(id),
                index,
                now_ms,
            },
        )
        .unwrap();
    };
    to(&mut s, "same", 0, 1_750_000_000_000);
    assert_eq!(
        s.outcome().date,
        "2023-11-14",
        "staying put is not moving on"
    );
    to(&mut s, "first", 1, 1_800_000_000_000);
    to(&mut s, "later", 2, 1_900_000_000_000);
    assert_eq!(s.outcome().date, "2027-01-15");
    // It is kept in snapshots, and replaying the events gives the same.
    let copy: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(copy.outcome().date, "2027-01-15");
    let mut planned = session();
    planned.created.planned = Some("2027-03-09".into());
    assert_eq!(planned.outcome().date, "2027-03-09");
}

#[test]
fn the_facilitator_moves_the_meetings_day_and_clears_it_and_replay_keeps_it() {
    let mut s = session();
    s.created.planned = Some("2027-02-09".into());
    let events = s.set_date(Some("2027-02-16")).unwrap();
    assert_eq!(
        events,
        [Event::DateSet {
            date: Some("2027-02-16".into())
        }]
    );
    s.check_invariants().unwrap();
    assert_eq!(s.planned(), Some("2027-02-16"));
    assert_eq!(s.outcome().date, "2027-02-16");
    assert!(
        s.set_date(Some("2027-02-16")).unwrap().is_empty(),
        "the same day again records nothing"
    );
    assert_eq!(s.set_date(Some("2027-02-30")), Err(RuleError::Invalid));
    assert_eq!(s.set_date(Some("næste uge")), Err(RuleError::Invalid));
    // Folding the events over the created session gives the same day; a snapshot keeps it.
    let mut replayed = session();
    replayed.created.planned = Some("2027-02-09".into());
    for event in &events {
        replayed.evolve(event);
    }
    assert_eq!(replayed.planned(), Some("2027-02-16"));
    let copy: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(copy.planned(), Some("2027-02-16"));
    // Cleared: not held yet, so the creation day.
    assert_eq!(s.set_date(None).unwrap().len(), 1);
    assert_eq!(s.planned(), None);
    assert_eq!(s.outcome().date, "2023-11-14");
    s.check_invariants().unwrap();
}

#[test]
fn a_meeting_begun_after_midnight_in_copenhagen_is_dated_that_day() {
    use crate::domain::report::meeting_date;
    // 2027-01-11T23:30Z is 00:30 on 12 January in Copenhagen (CET, UTC+1).
    let moved = 1_799_710_200_000;
    assert_eq!(
        meeting_date(None, Some(moved), moved).to_string(),
        "2027-01-12"
    );
    // 2027-06-14T22:30Z is 00:30 on 15 June there (CEST, UTC+2).
    let created = 1_813_012_200_000;
    assert_eq!(meeting_date(None, None, created).to_string(), "2027-06-15");
}
