//! `workshoppilot-server`: serve the API, migrate the database, add users.
//!
//! ```text
//! workshoppilot-server migrate                       # DATABASE_URL from the environment
//! workshoppilot-server user add --name "Ada"         # prints the user's token once
//! workshoppilot-server token create --user usr_...    # another token for a user, printed once
//! workshoppilot-server token revoke tok_...           # revokes it
//! workshoppilot-server trim-sync-log                 # drop tombstones older than 90 days now
//! workshoppilot-server serve --addr 127.0.0.1:8080   # migrates, then serves until SIGTERM/Ctrl-C
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use wp_server::{connect, db, router, AppState};

#[derive(Parser)]
#[command(
    name = "workshoppilot-server",
    version,
    about = "The WorkshopPilot workshop API on PostgreSQL."
)]
struct Cli {
    /// PostgreSQL connection URL, e.g. postgres://user@localhost/workshoppilot.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "WORKSHOPPILOT_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Database connections in the pool.
        #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
        max_connections: u32,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Trim the sync change log now: tombstones and superseded entries older than the
    /// retention go (`serve` does this every hour). Desktops that last synced before them
    /// rebuild from a full pull.
    TrimSyncLog {
        /// Keep entries younger than this many days.
        #[arg(long, default_value_t = 90)]
        older_than_days: u64,
    },
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Personal access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create another token for a user and print it (shown this once).
    Create {
        /// The user's id (`usr_...`).
        #[arg(long)]
        user: String,
    },
    /// Revoke a token by its id (`tok_...`, printed by `token create`); requests with it get 401.
    Revoke {
        /// The token's id.
        id: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print their personal access token (shown this once).
    Add {
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    if cli.log_format == "json" {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let url = cli
        .database_url
        .ok_or("no database: pass --database-url or set DATABASE_URL")?;
    let max = match cli.command {
        Command::Serve {
            max_connections, ..
        } => max_connections,
        _ => 2,
    };
    let pool = connect(&url, max)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    db::migrate(&pool)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    match cli.command {
        Command::Migrate => {
            println!("database is up to date");
            Ok(())
        }
        Command::TrimSyncLog { older_than_days } => {
            let keep = std::time::Duration::from_secs(older_than_days * 24 * 3600);
            let trimmed = wp_server::sync::retention::trim(&pool, keep)
                .await
                .map_err(|e| e.message)?;
            println!(
                "removed {} log entries; cursors at or below position {} rebuild from a full pull",
                trimmed.entries, trimmed.horizon
            );
            Ok(())
        }
        Command::User(UserCommand::Add { name }) => {
            let (user_id, token) = wp_server::auth::add_user(&pool, &name)
                .await
                .map_err(|e| e.message)?;
            println!("user:  {user_id}\ntoken: {token}\n(the token is shown only now; the server keeps only its hash)");
            Ok(())
        }
        Command::Token(TokenCommand::Create { user }) => {
            let (token_id, token) = wp_server::auth::create_token(&pool, &user)
                .await
                .map_err(|e| e.message)?;
            println!("token id: {token_id}\ntoken:    {token}\n(the token is shown only now; the server keeps only its hash)");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            wp_server::auth::revoke_token(&pool, &id)
                .await
                .map_err(|e| e.message)?;
            println!("revoked {id}");
            Ok(())
        }
        Command::Serve { addr, .. } => {
            // Each event stream holds a socket: the usual soft limit of 1,024 open files
            // would refuse connections near 1,000 streams.
            match rlimit::increase_nofile_limit(wp_server::OPEN_FILES) {
                Ok(limit) => tracing::info!(limit, "open files"),
                Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
            }
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            tracing::info!(%addr, "serving");
            // The rolling horizon runs inside this process (WP_ROLL_INTERVAL_SECS, default
            // an hour).
            let interval = std::env::var("WP_ROLL_INTERVAL_SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .map(std::time::Duration::from_secs)
                .unwrap_or(wp_server::rolling::DEFAULT_INTERVAL);
            let job = wp_server::rolling::spawn(pool.clone(), interval);
            // Tombstone retention, the same way (WP_TRIM_INTERVAL_SECS, default an hour).
            let trim_interval = std::env::var("WP_TRIM_INTERVAL_SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .map(std::time::Duration::from_secs)
                .unwrap_or(wp_server::sync::retention::DEFAULT_INTERVAL);
            let trim_job = wp_server::sync::retention::spawn(pool.clone(), trim_interval);
            let state = AppState::new(pool.clone());
            let closing = state.closing.clone();
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async move {
                    shutdown_signal().await;
                    // Event streams never finish on their own: they end now, and their
                    // clients connect again to whichever server comes up.
                    closing.send_replace(true);
                })
                .await
                .map_err(|e| format!("server error: {e}"))?;
            job.abort();
            trim_job.abort();
            pool.close().await;
            tracing::info!("stopped after finishing requests in flight");
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested");
}
