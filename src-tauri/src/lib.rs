//! WorkshopPilot Desktop: a Tauri 2 window over the offline workshop store.
//!
//! The Rust side is thin: [`state`] opens the store once and holds it; [`commands`] are
//! one store call each; [`files`] is where the native file dialogs live (the webview has no
//! file-system access); [`error`] is what failures look like to the UI (`{code, message,
//! fields}`); [`bindings`] generates the UI's TypeScript types from the Rust ones;
//! [`sync`] has the sync commands, and `run` starts background sync (`wp_sync::background`,
//! its own thread and database connection), whose events reach the UI as `sync-status`
//! and `sync-pulled`.

pub mod bindings;
#[cfg(test)]
mod command_list;
pub mod commands;
pub mod error;
pub mod files;
pub mod schedule;
pub mod state;
pub mod sync;

/// Builds and runs the app until its window closes.
pub fn run() {
    quiet_webkit_renderer();
    let state = state::AppState::open();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            start_background_sync(app.handle());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("WorkshopPilot could not start its window");
}

/// Starts background sync on the app's database, unless the store could not open. Its
/// events go to the UI: `sync-status` ([`wp_sync::SyncStatus`]) and `sync-pulled` (the ids
/// of the workshops a round changed, for open views to refresh).
fn start_background_sync(app: &tauri::AppHandle) {
    use tauri::{Emitter, Manager};
    let state = app.state::<state::AppState>();
    let (Some(db_path), None) = (state.db_path.clone(), state.open_error()) else {
        return;
    };
    let emitter = app.clone();
    let handle = wp_sync::start_background(db_path, wp_sync::Timing::from_env(), move |event| {
        let sent = match event {
            wp_sync::SyncEvent::Status(status) => emitter.emit("sync-status", status),
            wp_sync::SyncEvent::Pulled { workshops } => emitter.emit("sync-pulled", workshops),
        };
        if let Err(e) = sent {
            eprintln!("WorkshopPilot: a sync event did not reach the window: {e}");
        }
    });
    let _ = state.sync.set(handle);
}

/// On Linux, WebKitGTK's DMA-BUF renderer costs about 90 MB per window here and fails on some
/// GPU drivers and virtual machines; the app draws plain pages and does not need it. A value
/// already in the environment wins. Called before any thread starts.
fn quiet_webkit_renderer() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
}
