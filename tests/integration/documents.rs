//! Every document a municipality files, from meetings as they are held (issue 14): each
//! built-in programme and the three-meeting series run with six leaders who answer, share
//! (some by name, some anonymously, two never), rate, map and plan, and a facilitator who
//! deals cards, writes notes, groups, places, prioritises, runs a dot vote and accepts rows —
//! the 1:1 with one leader who fills in and shares a personal plan. Every format of each is
//! downloaded: Markdown, HTML, Word, CSV, JSON, the spreadsheet, the invitation, the personal
//! plan, and the paper versions (hand-out and guide, of the programme, of the session and of
//! the series booklet with its days).
//!
//! Checked on the files themselves: nothing private reaches any of them (no answer its author
//! did not share, no actor named by fewer than `min_group`, no proposal the group did not
//! accept), the hand-outs carry none of the facilitator's notes or app instructions, every
//! document names the meeting's own day.
//!
//! The files are kept in `tests/browser/artifacts/documents/` to be looked at; with
//! `TRIVSEL_RENDER_DOCUMENTS=1` they are also rendered page by page (Word with LibreOffice,
//! HTML with headless Chromium, `pdftoppm -r 60`) into PNGs beside them.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{Client, Created, TestServer};

/// The six leaders: their names (one gives none) and how they share. The first four share
/// (0 and 2 with their names), the last two never: what they write must never leave.
const PEOPLE: [(Option<&str>, Sharing); 6] = [
    (Some("Mette"), Sharing::Named),
    (Some("Søren"), Sharing::Anonymous),
    (Some("Anne"), Sharing::Named),
    (None, Sharing::Anonymous),
    (Some("Lotte"), Sharing::Never),
    (Some("Henrik"), Sharing::Never),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sharing {
    Named,
    Anonymous,
    Never,
}

/// The meeting day of a single session, and the series' three.
const DAY: &str = "2027-01-12";
const SERIES_DAYS: [&str; 3] = ["2027-01-12", "2027-02-09", "2027-03-09"];

/// What the leaders write to a text prompt, by prompt id (else [`text_answer`]).
fn text_answers(prompt: &str) -> [&'static str; 6] {
    match prompt {
        "balance-hvorfor" => [
            "Budgetarbejdet fylder meget. Jeg vil gerne have mere tid til min familie om aftenen.",
            "Sygefravær i personalegruppen fylder. Jeg savner tid til at træne.",
            "Omorganiseringen af dagtilbud fylder. Jeg vil gerne have mere ro i weekenderne.",
            "Rekruttering fylder mest. Jeg vil gerne have plads til at læse igen.",
            "Privat fortroligt: min fars sygdom fylder mest lige nu.",
            "Privat fortroligt: jeg sover dårligt og overvejer at søge andet arbejde.",
        ],
        "giver-energi" => [
            "Når et svært forløb med en familie lykkes, og medarbejderne kan se, at det nytter.",
            "Sparring med lederkolleger på tværs af områderne.",
            "Når vi får skabt nye løsninger sammen med borgerne.",
            "At se nye medarbejdere vokse i deres opgaver.",
            "Privat fortroligt: min sidemand i ledergruppen, som jeg stoler på.",
            "Privat fortroligt: de dage, hvor jeg kan arbejde hjemme uden møder.",
        ],
        "tager-energi" => [
            "Mange mails og indberetninger sent på dagen.",
            "Uklare forventninger fra forvaltningen.",
            "Sager, der trækker ud, fordi vi venter på andre afdelinger.",
            "At skulle være til rådighed hele tiden.",
            "Privat fortroligt: konflikten med en bestemt medarbejder.",
            "Privat fortroligt: min chefs måde at tale til mig på.",
        ],
        "et-trin" => [
            "Ét trin højere er, at vi bruger et ledermøde om måneden på sparring.",
            "At vi siger det højt, når en af os er presset.",
            "At vi deler viden om rekruttering på tværs.",
            "Faste aftaler om, hvem der dækker ind ved ferie.",
            "Privat fortroligt: at jeg ikke længere føler mig alene med personalesagen.",
            "Privat fortroligt: at chefen holder op med at aflyse vores møder.",
        ],
        "et-trin-op" => [
            "Restitution: lederne ville have en mødefri formiddag om ugen.",
            "Støtte: hver ny leder ville få en mentor det første år.",
            "Indflydelse: lederne ville blive hørt, før budgettet bliver lagt.",
            "Tryghed: det ville være normalt at sige fra i direktionen.",
            "Privat fortroligt: en bestemt chef ville blive flyttet.",
            "Privat fortroligt: HR ville svare hurtigere i sygesager på mit område.",
        ],
        "bidrager" => [
            "Mit team og de gode resultater på skoleområdet. Sparringen med dig.",
            "",
            "",
            "",
            "",
            "",
        ],
        "udfordrer" => [
            "Mange samtidige projekter og sene møder. Budgettet for næste år.",
            "",
            "",
            "",
            "",
            "",
        ],
        "styrke" => [
            "Færre møder om eftermiddagen og en fast sparring med dig hver måned.",
            "",
            "",
            "",
            "",
            "",
        ],
        _ => ["", "", "", "", "", ""],
    }
}

/// A text answer for a prompt without its own texts.
fn text_answer(prompt: &str, who: usize) -> String {
    match text_answers(prompt)[who] {
        "" => format!("Mit svar på {prompt} ({who})"),
        text => text.to_owned(),
    }
}

/// What the leaders write to a list prompt, by prompt id: two items each.
fn list_answers(prompt: &str) -> [[&'static str; 2]; 6] {
    match prompt {
        "stikord" => [
            ["Gode kolleger", "Indberetninger"],
            ["Borgerkontakt", "Sene møder"],
            ["Faglig udvikling", "Uklare mål for området"],
            ["Frihed til at prioritere", "Mailstrømmen"],
            ["Privat fortroligt stikord", "Privat fortroligt dræn"],
            ["Privat skjult stikord", "Privat skjult dræn"],
        ],
        "gruppen-giver" => [
            [
                "Sparring, når jeg står med en svær personalesag",
                "Humor på ledermøderne",
            ],
            ["Et sted at dele tvivl", "Hjælp til at prioritere"],
            ["Viden fra de andre områder", "Opbakning i svære sager"],
            ["Faste aftaler om dækning ved ferie", "Ærlig feedback"],
            ["Privat fortroligt punkt", "Privat fortroligt ekstra"],
            ["Privat skjult punkt", "Privat skjult ekstra"],
        ],
        "virker" => [
            [
                "Lederforum hver anden måned",
                "Mentorordning for nye ledere",
            ],
            [
                "HR-partnere tæt på lederne",
                "Fælles kalender for indberetninger",
            ],
            ["Netværk for skoleledere", "Coaching efter behov"],
            ["Årshjul, der bliver overholdt", "Tydelige budgetrammer"],
            ["Privat fortroligt eksempel", "Privat fortroligt andet"],
            ["Privat skjult eksempel", "Privat skjult andet"],
        ],
        "selv" => [
            ["Sige nej til møder uden dagsorden", "Holde fri om aftenen"],
            ["Lave faste tider til borgerhenvendelser", "Uddelegere mere"],
            [
                "Forberede pårørendemøder bedre",
                "Spørge om hjælp tidligere",
            ],
            [
                "Planlægge min uge om fredagen",
                "Prioritere ledelse frem for drift",
            ],
            ["Privat fortroligt selv", "Privat fortroligt selv to"],
            ["Privat skjult selv", "Privat skjult selv to"],
        ],
        "sammen" => [
            [
                "Fælles svar til pressen i svære sager",
                "Forventningsafstemning med Økonomiafdelingen",
            ],
            ["Faste møder med MED", "Bedre samarbejde med jobcentret"],
            ["En fælles linje over for pårørende", "Færre indberetninger"],
            ["Tydelige aftaler med politikerne", "Fælles rekruttering"],
            ["Privat fortroligt sammen", "Privat fortroligt sammen to"],
            ["Privat skjult sammen", "Privat skjult sammen to"],
        ],
        _ => [
            ["Første punkt", "Andet punkt"],
            ["Tredje punkt", "Fjerde punkt"],
            ["Femte punkt", "Sjette punkt"],
            ["Syvende punkt", "Ottende punkt"],
            ["Privat fortroligt punkt", "Privat fortroligt ekstra"],
            ["Privat skjult punkt", "Privat skjult ekstra"],
        ],
    }
}

/// The facilitator's labels for grouping shared items, by prompt.
fn group_label(prompt: &str) -> &'static str {
    match prompt {
        "stikord" | "giver-energi" | "tager-energi" => "Samarbejdet",
        "selv" => "Tid",
        "sammen" => "Forventninger",
        "virker" => "Netværk og sparring",
        _ => "Fællesskab",
    }
}

/// Scale answers: each leader's own level, within the scale.
fn scale_answer(min: i64, max: i64, who: usize, prompt_no: usize) -> i64 {
    let base = [7, 5, 8, 4, 6, 9][who] - (prompt_no as i64 % 3);
    base.clamp(min, max)
}

/// A grid rating of topic `t` by leader `who`: importance and success around the topic's own.
fn rating(t: usize, who: usize, max: i64) -> Value {
    let importance = [5, 4, 4, 3, 5, 2, 4, 3, 5, 4, 3, 4][t % 12];
    let success = [2, 3, 4, 4, 2, 4, 3, 2, 3, 4, 2, 3][t % 12];
    let wobble = [-1, 0, 1, 0, -1, 1][who];
    json!({
        "importance": (importance + wobble).clamp(1, max),
        "success": (success - wobble).clamp(1, max),
    })
}

/// The actors each leader names on the map: categories by number, and one of their own for
/// the two who never share (named by one person only, so never shown).
fn actors(who: usize) -> Vec<(usize, i64, i64)> {
    // (category, influence 1–5, effect -2..=2)
    match who {
        0 => vec![(0, 5, 1), (1, 4, -2), (2, 4, 2)],
        1 => vec![(0, 4, 2), (2, 5, 1), (3, 3, 0)],
        2 => vec![(1, 5, -1), (2, 4, 2), (4, 5, -2)],
        3 => vec![(0, 5, 1), (1, 4, -2), (5, 3, -1)],
        4 => vec![(0, 4, 1), (2, 3, 1), (4, 4, -1)],
        _ => vec![(1, 3, -1), (3, 2, 1), (4, 4, -2)],
    }
}

/// Actors only one leader names (never to be shown: fewer than `min_group`).
const LONE_ACTORS: [(usize, &str); 2] = [
    (4, "Rengøringsselskabet på rådhuset"),
    (5, "Byrådets børne- og ungeudvalg"),
];

/// Plan rows the leaders propose (area by number) and the facilitator's own.
const PROPOSALS: [(usize, &str); 4] = [
    (0, "Et fast punkt om trivsel på hvert andet ledermøde"),
    (1, "Sparringsgrupper på tværs af områderne"),
    (2, "Fælles retningslinjer for mails efter kl. 17"),
    (0, "Privat afvist forslag om nedlæggelse af ledermøderne"),
];

/// Everything a run keeps: every text that must never leave the room.
#[derive(Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn keep(&mut self, text: &str) {
        if !text.trim().is_empty() && !self.0.iter().any(|t| t == text) {
            self.0.push(text.to_owned());
        }
    }
}

