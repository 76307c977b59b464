//! Who copies the WAL into the database file: the background sync connection, not a
//! command. A command's commit leaves a WAL of 1,000+ pages alone (it checkpoints only past
//! 10,000), so a save never carries the checkpoint of pages a sync pulled; the background
//! connection's next commit checkpoints it.

mod common;

use std::path::Path;

use wp_store::Store;

fn len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[test]
fn a_command_leaves_the_checkpoint_to_the_background_connection() {
    let (dir, mut commands) = common::store();
    let db = dir.path().join("test.db");
    let wal = dir.path().join("test.db-wal");
    let db_before = len(&db);
    // PawPal imported until the WAL holds past 1,500 pages (SQLite's default checkpoint is
    // at 1,000), one transaction each, as commands write.
    let mut imports = 0;
    while len(&wal) < 1_500 * 4096 {
        common::pawpal(&mut commands);
        imports += 1;
        assert!(
            imports < 2_000,
            "the WAL never held 1,500 pages: a command checkpointed it"
        );
    }
    assert_eq!(
        len(&db),
        db_before,
        "a command checkpointed after {imports} imports"
    );

    let mut background = Store::open(&db).unwrap();
    background.set_background().unwrap();
    background.create_workshop(Some("Pulled"), "").unwrap();
    assert!(
        len(&db) > db_before + (1 << 20),
        "the background connection's commit checkpointed: database file {} bytes",
        len(&db)
    );
    // Everything is there, read through either connection.
    assert_eq!(
        commands
            .list_workshops(&wp_store::WorkshopFilter::default())
            .unwrap()
            .len(),
        imports + 1
    );
}
