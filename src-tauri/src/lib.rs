//! WorkshopPilot Desktop: a Tauri 2 window over the offline workshop store.
//!
//! The Rust side is thin: [`state`] opens the store once and holds it; [`commands`] are
//! one store call each; [`files`] is where the native file dialogs live (the webview has no
//! file-system access); [`error`] is what failures look like to the UI (`{code, message,
//! fields}`); [`bindings`] generates the UI's TypeScript types from the Rust ones.

pub mod bindings;
pub mod commands;
pub mod error;
pub mod files;
pub mod state;

/// Builds and runs the app until its window closes.
pub fn run() {
    let state = state::AppState::open();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("WorkshopPilot could not start its window");
}
