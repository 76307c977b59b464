// `sqlx::migrate!` embeds crates/server/migrations/ at build time but does not see a new file
// there by itself: rebuild when the folder changes (sqlx's own advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
