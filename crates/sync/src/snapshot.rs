//! A first sync's streamed snapshot (`GET /api/sync/snapshot`, docs/sync.md, "First sync:
//! the snapshot"): NDJSON lines ([`SnapshotLine`]) read on a task of their own and decoded on
//! a thread of their own, so that decoding overlaps with the store's writing, through bounded
//! channels, so that memory stays flat however large the snapshot.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use wp_domain::protocol::SnapshotLine;

use crate::SyncError;

/// Longest silence before a snapshot stream counts as lost: 50 s. A snapshot may outlast
/// the API client's 120 s total timeout on a slow link, so it has none.
pub const READ_TIMEOUT: Duration = Duration::from_secs(50);
/// Decoded lines waiting for the store: 32 workshops at most.
const BUFFERED_LINES: usize = 32;
/// The longest line read: 64 MiB, far above a workshop's rows (each step output is capped).
const MAX_LINE_BYTES: usize = 64 << 20;

/// The lines of a snapshot stream, decoded, each with its size in bytes. `None` from
/// [`SnapshotLines::next`] ends the stream: whole if an `End` line came, cut short if not.
pub struct SnapshotLines {
    receiver: mpsc::Receiver<Result<(SnapshotLine, usize), SyncError>>,
}

impl SnapshotLines {
    /// Reads `response`'s body on a task of its own and decodes its lines on a thread of
    /// their own: the app and the CLI run one-threaded runtimes, where the store's writing
    /// blocks the task, so decoding on the runtime would not overlap with it.
    pub(crate) fn read(response: reqwest::Response) -> SnapshotLines {
        let (sender, receiver) = mpsc::channel(BUFFERED_LINES);
        let (raw_sender, raw) =
            std::sync::mpsc::sync_channel::<Result<Vec<u8>, SyncError>>(BUFFERED_LINES);
        let decoded = sender.clone();
        let spawned = std::thread::Builder::new()
            .name("snapshot-decode".into())
            .spawn(move || {
                for line in raw {
                    let line = line.and_then(|line| {
                        serde_json::from_slice::<SnapshotLine>(&line)
                            .map(|l| (l, line.len() + 1))
                            .map_err(|e| {
                                SyncError::Protocol(format!("unreadable snapshot line: {e}"))
                            })
                    });
                    let failed = line.is_err();
                    if decoded.blocking_send(line).is_err() || failed {
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            let _ = sender.try_send(Err(SyncError::Protocol(format!(
                "cannot start decoding the snapshot: {e}"
            ))));
            return SnapshotLines { receiver };
        }
        drop(sender);
        tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut buffer: Vec<u8> = Vec::new();
            // How far `buffer` has been searched for a line's end already.
            let mut searched = 0;
            loop {
                while let Some(at) = buffer[searched..].iter().position(|b| *b == b'\n') {
                    let end = searched + at;
                    let mut line: Vec<u8> = buffer.drain(..=end).collect();
                    line.pop();
                    searched = 0;
                    if !send_raw(&raw_sender, Ok(line)).await {
                        return;
                    }
                }
                searched = buffer.len();
                if buffer.len() > MAX_LINE_BYTES {
                    let too_long = SyncError::Protocol("a snapshot line is too long".into());
                    send_raw(&raw_sender, Err(too_long)).await;
                    return;
                }
                match body.next().await {
                    Some(Ok(bytes)) => buffer.extend_from_slice(&bytes),
                    Some(Err(e)) => {
                        send_raw(&raw_sender, Err(SyncError::Unreachable(e.to_string()))).await;
                        return;
                    }
                    None => return,
                }
            }
        });
        SnapshotLines { receiver }
    }

    /// Lines given whole (a transport without HTTP: the fault simulation's).
    pub fn from_lines(lines: Vec<SnapshotLine>) -> SnapshotLines {
        let (sender, receiver) = mpsc::channel(lines.len().max(1));
        for line in lines {
            let size = serde_json::to_vec(&line).map_or(0, |b| b.len() + 1);
            let _ = sender.try_send(Ok((line, size)));
        }
        SnapshotLines { receiver }
    }

    /// The next line and its size; `None` at the end of the stream.
    pub async fn next(&mut self) -> Option<Result<(SnapshotLine, usize), SyncError>> {
        self.receiver.recv().await
    }
}

/// Hands a raw line to the decoding thread, waiting (without blocking the runtime) while its
/// queue is full; `false` once the reader is gone.
async fn send_raw(
    raw: &std::sync::mpsc::SyncSender<Result<Vec<u8>, SyncError>>,
    mut line: Result<Vec<u8>, SyncError>,
) -> bool {
    loop {
        match raw.try_send(line) {
            Ok(()) => return true,
            Err(std::sync::mpsc::TrySendError::Full(back)) => {
                line = back;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return false,
        }
    }
}
