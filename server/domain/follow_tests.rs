//! Tests of the follow-up (issue 17) in a running session: the review of copied or carried
//! rows (anyone may set a status; the hall's, also at tables), carrying a row on into the plan,
//! the trend of a question asked again under its rules, an evaluation's figures (none below
//! `min_group`), and what a meeting hands on. Every command is followed by the invariant check.

use super::answers::AnswerInput as In;
use super::follow::{Contribution, Hidden, MeetingRef};
use super::*;
use crate::content::{Library, Text};
use crate::kinds::evaluation::EvalRow;
use crate::outcome::Section;

fn text(da: &str) -> Text {
    Text {
        da: da.into(),
        en: da.into(),
    }
}

fn earlier(code: &str) -> MeetingRef {
    MeetingRef {
        code: code.into(),
        title: text("Del 3 — Trivsel i forhold til omverdenen"),
        date: "2027-03-09".into(),
    }
}

fn row(id: &str, area: &str, action: &str) -> ReviewRow {
    ReviewRow {
        key: format!("ABCDEFG:handleplan:{id}"),
        from: earlier("ABCDEFG"),
        area: area.into(),
        action: action.into(),
        first_step: "Sæt det på dagsordenen".into(),
        owner: "Mette".into(),
        deadline: "2027-04-01".into(),
        follow_up: String::new(),
        last_status: None,
        last_note: String::new(),
    }
}

fn point(code: &str, key: &str, n: u32, counts: Option<Vec<u32>>) -> TrendPoint {
    TrendPoint {
        key: key.into(),
        from: earlier(code),
        label: text("Hvor godt hænger dit arbejdsliv og dit privatliv sammen lige nu?"),
        min: 1,
        max: 10,
        n,
        counts,
    }
}

/// Six people answered 1..=6 … : counts for n answers spread over the scale 1–10.
fn spread(n: u32) -> Vec<u32> {
    let mut counts = vec![0; 10];
    for i in 0..n {
        counts[(i % 10) as usize] += 1;
    }
    counts
}

struct Room {
    s: Session,
    next: u32,
    people: Vec<Role>,
}

impl Room {
    fn new(programme: &str, min_group: u32, follows: Option<Followed>, people: usize) -> Self {
        let library = Library::builtin().unwrap();
        let mut rng = rand::rng();
        let s = Session::new(Created {
            code: JoinCode::parse("K7M2QXP").unwrap(),
            programme: library.get(programme).unwrap().clone(),
            lang: Lang::Da,
            min_group,
            created_at_ms: 1_795_305_600_000,
            base_url: "http://127.0.0.1:8080".into(),
            facilitator_token: Token::random(&mut rng),
            projector_token: Token::random(&mut rng),
            series: None,
            publication: Publication::PerResult,
            planned: Some("2027-06-15".into()),
            tables: None,
            follows,
        });
        let mut room = Room {
            s,
            next: 0,
            people: Vec::new(),
        };
        for _ in 0..people {
            let join = Command::Join {
                secret: Token::random(&mut rand::rng()),
                name: None,
                at_ms: 1,
            };
            match room.run(Role::Newcomer, join).unwrap() {
                Applied::Events(events) => match &events[0] {
                    Event::Joined { participant, .. } => {
                        room.people.push(Role::Participant(*participant))
                    }
                    _ => unreachable!(),
                },
                Applied::Duplicate => unreachable!(),
            }
        }
        room
    }

    fn op(&mut self) -> OpId {
        self.next += 1;
        OpId::parse(&format!("o{}", self.next)).unwrap()
    }

    fn run(&mut self, actor: Role, command: Command) -> Result<Applied, RuleError> {
        let before = self.s.seq();
        let result = self.s.apply(actor, command);
        self.s.check_invariants().unwrap();
        if result.is_err() {
            assert_eq!(self.s.seq(), before, "a refusal changed the state");
        }
        result
    }

    fn goto(&mut self, step: &str) {
        let index = self.s.programme().step(step).unwrap().0;
        let op = self.op();
        self.run(
            Role::Facilitator,
            Command::Goto {
                op,
                index,
                now_ms: 0,
            },
        )
        .unwrap();
    }