/// The step message for `index` as the client last received it.
async fn step_message(client: &mut Client, index: usize) -> Value {
    let is_step =
        |m: &Value| (m["type"] == "step" || m["type"] == "snapshot") && m["step"]["index"] == index;
    match client.frames.iter().rev().find(|m| is_step(m)) {
        Some(m) => m.clone(),
        None => client.until("step", is_step).await,
    }
}

/// The latest activity of step `index` the facilitator received that satisfies `pred`.
async fn activity_where(fac: &mut Client, index: usize, pred: impl Fn(&Value) -> bool) -> Value {
    let found = |m: &Value| {
        matches!(m["type"].as_str(), Some("activity" | "step" | "snapshot"))
            && (m["index"] == index || m["step"]["index"] == index)
            && pred(&m["activity"])
    };
    if let Some(m) = fac.frames.iter().rev().find(|m| found(m)) {
        return m["activity"].clone();
    }
    fac.until("activity", found).await["activity"].clone()
}

/// Runs a meeting (`code`) through every step with `PEOPLE` (or only the first, in a
/// programme for one), as described in the module; returns the secrets and the phones.
async fn hold_meeting(server: &TestServer, code: &str, token: &str) -> (Secrets, Vec<Client>) {
    let mut secrets = Secrets::default();
    let mut fac = Client::staff(&server.addr, code, token).await;
    let for_one = fac.frames[0]["session"]["participants"] == "one";
    let people = if for_one { 1 } else { PEOPLE.len() };
    let mut phones = Vec::new();
    for (name, _) in PEOPLE.iter().take(people) {
        phones.push(Client::join(&server.addr, code, *name).await);
    }
    let steps = fac.frames[0]["session"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    for index in 0..steps.len() {
        if index > 0 {
            fac.ok(json!({ "type": "goto", "index": index })).await;
        }
        let message = step_message(&mut fac, index).await;
        let step = message["step"].clone();
        let sid = step["id"].as_str().unwrap().to_owned();
        let kind = step["kind"].as_str().unwrap().to_owned();
        let act = |action: Value| {
            let mut msg = json!({ "type": "act", "step": sid });
            for (k, v) in action.as_object().unwrap() {
                msg[k] = v.clone();
            }
            msg
        };
        match kind.as_str() {
            "reflection" => {
                let areas: Vec<Value> = step["areas"].as_array().cloned().unwrap_or_default();
                let mut shared = 0;
                let mut grouped: Vec<String> = Vec::new();
                for (who, phone) in phones.iter_mut().enumerate() {
                    let sharing = if for_one {
                        Sharing::Never
                    } else {
                        PEOPLE[who].1
                    };
                    for (n, prompt) in step["prompts"].as_array().unwrap().iter().enumerate() {
                        let pid = prompt["id"].as_str().unwrap();
                        let value = match prompt["kind"].as_str().unwrap() {
                            "scale" => json!(scale_answer(
                                prompt["min"].as_i64().unwrap(),
                                prompt["max"].as_i64().unwrap(),
                                who,
                                n
                            )),
                            "text" => json!(text_answer(pid, who)),
                            "list" => {
                                let items: Vec<Value> = list_answers(pid)[who]
                                    .iter()
                                    .enumerate()
                                    .map(|(i, text)| {
                                        let mut item =
                                            json!({ "id": format!("i{i}"), "text": text });
                                        if !areas.is_empty() {
                                            item["area"] =
                                                areas[(who + i) % areas.len()]["id"].clone();
                                        }
                                        item
                                    })
                                    .collect();
                                json!(items)
                            }
                            "circles" => json!({
                                "now": { "work": 70 + who as u8 * 3, "private": 30, "overlap": 10 },
                                "wanted": { "work": 55, "private": 45 + who as u8, "overlap": 25 }
                            }),
                            other => panic!("prompt kind {other}"),
                        };
                        phone
                            .ok(json!({ "type": "answer", "step": sid, "prompt": pid, "value": value }))
                            .await;
                        // Who shares what: text answers by 0 and 1; list items' first by 0–3,
                        // the second by 0 too. What is not shared stays private.
                        let share = |item: Option<&str>| {
                            act(
                                json!({ "action": "share", "prompt": pid, "item": item, "share": true, "named": sharing == Sharing::Named }),
                            )
                        };
                        match prompt["kind"].as_str().unwrap() {
                            "text" => {
                                let text = text_answer(pid, who);
                                if sharing != Sharing::Never && who < 2 {
                                    phone.ok(share(None)).await;
                                    shared += 1;
                                    if who == 0 {
                                        grouped.push(text);
                                    }
                                } else {
                                    secrets.keep(&text);
                                }
                            }
                            "list" => {
                                let items = list_answers(pid)[who];
                                for (i, text) in items.iter().enumerate() {
                                    if sharing != Sharing::Never && (i == 0 || who == 0) {
                                        phone.ok(share(Some(&format!("i{i}")))).await;
                                        shared += 1;
                                        if who < 2 {
                                            grouped.push(text.to_string());
                                        }
                                    } else {
                                        secrets.keep(text);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    phone
                        .ok(json!({ "type": "ready", "step": sid, "ready": true }))
                        .await;
                }
                if !for_one {
                    fac.ok(act(json!({ "action": "reveal", "revealed": true })))
                        .await;
                    if shared > 0 {
                        let activity = activity_where(&mut fac, index, |a| {
                            a["shared"].as_array().is_some_and(|s| s.len() == shared)
                        })
                        .await;
                        // The facilitator groups some of them under one label.
                        let ids: Vec<u64> = activity["shared"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|s| grouped.iter().any(|g| s["text"] == g.as_str()))
                            .map(|s| s["id"].as_u64().unwrap())
                            .collect();
                        let first = step["prompts"][0]["id"].as_str().unwrap();
                        let label = group_label(first);
                        fac.ok(act(
                            json!({ "action": "group", "shares": ids, "label": label }),
                        ))
                        .await;
                    }
                }
            }
            "cards" => {
                let deck: Vec<String> = message["activity"]["deck"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_owned())
                    .collect();
                fac.ok(act(
                    json!({ "action": "deal", "card": deck[0], "to": "room" }),
                ))
                .await;
                fac.ok(act(json!({ "action": "note", "text": "Det gjorde en forskel, at vi tog telefonen og ringede til hinanden i stedet for at skrive." })))
                    .await;
                fac.ok(act(json!({ "action": "note", "text": "Vi kender for lidt til hinandens opgaver." })))
                    .await;
                fac.ok(act(
                    json!({ "action": "deal", "card": deck[3], "to": "turn" }),
                ))
                .await;
                fac.ok(act(json!({ "action": "note", "text": "Tillid kommer af, at man holder, hvad man lover – også i de små ting." })))
                    .await;
                fac.ok(act(
                    json!({ "action": "deal", "card": deck[4], "to": "room" }),
                ))
                .await;
                fac.ok(act(json!({ "action": "pass" }))).await;
                fac.ok(act(
                    json!({ "action": "deal", "card": deck[deck.len() - 1], "to": "room" }),
                ))
                .await;
                fac.ok(act(json!({ "action": "note", "text": "Vi aftaler, at ingen svarer på mails i weekenden, medmindre det haster." })))
                    .await;
            }
            "grid" => {
                let max = step["scale_max"].as_i64().unwrap();
                fac.ok(act(json!({ "action": "add_topic", "text": "Forventningsafstemning med Økonomiafdelingen" })))
                    .await;
                let topics = activity_where(&mut fac, index, |a| {
                    a["topics"].as_array().is_some_and(|t| {
                        t.iter().any(|t| {
                            t["text"]["da"] == "Forventningsafstemning med Økonomiafdelingen"
                        })
                    })
                })
                .await["topics"]
                    .as_array()
                    .unwrap()
                    .clone();
                for (who, phone) in phones.iter_mut().enumerate() {
                    for (t, topic) in topics.iter().enumerate() {
                        phone
                            .ok(json!({ "type": "answer", "step": sid, "prompt": topic["id"], "value": rating(t, who, max) }))
                            .await;
                    }
                    phone
                        .ok(json!({ "type": "ready", "step": sid, "ready": true }))
                        .await;
                }
                if !for_one {
                    fac.ok(act(json!({ "action": "reveal", "revealed": true })))
                        .await;
                    let id = |n: usize| topics[n.min(topics.len() - 1)]["id"].clone();
                    // Two topics agreed at the same point, one elsewhere.
                    for (n, position) in [(0, [5, 2]), (4, [5, 2]), (2, [4, 4])] {
                        fac.ok(act(
                            json!({ "action": "place", "topic": id(n), "position": position }),
                        ))
                        .await;
                    }
                    fac.ok(act(json!({ "action": "open_vote", "open": true })))
                        .await;
                    for (who, phone) in phones.iter_mut().enumerate() {
                        let dots = [id(who % 3), id(4), id(topics.len() - 1)];
                        phone
                            .ok(act(json!({ "action": "vote", "topics": dots })))
                            .await;
                    }
                    fac.ok(act(json!({ "action": "open_vote", "open": false })))
                        .await;
                    fac.ok(act(json!({ "action": "prioritise", "topics": [id(0), id(4), id(topics.len() - 1)] })))
                        .await;
                }
            }
            "map" => {
                let categories: Vec<String> = step["categories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["da"].as_str().unwrap().to_owned())
                    .collect();
                for (who, phone) in phones.iter_mut().enumerate() {
                    let mut named: Vec<(String, i64, i64)> = actors(who)
                        .into_iter()
                        .map(|(c, i, e)| (categories[c % categories.len()].clone(), i, e))
                        .collect();
                    for (lone, label) in LONE_ACTORS {
                        if lone == who {
                            named.push((label.to_owned(), 4, -2));
                            secrets.keep(label);
                        }
                    }
                    for (n, (label, influence, effect)) in named.into_iter().enumerate() {
                        let actor =
                            json!({ "label": label, "influence": influence, "effect": effect });
                        phone
                            .ok(json!({ "type": "answer", "step": sid, "prompt": format!("a{n}"), "value": actor }))
                            .await;
                    }
                    phone
                        .ok(json!({ "type": "ready", "step": sid, "ready": true }))
                        .await;
                }
                if !for_one {
                    fac.ok(act(json!({ "action": "reveal", "revealed": true })))
                        .await;
                }
            }
            "plan" => {
                let areas = step["areas"].as_array().unwrap().clone();
                let area = |n: usize| areas[n % areas.len()]["id"].clone();
                for (who, (a, action)) in PROPOSALS.iter().enumerate() {
                    let row = json!({ "area": area(*a), "action": action });
                    let n = phones.len();
                    phones[who % n]
                        .ok(act(json!({ "action": "add_row", "row": row })))
                        .await;
                }
                secrets.keep(PROPOSALS[3].1);
                // The first three proposals made concrete and accepted; the fourth left.
                let details = [
                    (
                        "Sæt punktet på dagsordenen for ledermødet i februar",
                        "Mette",
                        "2027-02-01",
                        "2027-04-15",
                    ),
                    (
                        "Hver leder finder en sparringspartner uden for eget område",
                        "Ledergruppen",
                        "2027-03-01",
                        "2027-06-01",
                    ),
                    (
                        "HR-konsulenten laver et udkast til retningslinjer",
                        "Søren og HR",
                        "2027-02-15",
                        "",
                    ),
                ];
                for (n, (first_step, owner, deadline, follow_up)) in details.iter().enumerate() {
                    let (a, action) = PROPOSALS[n];
                    let row = json!({
                        "area": area(a), "action": action, "first_step": first_step,
                        "owner": owner, "deadline": deadline, "follow_up": follow_up,
                        "answers": if n == 0 { "Forventningsafstemning med Økonomiafdelingen" } else { "" },
                    });
                    let id = format!("r{}", n + 1);
                    fac.ok(act(json!({ "action": "edit_row", "id": id, "row": row })))
                        .await;
                    fac.ok(act(
                        json!({ "action": "accept_row", "id": id, "accepted": true }),
                    ))
                    .await;
                }
                let own = json!({
                    "area": area(3), "action": "Drøfte ledernes trivsel med direktionen",
                    "first_step": "Bede om et punkt på direktionsmødet", "owner": "Chefen",
                    "deadline": "2027-03-31", "follow_up": "2027-09-01", "answers": "",
                });
                fac.ok(act(json!({ "action": "add_row", "row": own })))
                    .await;
            }
            "personal_plan" => {
                let phone = &mut phones[0];
                let areas = step["areas"].as_array().unwrap().clone();
                let plans = [
                    (
                        "Jeg holder fri om aftenen og lukker mailen kl. 17.",
                        "Slå notifikationer fra på telefonen i aften.",
                    ),
                    (
                        "Jeg foreslår faste sparringsmakkere i ledergruppen.",
                        "Tage det op på ledermødet i februar.",
                    ),
                    ("", ""),
                    (
                        "Jeg giver mine teamledere mere ansvar for vagtplanen.",
                        "Møde med teamlederne den 20. januar.",
                    ),
                ];
                for (area, (work, first_step)) in areas.iter().zip(plans) {
                    phone
                        .ok(json!({ "type": "answer", "step": sid, "prompt": area["id"], "value": { "work": work, "first_step": first_step } }))
                        .await;
                }
                phone
                    .ok(act(json!({ "action": "share_plan", "share": true })))
                    .await;
            }
            _ => {}
        }
    }
    (secrets, phones)
}

/// A download with the facilitator's token; its bytes.
async fn get(server: &TestServer, path: &str, token: Option<&str>) -> Vec<u8> {
    let mut request = server.http.get(server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// Every text part of a zip package (Word, spreadsheet), concatenated.
fn zip_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        if file.name().ends_with(".xml") || file.name().ends_with(".rels") {
            file.read_to_string(&mut text).unwrap();
        }
    }
    text
}

/// The text of a file as a reader searches it: a zip's XML parts, else the file.
fn searchable(name: &str, bytes: &[u8]) -> String {
    if name.ends_with(".docx") || name.ends_with(".xlsx") {
        zip_text(bytes)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Where the documents are kept to be looked at.
fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/artifacts/documents")
}

/// Every document of one session (its exports, invitation and paper versions).
async fn session_documents(
    server: &TestServer,
    created: &Created,
    programme: &str,
) -> BTreeMap<String, Vec<u8>> {
    let (code, token) = (&created.code, created.facilitator_token.as_str());
    let mut files = BTreeMap::new();
    for format in ["md", "html", "docx", "csv", "json", "xlsx"] {
        let path = format!("/api/sessions/{code}/export?format={format}");
        files.insert(
            format!("export.{format}"),
            get(server, &path, Some(token)).await,
        );
    }
    let path = format!("/api/sessions/{code}/invitation.ics?start={DAY}T09:00");
    files.insert(
        "invitation.ics".into(),
        get(server, &path, Some(token)).await,
    );
    for version in ["handout", "guide"] {
        let path = format!("/api/sessions/{code}/print?version={version}");
        files.insert(
            format!("print-session-{version}.html"),
            get(server, &path, None).await,
        );
        let path = format!("/api/programmes/{programme}/print?version={version}");
        files.insert(
            format!("print-{version}.html"),
            get(server, &path, None).await,
        );
    }
    files
}

/// Renders what can be looked at page by page: Word through LibreOffice, HTML through
/// headless Chromium, every PDF to PNGs at 60 dpi.
fn render(dir: &Path) {
    let profile = tempfile::tempdir().unwrap();
    // Word files to `name.pdf`; spreadsheets (when LibreOffice Calc is there) to
    // `name.xlsx.pdf`, converted apart so the two never share a name.
    for extension in ["docx", "xlsx"] {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == extension))
            .collect();
        if files.is_empty() {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        let status = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.path().display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(out.path())
            .args(&files)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("soffice");
        assert!(status.success());
        for entry in std::fs::read_dir(out.path()).unwrap() {
            let pdf = entry.unwrap().path();
            let stem = pdf.file_stem().unwrap().to_string_lossy().into_owned();
            let name = if extension == "docx" {
                format!("{stem}.pdf")
            } else {
                format!("{stem}.xlsx.pdf")
            };
            std::fs::copy(&pdf, dir.join(name)).unwrap();
        }
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let pdf = path.with_extension("html.pdf");
            let status = Command::new(
                std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            )
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", path.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("chromium");
            assert!(status.success());
        }
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            let stem = path.with_extension("");
            let status = Command::new("pdftoppm")
                .args(["-r", "60", "-png"])
                .arg(&path)
                .arg(&stem)
                .status()
                .expect("pdftoppm");
            assert!(status.success());
        }
    }
}

/// Creates a session of `programme` on [`DAY`] (the 1:1 too: `min_group` is the default).
async fn create(server: &TestServer, programme: &str) -> Created {
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": programme, "min_group": 3, "date": DAY }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{programme}");
    response.json().await.unwrap()
}

/// Every document names the meeting's day as written out (`days`), the JSON as it is, the
/// invitation starts on it at 09:00 Copenhagen time; the hand-outs hold none of the
/// facilitator's boxes, which the guides have.
fn assert_dated_and_handed_out(id: &str, files: &BTreeMap<String, Vec<u8>>, days: &[(&str, &str)]) {
    for (name, bytes) in files {
        let text = searchable(name, bytes);
        for (iso, written) in days {
            if name.starts_with("export.md")
                || name.starts_with("export.html")
                || name == "export.docx"
            {
                assert!(
                    text.contains(written),
                    "{id}/{name} names the day {written}"
                );
            }
            if name == "export.json" {
                assert!(
                    text.contains(&format!("\"date\": \"{iso}\"")),
                    "{id}/{name}: {iso}"
                );
            }
        }
        if name == "invitation.ics" {
            // 09:00 in January in Copenhagen is 08:00 UTC.
            let start = format!("DTSTART:{}T080000Z", days[0].0.replace('-', ""));
            assert!(text.contains(&start), "{id}/{name}: {start}");
        }
        if name.contains("handout") {
            for facilitators in [
                "Til facilitator",
                "class=\"notes\"",
                "class=\"app\"",
                "Forberedelse",
            ] {
                assert!(
                    !text.contains(facilitators),
                    "{id}/{name} has {facilitators:?}"
                );
            }
        }
        if name.contains("guide") {
            assert!(text.contains("Til facilitator"), "{id}/{name}");
        }
    }
}

/// Asserts that no secret is in any file.
fn assert_private(id: &str, files: &BTreeMap<String, Vec<u8>>, secrets: &Secrets) {
    assert!(
        !secrets.0.is_empty(),
        "{id}: the meeting kept something private"
    );
    for (name, bytes) in files {
        let text = searchable(name, bytes);
        for secret in &secrets.0 {
            assert!(
                !text.contains(secret.as_str()),
                "{id}/{name} holds what was never shared: {secret:?}"
            );
        }
    }
}

#[tokio::test]
async fn every_document_of_every_programme_is_dated_keeps_private_what_was_not_shared_and_hands_out_no_notes()
 {
    let server = TestServer::start().await;
    let ids: Vec<String> = server
        .programmes()
        .await
        .iter()
        .filter(|p| p["series"].is_null())
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let root = artifacts();
    let _ = std::fs::remove_dir_all(&root);
    let render_them = std::env::var("TRIVSEL_RENDER_DOCUMENTS").is_ok_and(|v| v == "1");
    for id in &ids {
        let created = create(&server, id).await;
        let (secrets, mut phones) =
            hold_meeting(&server, &created.code, &created.facilitator_token).await;
        let mut files = session_documents(&server, &created, id).await;
        if id == "enkelte-leder" {
            let me = phones[0].frames[0]["me"].clone();
            for format in ["html", "docx"] {
                let response = server
                    .http
                    .get(server.url(&format!(
                        "/api/sessions/{}/personal-plan?format={format}",
                        created.code
                    )))
                    .header(
                        "authorization",
                        format!(
                            "Bearer {}:{}",
                            me["id"].as_str().unwrap(),
                            me["secret"].as_str().unwrap()
                        ),
                    )
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                files.insert(
                    format!("personal-plan.{format}"),
                    response.bytes().await.unwrap().to_vec(),
                );
            }
            let _ = phones.pop();
        }
        let dir = root.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        assert_private(id, &files, &secrets);
        assert_dated_and_handed_out(id, &files, &[(DAY, "12. januar 2027")]);
        if render_them {
            render(&dir);
        }
    }

    // The series: three meetings on their days, six leaders in each.
    let series: Value = server
        .http
        .post(server.url("/api/series"))
        .json(&json!({ "series": "tre-trins-raket", "min_group": 3, "dates": SERIES_DAYS }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = series["facilitator_token"].as_str().unwrap().to_owned();
    let codes: Vec<String> = series["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect();
    let mut secrets = Secrets::default();
    for code in &codes {
        let (kept, _) = hold_meeting(&server, code, &token).await;
        secrets.0.extend(kept.0);
    }
    let mut files = BTreeMap::new();
    for format in ["md", "html", "docx", "csv", "json", "xlsx"] {
        let path = format!("/api/series/{}/export?format={format}", codes[0]);
        files.insert(
            format!("export.{format}"),
            get(&server, &path, Some(&token)).await,
        );
    }
    for version in ["handout", "guide"] {
        let path = format!(
            "/api/series/tre-trins-raket/print?version={version}&dates={}",
            SERIES_DAYS.join(",")
        );
        files.insert(
            format!("print-{version}.html"),
            get(&server, &path, None).await,
        );
    }
    let dir = root.join("tre-trins-raket");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    assert_private("tre-trins-raket", &files, &secrets);
    assert_dated_and_handed_out(
        "tre-trins-raket",
        &files,
        &[
            (SERIES_DAYS[0], "12. januar 2027"),
            (SERIES_DAYS[1], "9. februar 2027"),
            (SERIES_DAYS[2], "9. marts 2027"),
        ],
    );
    if render_them {
        render(&dir);
    }
}
