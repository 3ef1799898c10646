//! The HTTP API, exactly as integrators script against it.

use serde_json::{Value, json};

use crate::common::{Client, TestServer, session_info};

#[tokio::test]
async fn health_answers_ok() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn programmes_are_listed_with_both_languages_and_their_steps() {
    let server = TestServer::start().await;
    let list = server.programmes().await;
    let del1 = list
        .iter()
        .find(|p| p["id"] == "del1")
        .expect("del1 is built in");
    assert!(del1["title"]["da"].as_str().unwrap().starts_with("Del 1"));
    assert!(!del1["title"]["en"].as_str().unwrap().is_empty());
    let steps = del1["steps"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "info");
    assert!(steps.iter().any(|s| s["kind"] == "reflection"));
    assert_eq!(steps.last().unwrap()["kind"], "end");
    for step in steps {
        assert_eq!(
            step.as_object().unwrap().len(),
            3,
            "exactly id, kind, title: {step}"
        );
    }
}

#[tokio::test]
async fn creating_a_session_returns_its_links_and_token() {
    let server = TestServer::start().await;
    let response = server
        .http
        .post(server.url("/api/sessions"))
        .json(&json!({ "programme": "del1", "lang": "da", "min_group": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let code = created["code"].as_str().unwrap();
    assert_eq!(code.len(), 7);
    assert!(
        code.chars()
            .all(|c| "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(c)),
        "{code}"
    );
    assert_eq!(created["join_url"], server.url(&format!("/j/{code}")));
    let token = created["facilitator_token"].as_str().unwrap();
    assert!(token.len() >= 32, "at least 128 bits");
    assert_eq!(
        created["facilitator_url"],
        server.url(&format!("/s/{code}/facilitator#{token}"))
    );
    let projector = created["projector_url"].as_str().unwrap();
    assert!(projector.starts_with(&server.url(&format!("/s/{code}/projector#"))));
    assert!(
        !projector.ends_with(token),
        "the projector gets its own token"
    );
}

#[tokio::test]
async fn bad_create_requests_get_a_message() {
    let server = TestServer::start().await;
    for (body, needle) in [
        (json!({ "programme": "nope" }), "unknown programme"),
        (json!({ "programme": "del1", "min_group": 0 }), "min_group"),
        (
            json!({ "programme": "del1", "lang": "de" }),
            "invalid request",
        ),
        (json!({}), "invalid request"),
    ] {
        let response = server
            .http
            .post(server.url("/api/sessions"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains(needle), "{error}");
    }
    let garbage = server
        .http
        .post(server.url("/api/sessions"))
        .header("content-type", "application/json")
        .body("{{{")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
}

#[tokio::test]
async fn session_info_needs_the_facilitator_token() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let url = server.url(&format!("/api/sessions/{}", session.code));
    let info = session_info(&server.http, &server.url(""), &session).await;
    // No day set: its exports carry the day it was created (today, in Copenhagen).
    let today = trivsel::dates::iso_date(trivsel::clock::now_ms());
    assert_eq!(
        info,
        json!({
            "code": session.code,
            "programme": "del1",
            "meeting_date": today,
            "step": { "index": 0, "id": "velkommen", "kind": "info" },
            "participants": { "joined": 0, "connected": 0, "named": [] }
        })
    );
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 401);
    let projector = server
        .http
        .get(&url)
        .bearer_auth(session.projector_token())
        .send()
        .await
        .unwrap();
    assert_eq!(
        projector.status(),
        401,
        "the projector token does not steer"
    );
    let other = server
        .http
        .get(&url)
        .bearer_auth("0".repeat(40))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
    let unknown = server
        .http
        .get(server.url("/api/sessions/ABCDEFG"))
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn info_counts_joined_and_connected_participants() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let a = Client::join(&server.addr, &session.code, Some("Anna")).await;
    let _b = Client::join(&server.addr, &session.code, None).await;
    a.vanish();
    let url = server.url(&format!("/api/sessions/{}", session.code));
    let mut connected = 2;
    for _ in 0..100 {
        let info: Value = server
            .http
            .get(&url)
            .bearer_auth(&session.facilitator_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["participants"]["joined"], 2);
        connected = info["participants"]["connected"].as_u64().unwrap();
        if connected == 1 {
            // Only the one who gave a name is listed, and she is the one who left.
            assert_eq!(
                info["participants"]["named"],
                json!([{ "name": "Anna", "connected": false, "ready": false }])
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(connected, 1);
}

#[tokio::test]
async fn the_qr_code_decodes_to_exactly_the_join_url() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let response = server
        .http
        .get(server.url(&format!("/api/sessions/{}/qr.svg", session.code)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    assert_eq!(decode_qr_svg(&svg), session.join_url);
}

/// Rasterises our SVG (squares `M{x} {y}h1v1h-1z` in a `0 0 size size` view box) and decodes it
/// with a real QR reader.
fn decode_qr_svg(svg: &str) -> String {
    let size: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let scale = 6;
    let mut dark = vec![false; size * size];
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let coords = square.trim_end_matches("h1v1h-1z");
        let (x, y) = coords.split_once(' ').unwrap();
        dark[y.parse::<usize>().unwrap() * size + x.parse::<usize>().unwrap()] = true;
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
            if dark[(y / scale) * size + x / scale] {
                0
            } else {
                255
            }
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn unknown_pages_and_codes_are_404() {
    let server = TestServer::start().await;
    for path in [
        "/api/sessions/ZZZZZZZ/qr.svg",
        "/static/nope.js",
        "/api/sessions/lower/qr.svg",
    ] {
        assert_eq!(
            server
                .http
                .get(server.url(path))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::start().await;
    let style = format!("/static/{}/app.css", trivsel::web::VERSION);
    for path in [
        "/",
        "/healthz",
        "/api/programmes",
        "/j/ABCDEFG",
        &style,
        "/nowhere",
    ] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn the_facilitator_jumps_to_any_step_and_everyone_follows() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut participant = Client::join(&server.addr, &session.code, Some("Bodil")).await;
    let info = || async {
        let url = server.url(&format!("/api/sessions/{}", session.code));
        let response = server
            .http
            .get(&url)
            .bearer_auth(&session.facilitator_token)
            .send()
            .await
            .unwrap();
        response.json::<serde_json::Value>().await.unwrap()
    };
    let steps = info().await;
    assert_eq!(steps["step"]["index"], 0);
    // Straight from the first step to the third, then back to the second: as the step list does.
    for index in [2, 1] {
        facilitator
            .ok(json!({ "type": "goto", "index": index }))
            .await;
        let step = participant
            .until("the step", |m| {
                m["type"] == "step" && m["step"]["index"] == index
            })
            .await;
        assert_eq!(step["step"]["index"], index);
        assert_eq!(info().await["step"]["index"], index);
    }
    let refused = facilitator
        .refused(json!({ "type": "goto", "index": 99 }))
        .await;
    assert_eq!(refused["code"], "wrong_step", "{refused}");
    assert_eq!(info().await["step"]["index"], 1);
}

#[tokio::test]
async fn only_the_projector_page_may_be_framed_and_only_by_our_own_origin() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let code = &session.code;
    // The console's live mirror frames the projector page; nothing else may be framed.
    let projector = server
        .http
        .get(server.url(&format!("/s/{code}/projector")))
        .send()
        .await
        .unwrap();
    let headers = projector.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains('*') && !csp.contains("http"), "{csp}");
    assert!(
        csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    for path in [
        format!("/s/{code}/facilitator"),
        format!("/s/{code}/preview"),
        format!("/j/{code}"),
        "/".to_owned(),
        format!("/static/{}/projector.js", trivsel::web::VERSION),
    ] {
        let response = server.http.get(server.url(&path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn deleting_a_session_removes_it_everywhere() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let secret_text = "MIT-HEMMELIGE-SVAR-4711";
    let mut facilitator =
        Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut participant = Client::join(&server.addr, &session.code, Some("Bodil")).await;
    facilitator.ok(json!({ "type": "goto", "index": 1 })).await;
    participant.expect("step").await;
    participant
        .ok(json!({ "type": "answer", "step": "arbejde-privat", "prompt": "balance-hvorfor", "value": secret_text }))
        .await;

    let url = server.url(&format!("/api/sessions/{}", session.code));
    let response = server.http.delete(&url).send().await.unwrap();
    assert_eq!(response.status(), 401, "deleting needs the token");
    let response = server
        .http
        .delete(&url)
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    for client in [&mut facilitator, &mut participant] {
        client.expect("deleted").await;
        assert_eq!(client.closed().await, 4404);
    }
    assert_eq!(
        server
            .http
            .get(&url)
            .bearer_auth(&session.facilitator_token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let qr = server
        .http
        .get(format!("{url}/qr.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 404);
    let mut late = Client::connect(&server.addr, &session.code, "late").await;
    late.send(json!({ "type": "join" })).await;
    assert_eq!(late.closed().await, 4404);

    for entry in std::fs::read_dir(server.data.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in [secret_text, &session.code, &session.facilitator_token] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} is still on disk"
            );
        }
    }
}

#[tokio::test]
async fn with_a_public_url_every_link_and_the_qr_code_use_it() {
    let server = TestServer::start_with(
        tempfile::tempdir().unwrap(),
        Some("https://trivsel.example.dk"),
    )
    .await;
    let session = server.create("del1").await;
    assert_eq!(
        session.join_url,
        format!("https://trivsel.example.dk/j/{}", session.code)
    );
    assert!(
        session
            .projector_url
            .starts_with("https://trivsel.example.dk/s/")
    );
    let svg = server
        .http
        .get(server.url(&format!("/api/sessions/{}/qr.svg", session.code)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(decode_qr_svg(&svg), session.join_url);
    let staff = Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    assert_eq!(staff.frames[0]["session"]["join_url"], session.join_url);
}

#[tokio::test]
async fn join_codes_are_accepted_in_any_case() {
    let server = TestServer::start().await;
    let session = server.create("del1").await;
    let lower = session.code.to_lowercase();
    let response = server
        .http
        .get(server.url(&format!("/api/sessions/{lower}/qr.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let phone = Client::join(&server.addr, &lower, None).await;
    assert_eq!(phone.frames[0]["session"]["code"], session.code);
}

#[tokio::test]
async fn a_meeting_invitation_downloads_as_a_calendar_file_with_the_join_link() {
    let server = TestServer::start().await;
    let session = server.create("del2").await;
    let url = server.url(&format!(
        "/api/sessions/{}/invitation.ics?start=2027-01-12T09:00&minutes=90",
        session.code
    ));
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 401);
    let response = server
        .http
        .get(&url)
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = response.text().await.unwrap().replace("\r\n ", "");
    // 09:00–10:30 in Copenhagen in January (UTC+1).
    assert!(
        ics.contains("DTSTART:20270112T080000Z") && ics.contains("DTEND:20270112T093000Z"),
        "{ics}"
    );
    assert!(ics.contains(&format!("URL:{}", session.join_url)));
    assert!(
        ics.lines()
            .any(|l| l.starts_with("DESCRIPTION:") && l.contains(&session.join_url)),
        "the invitation text carries the link: {ics}"
    );
    let bad = server.url(&format!(
        "/api/sessions/{}/invitation.ics?start=tomorrow",
        session.code
    ));
    let response = server
        .http
        .get(&bad)
        .bearer_auth(&session.facilitator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// The start is local time in Copenhagen: read back with a calendar library, a meeting at 09:00
/// on the Friday before the change to summer time (28 March 2027) is at 08:00 UTC, one at 09:00
/// on the Monday after it at 07:00 UTC, and the file names the zone.
#[tokio::test]
async fn an_invitation_read_back_is_at_nine_in_copenhagen_on_both_sides_of_summer_time() {
    use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
    let server = TestServer::start().await;
    let session = server.create("del2").await;
    let utc = |time: Option<DatePerhapsTime>| match time {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(time))) => time.to_rfc3339(),
        other => panic!("not a UTC time: {other:?}"),
    };
    for (start, utc_start, utc_end) in [
        (
            "2027-03-26T09:00",
            "2027-03-26T08:00:00+00:00",
            "2027-03-26T09:30:00+00:00",
        ),
        (
            "2027-03-29T09:00",
            "2027-03-29T07:00:00+00:00",
            "2027-03-29T08:30:00+00:00",
        ),
    ] {
        let url = server.url(&format!(
            "/api/sessions/{}/invitation.ics?start={start}&minutes=90",
            session.code
        ));
        let response = server
            .http
            .get(&url)
            .bearer_auth(&session.facilitator_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        let calendar: icalendar::Calendar = text.parse().unwrap();
        assert_eq!(calendar.get_timezone(), Some("Europe/Copenhagen"), "{text}");
        let events: Vec<_> = calendar
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .collect();
        assert_eq!(events.len(), 1, "{text}");
        let event = events[0];
        assert_eq!(utc(event.get_start()), utc_start, "{start}: {text}");
        assert_eq!(utc(event.get_end()), utc_end, "{start}: {text}");
        assert_eq!(
            event.get_uid(),
            Some(format!("{}@trivsel", session.code).as_str())
        );
        assert_eq!(event.get_url(), Some(session.join_url.as_str()));
        assert!(event.get_timestamp().is_some(), "DTSTAMP");
        assert!(
            event
                .get_description()
                .is_some_and(|d| d.contains(&session.join_url)),
            "{text}"
        );
        assert!(event.get_summary().is_some_and(|s| !s.is_empty()));
    }
}

#[tokio::test]
async fn every_programme_prints_on_paper_with_its_cards() {
    let server = TestServer::start().await;
    let list = server.programmes().await;
    for programme in list.iter().filter(|p| p["series"].is_null()) {
        let id = programme["id"].as_str().unwrap();
        for lang in ["da", "en"] {
            let response = server
                .http
                .get(server.url(&format!("/api/programmes/{id}/print?lang={lang}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{id}");
            let csp = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(csp.contains("default-src 'none'"), "{csp}");
            let html = response.text().await.unwrap();
            assert!(html.contains("@page { size: A4"));
            assert!(
                html.contains(programme["title"][lang].as_str().unwrap()),
                "{id} {lang}"
            );
        }
    }
    let del2 = server
        .http
        .get(server.url("/api/programmes/del2/print"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        del2.matches("<div class=\"card\">").count() >= 9,
        "the deck prints as cards"
    );
    assert_eq!(
        server
            .http
            .get(server.url("/api/programmes/nope/print"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn paper_comes_as_a_hand_out_a_guide_and_a_series_booklet() {
    // Issue 14: `?version=handout|guide` on a programme's print page (the guide by default), and
    // the series as one booklet; a wrong version is a typed 400, an unknown series 404.
    let server = TestServer::start().await;
    let get = |path: String| {
        let request = server.http.get(server.url(&path));
        async move { request.send().await.unwrap() }
    };
    let text = |path: &str| {
        let response = get(path.to_owned());
        async move {
            let response = response.await;
            assert_eq!(response.status(), 200, "GET");
            response.text().await.unwrap()
        }
    };
    let handout = text("/api/programmes/enkelte-leder/print?version=handout").await;
    let guide = text("/api/programmes/enkelte-leder/print?version=guide").await;
    let plain = text("/api/programmes/enkelte-leder/print").await;
    assert_eq!(plain, guide, "no version prints the guide, as before");
    // The 1:1's hand-out is for the one leader.
    assert!(handout.contains("Til deltageren") && !handout.contains("Til facilitator"));
    assert!(
        !handout.contains("Lad være med at kigge med"),
        "the boss's note"
    );
    assert!(guide.contains("Lad være med at kigge med") && guide.contains("Facilitatorguide"));

    let booklet = text("/api/series/tre-trins-raket/print?version=handout&lang=en").await;
    let programmes = server.programmes().await;
    let title = |id: &str| {
        programmes.iter().find(|p| p["id"] == id).unwrap()["title"]["en"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut at = 0;
    for (n, id) in ["del1", "del2", "del3"].iter().enumerate() {
        let chapter = format!("<h1>Meeting {}: {}</h1>", n + 1, title(id));
        let found = booklet[at..]
            .find(&chapter)
            .unwrap_or_else(|| panic!("{chapter}"));
        at += found + chapter.len();
    }
    assert!(!booklet.contains("For the facilitator"));

    let wrong = get("/api/programmes/del2/print?version=everything".into()).await;
    assert_eq!(wrong.status(), 400);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert!(body["error"].as_str().is_some(), "{body}");
    assert_eq!(
        get("/api/series/nope/print".into()).await.status(),
        404,
        "an unknown series"
    );
    assert_eq!(
        get("/api/series/del2/print".into()).await.status(),
        404,
        "a programme is not a series"
    );
    // The meetings' days, as the series page passes them: printed; a day that is none, a 400.
    let dated = text("/api/series/tre-trins-raket/print?dates=2027-01-12,,2027-03-09").await;
    assert!(dated.contains("<p class=\"meeting-date\">Dato: 12. januar 2027</p>"));
    assert!(dated.contains("<p class=\"meeting-date\">Dato: 9. marts 2027</p>"));
    let bad = get("/api/series/tre-trins-raket/print?dates=2027-02-30".into()).await;
    assert_eq!(bad.status(), 400, "30 February");
    let body: serde_json::Value = bad.json().await.unwrap();
    assert!(body["error"].as_str().is_some(), "{body}");
}

#[tokio::test]
async fn the_screens_show_the_app_only_text_the_hand_out_leaves_out() {
    // Issue 14: a step's `app_notes` reach the console before its notes, its `app_body` every
    // screen after its body; only the paper leaves them out.
    let server = TestServer::start().await;
    let session = server.create("enkelte-leder").await;
    let mut facilitator =
        crate::common::Client::staff(&server.addr, &session.code, &session.facilitator_token).await;
    let mut projector =
        crate::common::Client::staff(&server.addr, &session.code, session.projector_token()).await;
    facilitator
        .ok(serde_json::json!({ "type": "goto", "index": 3 }))
        .await;
    let step = projector
        .until("the last step", |m| {
            m["type"] == "step" && m["step"]["index"] == 3
        })
        .await;
    assert_eq!(
        step["step"]["body"]["da"],
        "Tak for samtalen.\n\nDine svar og din plan er gemt, og kun du kan se dem – medmindre du har valgt at dele planen."
    );
    let first = &facilitator.frames[0]["step"];
    assert!(
        first["notes"]["da"]
            .as_str()
            .unwrap()
            .starts_with("Sig, hvorfor du har inviteret til samtalen"),
        "a step without app notes keeps its notes as they were"
    );
    let del1 = server.create("del1").await;
    let console =
        crate::common::Client::staff(&server.addr, &del1.code, &del1.facilitator_token).await;
    let notes = console.frames[0]["step"]["notes"]["da"].as_str().unwrap();
    assert!(
        notes.starts_with("Bed deltagerne om at scanne QR-koden")
            && notes.contains("\n\nFortæl, hvorfor ledertrivsel er på dagsordenen."),
        "{notes}"
    );
}

#[test]
fn the_quick_start_runs_the_server_binary() {
    // `cargo run --release`, the README's first command, needs to know which of the two
    // binaries (the server, the benchmark) to run.
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let manifest: toml::Table = manifest.parse().expect("Cargo.toml parses");
    assert_eq!(
        manifest["package"]["default-run"].as_str(),
        Some("trivsel"),
        "package.default-run"
    );
}