    fn act(&mut self, actor: Role, step: &str, action: Action) -> Result<Applied, RuleError> {
        let op = self.op();
        self.run(
            actor,
            Command::Activity {
                op,
                step: step.into(),
                action,
                table: None,
            },
        )
    }

    fn answer(&mut self, who: usize, step: &str, prompt: &str, value: In) {
        let op = self.op();
        let actor = self.people[who];
        self.run(
            actor,
            Command::Answer {
                op,
                step: step.into(),
                prompt: prompt.into(),
                value,
            },
        )
        .unwrap();
    }

    fn review(
        &mut self,
        actor: Role,
        key: &str,
        status: Option<Status>,
        note: &str,
    ) -> Result<Applied, RuleError> {
        self.act(
            actor,
            "opfoelgning",
            Action::Review {
                row: key.into(),
                status,
                note: note.into(),
            },
        )
    }

    fn index(&self, step: &str) -> usize {
        self.s.programme().step(step).unwrap().0
    }
}

fn follows(rows: Vec<ReviewRow>, points: Vec<TrendPoint>) -> Option<Followed> {
    Some(Followed {
        from: earlier("ABCDEFG"),
        rows,
        points,
    })
}

#[test]
fn anyone_in_the_meeting_sets_a_rows_status_and_note_on_the_review_step() {
    let (r1, r2) = (
        row("r1", "Ledergruppen", "Fast punkt om trivsel på ledermødet"),
        row("r2", "HR", "Tal med HR om sparring"),
    );
    let mut room = Room::new(
        "opfolgning",
        3,
        follows(vec![r1.clone(), r2.clone()], vec![]),
        3,
    );
    let phone = room.people[0];
    // Not before the step is open for the room; the facilitator may prepare.
    assert_eq!(
        room.review(phone, &r1.key, Some(Status::Done), ""),
        Err(RuleError::WrongStep)
    );
    room.review(
        Role::Facilitator,
        &r2.key,
        Some(Status::Ongoing),
        "Venter på HR",
    )
    .unwrap();
    room.goto("opfoelgning");
    room.review(phone, &r1.key, Some(Status::Done), "Det kører hver måned")
        .unwrap();
    assert_eq!(
        room.review(phone, "ABCDEFG:handleplan:r9", Some(Status::Done), ""),
        Err(RuleError::Invalid),
        "only the rows under review"
    );
    assert_eq!(
        room.review(phone, &r1.key, None, &"x".repeat(301)),
        Err(RuleError::TooLong(300))
    );
    assert!(matches!(
        room.review(phone, &r1.key, None, "\u{202e}vendt"),
        Err(RuleError::Deceptive(_))
    ));
    // The projector and the phones see the same rows and statuses.
    let index = room.index("opfoelgning");
    let cx = crate::kinds::Ctx::new(&room.s, Scope::Hall, index);
    let view = crate::kinds::of(cx.step.kind)
        .view(&cx, crate::audience::Audience::Phone)
        .unwrap();
    let crate::protocol::ActivityView::Review(view) = view else {
        panic!("a review view")
    };
    let statuses: Vec<_> = view
        .rows
        .iter()
        .map(|r| (r.status, r.note.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            (Some(Status::Done), "Det kører hver måned"),
            (Some(Status::Ongoing), "Venter på HR")
        ]
    );
    assert_eq!(view.plan_step, None, "where rows go is the console's");
    // Clearing both leaves no word on the row.
    room.review(Role::Facilitator, &r2.key, None, "").unwrap();
    let outcome = room.s.outcome();
    let Some(Section::Review { rows, .. }) = outcome
        .sections
        .iter()
        .find(|s| matches!(s, Section::Review { .. }))
    else {
        panic!("the review is in the outcome")
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].status, rows[0].note.as_str()),
        (Some(Status::Done), "Det kører hver måned")
    );
    assert_eq!((rows[1].status, rows[1].note.as_str()), (None, ""));
}

