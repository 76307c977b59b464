//! A first sync's streamed snapshot (`GET /api/sync/snapshot`, docs/sync.md, "First sync:
//! the snapshot"): NDJSON lines ([`SnapshotLine`]) read and decoded on a task of their own,
//! so that decoding overlaps with the store's writing, through a bounded channel, so that
//! memory stays flat however large the snapshot.

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
    /// Reads `response`'s body on a task of its own, line by line.
    pub(crate) fn read(response: reqwest::Response) -> SnapshotLines {
        let (sender, receiver) = mpsc::channel(BUFFERED_LINES);
        tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut buffer: Vec<u8> = Vec::new();
            loop {
                // Every whole line in the buffer goes out before more is read.
                while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buffer.drain(..=end).collect();
                    let decoded = serde_json::from_slice::<SnapshotLine>(&line[..end])
                        .map(|l| (l, line.len()))
                        .map_err(|e| SyncError::Protocol(format!("unreadable snapshot line: {e}")));
                    let failed = decoded.is_err();
                    if sender.send(decoded).await.is_err() || failed {
                        return;
                    }
                }
                if buffer.len() > MAX_LINE_BYTES {
                    let _ = sender
                        .send(Err(SyncError::Protocol(
                            "a snapshot line is too long".into(),
                        )))
                        .await;
                    return;
                }
                match body.next().await {
                    Some(Ok(bytes)) => buffer.extend_from_slice(&bytes),
                    Some(Err(e)) => {
                        let _ = sender
                            .send(Err(SyncError::Unreachable(e.to_string())))
                            .await;
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
