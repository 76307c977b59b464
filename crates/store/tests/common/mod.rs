//! Shared test setup: a store in a temporary directory and the PawPal fixture.

#![allow(dead_code)]

use tempfile::TempDir;
use wp_store::{Store, WorkshopDetail};

pub const PAWPAL: &str = include_str!("../../../../tests/fixtures/pawpal.workshop.json");

pub fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("test.db")).unwrap();
    (dir, store)
}

pub fn pawpal(store: &mut Store) -> WorkshopDetail {
    store.import_workshop(PAWPAL).unwrap()
}

pub fn pawpal_json() -> serde_json::Value {
    serde_json::from_str(PAWPAL).unwrap()
}