#[test]
fn a_row_carried_on_becomes_an_accepted_row_of_the_first_plan_once() {
    let r1 = row("r1", "Ledergruppen", "Fast punkt om trivsel på ledermødet");
    let r2 = row("r2", "Noget helt andet", "Fælles kaffe fredag");
    let mut room = Room::new(
        "opfolgning",
        3,
        follows(vec![r1.clone(), r2.clone()], vec![]),
        3,
    );
    room.goto("opfoelgning");
    let carry = |key: &str| Action::CarryOn { row: key.into() };
    assert_eq!(
        room.act(room.people[0], "handleplan", carry(&r1.key)),
        Err(RuleError::NotAllowed),
        "the facilitator's"
    );
    assert_eq!(
        room.act(Role::Facilitator, "opfoelgning", carry(&r1.key)),
        Err(RuleError::WrongStep),
        "carried on into a plan step"
    );
    room.act(Role::Facilitator, "handleplan", carry(&r1.key))
        .unwrap();
    room.act(Role::Facilitator, "handleplan", carry(&r2.key))
        .unwrap();
    assert_eq!(
        room.act(Role::Facilitator, "handleplan", carry(&r1.key)),
        Err(RuleError::Invalid),
        "once"
    );
    let plan = &room.s.state(Scope::Hall, room.index("handleplan")).plan;
    assert_eq!(plan.rows.len(), 2);
    assert!(plan.rows.iter().all(|r| r.accepted));
    assert_eq!(
        plan.rows[0].fields.area, "ledergruppen",
        "the area of the same title"
    );
    assert_eq!(
        plan.rows[1].fields.area, "selvledelse",
        "else the first area"
    );
    assert_eq!(plan.rows[0].fields.action, r1.action);
    assert_eq!(plan.rows[0].fields.owner, "Mette");
    assert!(room.s.carried_on(&r1.key));
    // What this meeting hands on: the carried row is off the list, its continuation on it.
    let contribution: Contribution = room.s.contribution();
    assert!(contribution.verdicts.iter().all(|v| v.carried_on));
    let followed = contribution.followed();
    let keys: Vec<&str> = followed.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["K7M2QXP:handleplan:r1", "K7M2QXP:handleplan:r2"]);
    assert_eq!(followed.rows[0].action, r1.action);
    // Taking the row out of the plan again leaves it open.
    room.act(
        Role::Facilitator,
        "handleplan",
        Action::DeleteRow { id: "r1".into() },
    )
    .unwrap();
    assert!(!room.s.carried_on(&r1.key));
}

#[test]
fn in_a_session_with_tables_the_review_is_the_halls_wherever_people_sit() {
    let r1 = row("r1", "Ledergruppen", "Fast punkt");
    let mut room = Room::new("opfolgning", 3, follows(vec![r1.clone()], vec![]), 4);
    let op = room.op();
    room.run(
        Role::Facilitator,
        Command::Seating {
            op,
            seating: Seating::Tables {
                count: 2,
                settings: TableSettings::default(),
            },
        },
    )
    .unwrap();
    let p0 = room.people[0];
    let Role::Participant(id) = p0 else {
        unreachable!()
    };
    let op = room.op();
    room.run(
        Role::Facilitator,
        Command::Seating {
            op,
            seating: Seating::Seat {
                participant: Some(id),
                table: TableId::from_number(2),
            },
        },
    )
    .unwrap();
    room.goto("opfoelgning");
    // Seated or not (p1 has no seat), it is the hall's review.
    room.review(p0, &r1.key, Some(Status::Ongoing), "").unwrap();
    room.review(room.people[1], &r1.key, Some(Status::Done), "")
        .unwrap();
    let index = room.index("opfoelgning");
    let said = &room.s.state(Scope::Hall, index).review.reviewed[&r1.key];
    assert_eq!(said.status, Some(Status::Done));
    for t in room.s.table_ids() {
        assert!(
            room.s
                .state(Scope::Table(t), index)
                .review
                .reviewed
                .is_empty()
        );
    }
}

