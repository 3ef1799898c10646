//! The store's promises, each checked against both engines — SQLite in a temporary directory and
//! a real PostgreSQL (see `postgres`) — through the one interface the sessions use: what was
//! acknowledged reads back exactly, a taken code is refused and a series is stored whole or not
//! at all, many sessions writing at once all commit, deleting and erasing leave no row behind.
//! Then what only PostgreSQL has: ownership (a node writes only the sessions whose lock its
//! connection holds), group commit counted in PostgreSQL's own statistics, `VACUUM` after a
//! deletion, and a lost connection losing every session it held.

use std::time::Duration;

use trivsel::content::Library;
use trivsel::domain::{
    Applied, Command, Created, Event, JoinCode, Lang, Name, OpId, Publication, Role, Session, Token,
};
use trivsel::store::{Claim, Location, Notice, Opened, Store};

use crate::postgres;

/// Where a test's store lives.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    async fn new(sqlite: bool) -> Option<Place> {
        if sqlite {
            return Some(Place::Sqlite(tempfile::tempdir().unwrap()));
        }
        postgres::database().await.map(Place::Postgres)
    }

    /// Opens a store on it, as node `node` (PostgreSQL's `application_name`).
    fn open(&self, node: &str) -> Opened {
        match self {
            Place::Sqlite(dir) => Store::open(Location::Directory(dir.path())).unwrap(),
            Place::Postgres(url) => Store::open(Location::Postgres {
                url: &url.parse().unwrap(),
                node,
            })
            .unwrap(),
        }
    }
}

/// Runs `$scenario(place)` once on SQLite and once on PostgreSQL, as two tests.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let place = super::Place::new(true).await.unwrap();
                super::$name(&place).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(place) = super::Place::new(false).await {
                    super::$name(&place).await;
                }
            }
        }
    };
}

fn created(code: &str) -> Created {
    let library = Library::builtin().unwrap();
    Created {
        code: JoinCode::parse(code).unwrap(),
        programme: library.get("ledergruppen").unwrap().clone(),
        lang: Lang::Da,
        min_group: 3,
        created_at_ms: 1_700_000_000_000,
        base_url: "http://localhost".into(),
        facilitator_token: Token::random(&mut rand::rng()),
        projector_token: Token::random(&mut rand::rng()),
        series: None,
        publication: Publication::PerResult,
        planned: None,
        tables: None,
        follows: None,
    }
}

fn events(applied: Result<Applied, trivsel::domain::RuleError>) -> Vec<Event> {
    match applied.unwrap() {
        Applied::Events(events) => events,
        Applied::Duplicate => panic!("a duplicate"),
    }
}

/// A participant named `name` joins `session`: its events.
fn join(session: &mut Session, name: &str) -> Vec<Event> {
    let command = Command::Join {
        secret: Token::random(&mut rand::rng()),
        name: Some(Name::parse(name).unwrap()),
        at_ms: 1_700_000_000_000,
    };
    events(session.apply(Role::Newcomer, command))
}

/// The facilitator moves `session` to step `index`: its events.
fn goto(session: &mut Session, index: usize) -> Vec<Event> {
    let command = Command::Goto {
        op: OpId::parse(&format!("goto-{}", session.seq())).unwrap(),
        index,
        now_ms: 1_700_000_000_000,
    };
    events(session.apply(Role::Facilitator, command))
}

/// Appends `new` (the events that took `session` from `before` on) and checks the reply.
async fn append(store: &Store, session: &Session, new: &[Event], snapshot: bool) {
    let first = session.seq() + 1 - new.len() as u64;
    store
        .append(
            &session.created().code,
            first,
            new,
            snapshot.then_some(session),
        )
        .await
        .unwrap();
}

fn same(a: &Session, b: &Session) {
    assert_eq!(
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap()
    );
}

