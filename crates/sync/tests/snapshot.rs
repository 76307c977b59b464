//! A first sync as one streamed snapshot (`GET /api/sync/snapshot`, docs/sync.md, "First
//! sync: the snapshot"), against the real server and PostgreSQL: the database it makes
//! equals a paged sync's, it follows the pull's visibility (trash included, other users'
//! notes left out), a stream cut short resumes after its last workshop with writers running
//! meanwhile, and the hand-off cursor misses no transaction open across the snapshot's start.

use wp_domain::protocol::SnapshotLine;
use wp_domain::Role;
use wp_store::SnapshotStart;
use wp_sync::{sync_round, RoundOptions};

mod common;
use common::{ada_and_eve, server, Desktop, Paged, PAWPAL};

/// Every synced table of a desktop database, row by row in id order, as text: two desktops
/// that hold the same rows compare equal (the columns of this device's own bookkeeping,
/// `rev`, are left out).
fn dump(desktop: &Desktop) -> Vec<String> {
    let path = desktop._dir.path().join("desktop.db");
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for table in [
        "workshops",
        "workshop_steps",
        "notes",
        "workshop_members",
        "conflicts",
        "series",
        "sessions",
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
            .unwrap();
        let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let rows = stmt
            .query_map([], |r| {
                let mut text = format!("{table}:");
                for (i, name) in names.iter().enumerate() {
                    if name == "rev" {
                        continue;
                    }
                    let value: rusqlite::types::Value = r.get(i)?;
                    text.push_str(&format!(" {name}={value:?}"));
                }
                Ok(text)
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

fn orphans(desktop: &Desktop) -> i64 {
    let path = desktop._dir.path().join("desktop.db");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(
        "SELECT (SELECT count(*) FROM workshop_steps WHERE workshop_id NOT IN (SELECT id FROM workshops))
              + (SELECT count(*) FROM notes WHERE workshop_id NOT IN (SELECT id FROM workshops))
              + (SELECT count(*) FROM workshop_members WHERE workshop_id NOT IN (SELECT id FROM workshops))
              + (SELECT count(*) FROM sessions WHERE workshop_id NOT IN (SELECT id FROM workshops))",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

async fn paged_copy(s: &common::Server, token: &str) -> Desktop {
    let mut d = Desktop::new(s, token).await;
    let report = sync_round(
        &mut d.store,
        &Paged(&d.api),
        RoundOptions::default(),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.snapshot_workshops, 0, "{report:?}");
    d
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_sync_streams_one_snapshot_equal_to_a_paged_sync() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            ada.store
                .import_workshop(PAWPAL)
                .unwrap()
                .workshop
                .record
                .id,
        );
    }
    ada.store.set_note(&ids[0], None, "Ada's own note").unwrap();
    ada.store.delete_workshop(&ids[5]).unwrap();
    ada.store
        .share_workshop(&ids[1], &eve_id, Role::Editor)
        .unwrap();
    ada.sync().await;
    let mut eve = Desktop::new(&s, &eve_token).await;
    eve.sync().await;
    eve.store
        .set_note(&ids[1], None, "Eve's private note")
        .unwrap();
    eve.sync().await;
    ada.sync().await;

    // A second desktop of Ada's: one snapshot, every workshop in it, the trashed one too.
    let mut streamed = Desktop::new(&s, &ada_token).await;
    let mut phases = Vec::new();
    let report = sync_round(
        &mut streamed.store,
        &streamed.api,
        RoundOptions::default(),
        &mut |p| phases.push(p),
    )
    .await
    .unwrap();
    assert_eq!(report.snapshot_workshops, 6, "{report:?}");
    assert_eq!(report.rows_written, 6 * 11 + 1 + 1, "{report:?}");
    assert!(
        phases.iter().any(|p| matches!(
            p,
            wp_sync::Progress::Pulling {
                workshops_received: 6,
                workshops_total: Some(6),
                ..
            }
        )),
        "{phases:?}"
    );
    let paged = paged_copy(&s, &ada_token).await;
    let (a, b) = (dump(&streamed), dump(&paged));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert!(!a.iter().any(|row| row.contains("Eve's private note")));
    let (sa, sb) = (
        streamed.store.sync_state().unwrap().unwrap(),
        paged.store.sync_state().unwrap().unwrap(),
    );
    assert_eq!((&sa.cursor, &sa.seen), (&sb.cursor, &sb.seen));
    assert!(!sa.cursor.is_empty());
    assert_eq!(streamed.store.snapshot_start().unwrap(), None);

    // Eve's first sync on a new desktop: the shared workshop and her own note, nothing else.
    let mut eve2 = Desktop::new(&s, &eve_token).await;
    let report = eve2.sync().await;
    assert_eq!(report.snapshot_workshops, 1, "{report:?}");
    let rows = dump(&eve2);
    assert!(rows.iter().any(|r| r.contains("Eve's private note")));
    assert!(!rows.iter().any(|r| r.contains("Ada's own note")));
    assert_eq!(rows, dump(&paged_copy(&s, &eve_token).await));

    // Nothing changed: the next round pulls one empty page, no snapshot.
    let again = streamed.sync().await;
    assert_eq!((again.snapshot_workshops, again.rows_written), (0, 0));
}

/// A stream cut after two workshops, with writers between the cut and the resume: a
/// transaction open across the first snapshot's start, a share removed and another added,
/// a workshop deleted. The resumed stream sends only the workshops after the last one
/// applied, the pull from the first snapshot's cursor brings the rest, and the database
/// equals a paged sync's, with no orphan rows.
#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_cut_short_resumes_after_its_last_workshop() {
    let s = server().await;
    let (ada_token, eve_id, eve_token) = ada_and_eve(&s).await;
    let mut ada = Desktop::new(&s, &ada_token).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let id = ada
            .store
            .import_workshop(PAWPAL)
            .unwrap()
            .workshop
            .record
            .id;
        ada.store
            .share_workshop(&id, &eve_id, Role::Editor)
            .unwrap();
        ids.push(id);
    }
    let extra = ada
        .store
        .import_workshop(PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    ada.sync().await;
    ids.sort();

    // A writer's transaction open across the snapshot's start: not in the snapshot, so at a
    // position past its cursor.
    let mut open = s.pool.begin().await.unwrap();
    sqlx::query("UPDATE workshops SET title = 'Renamed while the snapshot ran' WHERE id = $1")
        .bind(&ids[0])
        .execute(&mut *open)
        .await
        .unwrap();

    let mut eve = Desktop::new(&s, &eve_token).await;
    let state = eve.store.sync_state().unwrap().unwrap();
    let mut lines = eve
        .api
        .snapshot(&state.client_id, &SnapshotStart::default())
        .await
        .unwrap()
        .expect("the server streams snapshots");
    let Some(Ok((SnapshotLine::Header(header), _))) = lines.next().await else {
        panic!("a header first");
    };
    assert_eq!((header.workshops, header.rows), (6, 6 * 12));
    let mut first_two = Vec::new();
    for _ in 0..2 {
        let Some(Ok((SnapshotLine::Workshop(w), _))) = lines.next().await else {
            panic!("a workshop line");
        };
        first_two.push(w);
    }
    assert_eq!(
        first_two.iter().map(|w| w.id.clone()).collect::<Vec<_>>(),
        ids[..2].to_vec(),
        "workshops in id order"
    );
    let rows = &first_two[0].rows;
    assert!(
        matches!(rows[0].row, wp_domain::Change::Workshop(_)),
        "the workshop first"
    );
    eve.store
        .apply_snapshot(&header, &first_two, false)
        .unwrap();
    drop(lines);
    open.commit().await.unwrap();
    assert_eq!(
        eve.store.snapshot_start().unwrap(),
        Some(SnapshotStart {
            cursor: header.cursor.clone(),
            after: ids[1].clone()
        })
    );

    // Between the cut and the resume: Eve loses an applied workshop and one still to come,
    // gains another, and a workshop still to come is deleted.
    ada.store.unshare_workshop(&ids[1], &eve_id).unwrap();
    ada.store.unshare_workshop(&ids[4], &eve_id).unwrap();
    ada.store
        .share_workshop(&extra, &eve_id, Role::Viewer)
        .unwrap();
    ada.store.delete_workshop(&ids[3]).unwrap();
    ada.sync().await;

    let report = eve.sync().await;
    let later = ids[2..].iter().filter(|id| *id != &ids[4]).count() + usize::from(extra > ids[1]);
    assert_eq!(report.snapshot_workshops, later, "{report:?}");
    assert_eq!(orphans(&eve), 0);
    let title = eve.store.workshop(&ids[0]).unwrap().workshop.record.title;
    assert_eq!(title, "Renamed while the snapshot ran");
    assert!(
        eve.store.workshop(&ids[1]).is_err(),
        "the lost share's copy went"
    );
    assert_eq!(dump(&eve), dump(&paged_copy(&s, &eve_token).await));
    assert_eq!(eve.store.snapshot_start().unwrap(), None);
}

/// A process streams two snapshots at once; a third waits: 503 with `Retry-After`.
#[tokio::test(flavor = "multi_thread")]
async fn a_third_snapshot_at_once_is_told_to_come_back() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut ada = Desktop::new(&s, &token).await;
    // Enough that a stream nobody reads cannot finish into the socket's buffers.
    for _ in 0..300 {
        ada.store.import_workshop(PAWPAL).unwrap();
    }
    ada.sync().await;
    let http = reqwest::Client::new();
    let open = || {
        http.get(format!("{}/api/sync/snapshot", s.base))
            .bearer_auth(&token)
            .send()
    };
    let first = open().await.unwrap();
    let second = open().await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open().await.unwrap();
    assert_eq!(third.status().as_u16(), 503);
    assert_eq!(third.headers()["retry-after"], "5");
    // A client that goes away frees its slot.
    drop(first);
    let mut freed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if open().await.unwrap().status().as_u16() == 200 {
            freed = true;
            break;
        }
    }
    assert!(freed, "the slot came back");
    drop(second);
}