#[test]
fn a_questions_trend_shows_earlier_meetings_beside_this_one_under_the_rules() {
    let points = vec![
        // Del 1 (n 6), Del 2 asked it too (n 7: one person apart, hidden), another question.
        point("AAAAAAA", "balance", 6, Some(spread(6))),
        point("BBBBBBB", "balance", 7, Some(spread(7))),
        point("CCCCCCC", "energi-niveau", 2, None),
        TrendPoint {
            max: 5,
            ..point("DDDDDDD", "balance", 9, Some(spread(5)))
        },
    ];
    let mut room = Room::new("opfolgning", 3, follows(vec![], points), 9);
    room.goto("status");
    let index = room.index("status");
    for who in 0..9 {
        room.answer(who, "status", "balance", In::Number(1 + who as i64));
    }
    for who in 0..4 {
        room.answer(who, "status", "energi-niveau", In::Number(5));
    }
    room.act(
        Role::Facilitator,
        "status",
        Action::Reveal { revealed: true },
    )
    .unwrap();
    let trend = room.s.trend(index, "balance");
    let seen: Vec<(&str, u32, bool, Option<Hidden>)> = trend
        .iter()
        .map(|e| (e.point.from.code.as_str(), e.point.n, e.current, e.hidden))
        .collect();
    assert_eq!(
        seen,
        [
            ("AAAAAAA", 6, false, None),
            ("BBBBBBB", 7, false, Some(Hidden::Difference)),
            ("K7M2QXP", 9, true, None),
        ],
        "another scale is another question; 9 is 3 from 6"
    );
    // energi-niveau: the earlier meeting showed too few; this one's 4 answers are shown.
    let energy = room.s.trend(index, "energi-niveau");
    assert_eq!(energy.len(), 2);
    assert_eq!(energy[0].hidden, Some(Hidden::TooFew));
    assert_eq!((energy[1].point.n, energy[1].hidden), (4, None));
    // No trend for a question no earlier meeting asked.
    assert!(room.s.trend(index, "forskel").is_empty());
    // The export carries it, numbers only where shown.
    let outcome = room.s.outcome();
    let Some(Section::Reflection { scales, .. }) = outcome
        .sections
        .iter()
        .find(|s| matches!(s, Section::Reflection { .. }))
    else {
        panic!()
    };
    assert_eq!(scales[0].trend.len(), 3);
    assert!(
        scales[0].trend[1].counts.is_none(),
        "a hidden point has no numbers"
    );
    assert!(scales[0].trend[2].current);
    // This meeting's own point, hidden when it sits one person from a shown one.
    let mut close = Room::new(
        "opfolgning",
        3,
        follows(
            vec![],
            vec![point("AAAAAAA", "balance", 8, Some(spread(8)))],
        ),
        9,
    );
    close.goto("status");
    for who in 0..9 {
        close.answer(who, "status", "balance", In::Number(3));
    }
    close
        .act(
            Role::Facilitator,
            "status",
            Action::Reveal { revealed: true },
        )
        .unwrap();
    let trend = close.s.trend(index, "balance");
    assert_eq!(trend[1].hidden, Some(Hidden::Difference));
}

