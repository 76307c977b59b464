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
    quiet_webkit_renderer();
    let state = state::AppState::open();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("WorkshopPilot could not start its window");
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