async fn a_session_reads_back_as_every_acknowledged_write_made_it(place: &Place) {
    let Opened { store, .. } = place.open("a");
    let created = created("K7M2QXP");
    store.create(&created).await.unwrap();
    assert_eq!(store.claim(&created.code).await.unwrap(), Claim::Owned);
    let mut session = Session::new(created.clone());
    let mut all = Vec::new();
    for name in ["Anna", "Bo", "Cai"] {
        let new = join(&mut session, name);
        append(&store, &session, &new, false).await;
        all.extend(new);
    }
    // A snapshot replaces the events before it; later events follow it.
    let new = goto(&mut session, 1);
    append(&store, &session, &new, true).await;
    let new = join(&mut session, "Dorthe");
    append(&store, &session, &new, false).await;
    let back = store.read(&created.code).await.unwrap().unwrap();
    same(&back.session, &session);
    assert_eq!(back.session.seq(), 5);
    same(&store.load(&created.code).await.unwrap(), &session);
    assert!(
        store
            .read(&JoinCode::parse("ZZZZZZZ").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // Opened again (a restart), it is all there.
    drop(store);
    let again = place.open("a");
    let back = match place {
        Place::Sqlite(_) => {
            assert_eq!(again.restored.len(), 1, "SQLite brings every session back");
            again.restored.into_iter().next().unwrap().session
        }
        Place::Postgres(_) => {
            assert!(
                again.restored.is_empty(),
                "PostgreSQL: taken over when asked"
            );
            again
                .store
                .read(&created.code)
                .await
                .unwrap()
                .unwrap()
                .session
        }
    };
    same(&back, &session);
}
on_both!(a_session_reads_back_as_every_acknowledged_write_made_it);

async fn a_taken_code_is_refused_and_a_series_is_stored_whole_or_not_at_all(place: &Place) {
    let Opened { store, .. } = place.open("a");
    let first = created("AAAAAAA");
    store.create(&first).await.unwrap();
    let again = store.create(&created("AAAAAAA")).await.unwrap_err();
    assert!(again.is_taken(), "{again}");
    let series = [created("BBBBBBB"), created("AAAAAAA")];
    let refused = store.create_all(&series).await.unwrap_err();
    assert!(refused.is_taken(), "{refused}");
    assert!(
        store.read(&series[0].code).await.unwrap().is_none(),
        "the series' other meeting was not stored either"
    );
    let series = [created("BBBBBBB"), created("CCCCCCC")];
    store.create_all(&series).await.unwrap();
    for meeting in &series {
        assert!(store.read(&meeting.code).await.unwrap().is_some());
    }
}
on_both!(a_taken_code_is_refused_and_a_series_is_stored_whole_or_not_at_all);

/// The code of session `i`: seven letters of the alphabet.
fn nth_code(i: usize) -> String {
    let alphabet = trivsel::domain::ids::CODE_ALPHABET;
    (0..7)
        .map(|d| alphabet[(i / alphabet.len().pow(d)) % alphabet.len()] as char)
        .collect()
}

/// Sessions, each writing one event at a time, all at once: every write is acknowledged and
/// reads back. Returns how many writes there were.
async fn write_at_once(store: &Store, sessions: usize, each: usize) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..sessions {
        let store = store.clone();
        tasks.spawn(async move {
            let created = created(&nth_code(i));
            store.create(&created).await.unwrap();
            store.claim(&created.code).await.unwrap();
            let mut session = Session::new(created);
            for n in 0..each {
                let new = join(&mut session, &format!("Deltager {n}"));
                append(&store, &session, &new, false).await;
            }
            session
        });
    }
    while let Some(done) = tasks.join_next().await {
        let session = done.unwrap();
        let back = store.read(&session.created().code).await.unwrap().unwrap();
        same(&back.session, &session);
    }
    sessions * each
}

async fn many_sessions_writing_at_once_all_commit(place: &Place) {
    let Opened { store, .. } = place.open("a");
    write_at_once(&store, 40, 15).await;
}
on_both!(many_sessions_writing_at_once_all_commit);

async fn deleting_a_session_leaves_no_row_of_it(place: &Place) {
    let Opened { store, .. } = place.open("a");
    let created = created("DDDDDDD");
    store.create(&created).await.unwrap();
    store.claim(&created.code).await.unwrap();
    let mut session = Session::new(created.clone());
    let new = join(&mut session, "Hemmeligt Navn");
    append(&store, &session, &new, false).await;
    let new = goto(&mut session, 1);
    append(&store, &session, &new, true).await;
    store.delete(&created.code).await.unwrap();
    assert!(store.read(&created.code).await.unwrap().is_none());
    if let Place::Postgres(url) = place {
        let db = postgres::connect(url).await;
        assert_eq!(rows_holding(&db, "Hemmeligt Navn").await, 0);
        // The reply came after VACUUM: no dead row is left of the session.
        let dead: i64 = db
            .query_one(
                "SELECT sum(n_dead_tup)::bigint FROM pg_stat_user_tables
                 WHERE relname LIKE 'trivsel_%' AND last_vacuum IS NOT NULL",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(dead, 0, "VACUUM ran before the delete was answered");
        // The lock went with the session: the code is free for a new one.
        assert_eq!(held_locks(&db).await, 0);
    }
}
on_both!(deleting_a_session_leaves_no_row_of_it);

async fn an_erasing_write_drops_the_events_it_replaces(place: &Place) {
    let Opened { store, .. } = place.open("a");
    let created = created("EEEEEEE");
    store.create(&created).await.unwrap();
    store.claim(&created.code).await.unwrap();
    let mut session = Session::new(created.clone());
    let new = join(&mut session, "Glemmes Snart");
    append(&store, &session, &new, false).await;
    let participant = session.participants()[0].id;
    let forget = Command::Forget {
        op: OpId::parse("forget-1").unwrap(),
    };
    let new = events(session.apply(Role::Participant(participant), forget));
    store
        .append_erasing(
            &created.code,
            session.seq() + 1 - new.len() as u64,
            &new,
            &session,
        )
        .await
        .unwrap();
    let back = store.read(&created.code).await.unwrap().unwrap();
    same(&back.session, &session);
    if let Place::Postgres(url) = place {
        let db = postgres::connect(url).await;
        assert_eq!(rows_holding(&db, "Glemmes Snart").await, 0);
    }
}
on_both!(an_erasing_write_drops_the_events_it_replaces);

/// Rows of the three tables whose text holds `needle`.
async fn rows_holding(db: &tokio_postgres::Client, needle: &str) -> i64 {
    let pattern = format!("%{needle}%");
    db.query_one(
        "SELECT (SELECT count(*) FROM trivsel_events WHERE body LIKE $1)
              + (SELECT count(*) FROM trivsel_snapshots WHERE body LIKE $1)
              + (SELECT count(*) FROM trivsel_sessions WHERE created LIKE $1)",
        &[&pattern],
    )
    .await
    .unwrap()
    .get(0)
}

/// trivsel's advisory locks held now, by anyone.
async fn held_locks(db: &tokio_postgres::Client) -> i64 {
    db.query_one(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

/// PostgreSQL only: a node writes only what it runs; another node takes a session over only
/// once the first one is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_node_writes_only_the_sessions_it_holds_the_lock_of() {
    let Some(url) = postgres::database().await else {
        return;
    };
    let place = Place::Postgres(url.clone());
    let a = place.open("a");
    let b = place.open("b");
    let created = created("FFFFFFF");
    a.store.create(&created).await.unwrap();
    let mut session = Session::new(created.clone());
    let new = join(&mut session, "Anna");
    let refused = a
        .store
        .append(&created.code, 1, &new, None)
        .await
        .unwrap_err();
    assert!(refused.is_not_owner(), "not claimed yet: {refused}");
    assert_eq!(a.store.claim(&created.code).await.unwrap(), Claim::Owned);
    assert_eq!(
        a.store.claim(&created.code).await.unwrap(),
        Claim::Owned,
        "claiming again is harmless"
    );
    assert_eq!(
        b.store.claim(&created.code).await.unwrap(),
        Claim::Elsewhere
    );
    let refused = b
        .store
        .append(&created.code, 1, &new, None)
        .await
        .unwrap_err();
    assert!(refused.is_not_owner(), "{refused}");
    assert!(b.store.load(&created.code).await.is_err());
    a.store.append(&created.code, 1, &new, None).await.unwrap();
    // Handed back, the other node may take it over (and the first one no longer writes it).
    a.store.release(&created.code).await;
    assert_eq!(b.store.claim(&created.code).await.unwrap(), Claim::Owned);
    let refused = a
        .store
        .append(&created.code, 2, &join(&mut session, "Bo"), None)
        .await
        .unwrap_err();
    assert!(refused.is_not_owner(), "{refused}");
    assert_eq!(
        a.store.claim(&created.code).await.unwrap(),
        Claim::Elsewhere
    );
    // A node that stops (its connection closes) frees what it held.
    drop(b);
    let freed = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if a.store.claim(&created.code).await.unwrap() == Claim::Owned {
            break;
        }
        assert!(
            tokio::time::Instant::now() < freed,
            "the lock was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// PostgreSQL only: the writes of many sessions share statements and transactions, as
/// PostgreSQL's own `pg_stat_statements` counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_many_sessions_writing_at_once_share_their_commits() {
    let Some(url) = postgres::database().await else {
        return;
    };
    let db = postgres::connect(&url).await;
    db.batch_execute("CREATE EXTENSION pg_stat_statements")
        .await
        .unwrap();
    let place = Place::Postgres(url.clone());
    let Opened { store, .. } = place.open("a");
    let writes = write_at_once(&store, 60, 10).await;
    // The writer inserts every event of a transaction in one statement.
    let row = db
        .query_one(
            "SELECT sum(calls)::bigint, sum(rows)::bigint FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query LIKE 'INSERT INTO trivsel_events%'",
            &[],
        )
        .await
        .unwrap();
    let (transactions, events): (i64, i64) = (row.get(0), row.get(1));
    println!("{writes} writes of one event each, committed in {transactions} transactions");
    assert_eq!(events as usize, writes, "every event was inserted once");
    assert!(
        (transactions as usize) < writes / 2,
        "{writes} writes took {transactions} transactions: they are not batched"
    );
}

/// PostgreSQL only: the writer connection lost (here: ended by an administrator), the node
/// holds no session any more, says so, and another node may take its sessions over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_lost_connection_loses_every_session_it_held() {
    let Some(url) = postgres::database().await else {
        return;
    };
    let place = Place::Postgres(url.clone());
    let Opened {
        store: a,
        mut notices,
        ..
    } = place.open("lost-a");
    let b = place.open("lost-b").store;
    let created = created("GGGGGGG");
    a.create(&created).await.unwrap();
    assert_eq!(a.claim(&created.code).await.unwrap(), Claim::Owned);
    let db = postgres::connect(&url).await;
    let ended: i64 = db
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = 'trivsel lost-a'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ended >= 1, "the node's connections were found");
    let notice = tokio::time::timeout(Duration::from_secs(10), notices.recv())
        .await
        .expect("the node notices at once")
        .unwrap();
    match notice {
        Notice::Lost(codes) => assert_eq!(codes, vec![created.code.clone()]),
        other => panic!("{other:?}"),
    }
    let mut session = Session::new(created.clone());
    let new = join(&mut session, "Anna");
    let refused = a.append(&created.code, 1, &new, None).await.unwrap_err();
    assert!(refused.is_not_owner(), "{refused}");
    assert_eq!(b.claim(&created.code).await.unwrap(), Claim::Owned);
    b.append(&created.code, 1, &new, None).await.unwrap();
}