#[test]
fn an_evaluation_takes_in_figures_of_at_least_min_group_and_shows_them_to_everyone() {
    let mut room = Room::new("opfolgning", 4, None, 4);
    let good = EvalRow {
        item: "Jeg har tillid til min chef".into(),
        score: 3.8,
        min: 1,
        max: 5,
        n: 12,
    };
    let import = |rows: Vec<EvalRow>| Action::Import { rows };
    let few = EvalRow {
        n: 3,
        ..good.clone()
    };
    assert_eq!(
        room.act(
            Role::Facilitator,
            "lederevaluering",
            import(vec![good.clone(), few])
        ),
        Err(RuleError::Invalid),
        "a row of fewer than min_group is refused, with the rest"
    );
    let outside = EvalRow {
        score: 5.5,
        ..good.clone()
    };
    assert_eq!(
        room.act(Role::Facilitator, "lederevaluering", import(vec![outside])),
        Err(RuleError::Invalid)
    );
    assert_eq!(
        room.act(
            room.people[0],
            "lederevaluering",
            import(vec![good.clone()])
        ),
        Err(RuleError::NotAllowed)
    );
    assert_eq!(
        room.act(
            Role::Facilitator,
            "lederevaluering",
            import(vec![good.clone(); 201])
        ),
        Err(RuleError::Invalid)
    );
    room.act(
        Role::Facilitator,
        "lederevaluering",
        import(vec![good.clone()]),
    )
    .unwrap();
    let index = room.index("lederevaluering");
    let cx = crate::kinds::Ctx::new(&room.s, Scope::Hall, index);
    let Some(crate::protocol::ActivityView::Evaluation(view)) =
        crate::kinds::of(cx.step.kind).view(&cx, crate::audience::Audience::Phone)
    else {
        panic!()
    };
    assert_eq!(view.rows.len(), 1);
    assert!(view.shared.is_none(), "phones never get shared items");
    // People write beside it and share as in a reflection.
    room.goto("lederevaluering");
    room.answer(
        0,
        "lederevaluering",
        "ser",
        In::Text("Tillid står højt".into()),
    );
    room.act(
        room.people[0],
        "lederevaluering",
        Action::Share {
            prompt: "ser".into(),
            item: None,
            share: true,
            named: false,
        },
    )
    .unwrap();
    let outcome = room.s.outcome();
    let Some(Section::Evaluation { rows, shared, .. }) = outcome
        .sections
        .iter()
        .find(|s| matches!(s, Section::Evaluation { .. }))
    else {
        panic!()
    };
    assert_eq!((rows.len(), rows[0].score, rows[0].n), (1, 3.8, 12));
    assert_eq!(shared[0].text, "Tillid står højt");
    // Clearing them.
    room.act(Role::Facilitator, "lederevaluering", import(vec![]))
        .unwrap();
    assert!(
        room.s
            .state(Scope::Hall, index)
            .evaluation
            .imported
            .is_empty()
    );
}

#[test]
fn rows_and_points_carried_in_replace_those_before_and_a_meeting_hands_on_its_own() {
    let mut room = Room::new("opfolgning", 3, None, 3);
    let carry = Carry {
        items: vec![],
        rows: vec![row("r1", "Ledergruppen", "Fast punkt")],
        points: vec![point("AAAAAAA", "balance", 6, Some(spread(6)))],
    };
    assert_eq!(room.s.carry(carry.clone()).unwrap().len(), 1);
    room.s.check_invariants().unwrap();
    assert_eq!(room.s.carry(carry.clone()).unwrap(), vec![], "unchanged");
    assert_eq!(room.s.review_rows().count(), 1);
    let too_many = Carry {
        rows: vec![row("r1", "A", "B"); follow::MAX_REVIEW_ROWS + 1],
        ..carry.clone()
    };
    assert_eq!(room.s.carry(too_many), Err(RuleError::Invalid));
    // The contribution: this meeting's own points (answered and revealed), what it received.
    room.goto("status");
    for who in 0..3 {
        room.answer(who, "status", "balance", In::Number(7));
    }
    room.act(
        Role::Facilitator,
        "status",
        Action::Reveal { revealed: true },
    )
    .unwrap();
    let contribution = room.s.contribution();
    assert_eq!(contribution.received_rows.len(), 1);
    assert_eq!(contribution.received_points.len(), 1);
    let own: Vec<(&str, u32)> = contribution
        .points
        .iter()
        .map(|p| (p.key.as_str(), p.n))
        .collect();
    assert_eq!(
        own,
        [("balance", 3)],
        "no point where nobody's answer was published"
    );
    assert_eq!(contribution.meeting.date, "2027-06-15");
    // Stored and read back, the session is the same.
    let stored: Session = serde_json::from_str(&serde_json::to_string(&room.s).unwrap()).unwrap();
    assert_eq!(stored.carried_in(), room.s.carried_in());
}
