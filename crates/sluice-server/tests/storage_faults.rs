//! Storage faults under the real `sluice` binary: a journal torn by a crash is trimmed
//! and everything before the tear is served; a corrupt record that is not a torn tail
//! stops the start with one line naming the file and offset (and touches nothing); a
//! damaged snapshot is ignored in favour of the journal; and, where this machine lets
//! the test mount a small tmpfs, a genuinely full disk answers 503 and recovers
//! without a restart, losing nothing acknowledged across a kill -9.
//!
//! These run the real binary on the wall clock; waits are bounded polls.

mod common;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::Client;
use common::process::Sluice;
use common::*;

/// Size of the header at the start of every journal file (magic, version, LSN, CRC).
const FILE_HEADER_BYTES: usize = 24;
/// Size of a record frame's length + CRC prefix.
const FRAME_HEADER_BYTES: usize = 8;

/// Bounds a phase of a test against hangs (generous: the machine may be busy).
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
}

async fn create(client: &Client, name: &str) -> String {
    client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned()
}

async fn send(client: &Client, url: &str, body: &str) {
    client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("send {body}: {e:?}"));
}

/// Receives until the queue answers empty; returns the bodies in order of receipt,
/// asserting that none is delivered twice.
async fn drain(client: &Client, url: &str) -> Vec<String> {
    let mut got = Vec::new();
    let mut seen = BTreeSet::new();
    loop {
        let batch = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(600)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if batch.is_empty() {
            return got;
        }
        for m in batch {
            let id = m.message_id().unwrap().to_owned();
            assert!(seen.insert(id.clone()), "message {id} delivered twice");
            got.push(m.body().unwrap().to_owned());
        }
    }
}

fn journal_segments(data: &Path) -> Vec<PathBuf> {
    let mut segs: Vec<PathBuf> = fs::read_dir(data.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    segs
}

/// File offsets of the record frames in a segment.
fn frame_offsets(segment: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut pos = FILE_HEADER_BYTES;
    while pos + FRAME_HEADER_BYTES <= segment.len() {
        let len = u32::from_le_bytes(segment[pos..pos + 4].try_into().unwrap()) as usize;
        offsets.push(pos);
        pos += FRAME_HEADER_BYTES + len;
    }
    assert_eq!(
        pos,
        segment.len(),
        "segment does not end on a frame boundary"
    );
    offsets
}

/// The lines of a server log that contain every one of `needles`.
fn lines_with<'a>(log: &'a str, needles: &[&str]) -> Vec<&'a str> {
    log.lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .collect()
}

/// Sorted, message bodies `{tag}-0` .. `{tag}-{n-1}` sent one by one.
async fn send_numbered(client: &Client, url: &str, tag: &str, n: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    for i in 0..n {
        let body = format!("{tag}-{i:03}");
        send(client, url, &body).await;
        bodies.push(body);
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torn_tail_after_kill_9_is_dropped_and_everything_before_it_is_served() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let client = server.client();
    let url = create(&client, "torn").await;
    let sent = bounded("sends", send_numbered(&client, &url, "m", 20)).await;
    server.kill_9();

    // A crash in the middle of writing the last record: cut it in half.
    let segs = journal_segments(data.path());
    assert_eq!(segs.len(), 1);
    let bytes = fs::read(&segs[0]).unwrap();
    let offsets = frame_offsets(&bytes);
    assert_eq!(offsets.len(), 21, "one queue creation and twenty sends");
    let last = *offsets.last().unwrap();
    let cut = last + (bytes.len() - last) / 2;
    fs::OpenOptions::new()
        .write(true)
        .open(&segs[0])
        .unwrap()
        .set_len(cut as u64)
        .unwrap();

    let server = Sluice::start(data.path(), logs.path(), "second");
    let log = server.log_text();
    let warnings = lines_with(&log, &["WARN", "torn"]);
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains(&segs[0].display().to_string()),
        "file not named: {}",
        warnings[0]
    );
    assert!(
        warnings[0].contains(&format!("offset={last}")),
        "offset not named: {}",
        warnings[0]
    );
    assert_eq!(
        fs::metadata(&segs[0]).unwrap().len(),
        last as u64,
        "the torn record was not trimmed"
    );

    let client = server.client();
    let url = client
        .get_queue_url()
        .queue_name("torn")
        .send()
        .await
        .expect("the queue survives")
        .queue_url()
        .unwrap()
        .to_owned();
    let mut got = bounded("drain", drain(&client, &url)).await;
    got.sort();
    assert_eq!(got, sent[..19], "every message before the torn record");
    // The journal carries on after the trimmed tail.
    send(&client, &url, "after the repair").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_record_followed_by_valid_ones_stops_the_start() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let client = server.client();
    let url = create(&client, "damaged").await;
    bounded("sends", send_numbered(&client, &url, "m", 5)).await;
    server.kill_9();

    // Bit rot in the first record (the queue's creation); valid records follow, so
    // this cannot be a torn write and nothing may be skipped.
    let segs = journal_segments(data.path());
    let mut bytes = fs::read(&segs[0]).unwrap();
    let offsets = frame_offsets(&bytes);
    let first = offsets[0];
    bytes[first + FRAME_HEADER_BYTES + 2] ^= 0x20;
    fs::write(&segs[0], &bytes).unwrap();

    let (status, log) = Sluice::start_expecting_failure(data.path(), logs.path(), "second", &[]);
    assert!(!status.success(), "exit status {status}:\n{log}");
    let reports = lines_with(&log, &["corrupt"]);
    assert_eq!(reports.len(), 1, "one clear line:\n{log}");
    assert!(reports[0].contains("ERROR"), "{}", reports[0]);
    assert!(
        reports[0].contains(&segs[0].display().to_string()),
        "file not named: {}",
        reports[0]
    );
    assert!(
        reports[0].contains(&format!("offset {first}")),
        "offset not named: {}",
        reports[0]
    );
    assert!(
        !log.contains("listening"),
        "it served over a corrupt journal:\n{log}"
    );
    assert_eq!(
        fs::read(&segs[0]).unwrap(),
        bytes,
        "the damaged journal was modified"
    );

    // Put the byte back: the server starts and everything is there.
    bytes[first + FRAME_HEADER_BYTES + 2] ^= 0x20;
    fs::write(&segs[0], &bytes).unwrap();
    let server = Sluice::start(data.path(), logs.path(), "third");
    let client = server.client();
    let url = client
        .get_queue_url()
        .queue_name("damaged")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    assert_eq!(bounded("drain", drain(&client, &url)).await.len(), 5);
}

fn crc32(bytes: &[u8]) -> u32 {
    // Bitwise CRC-32 (IEEE), independent of the code under test.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_snapshot_is_ignored_in_favour_of_the_journal() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let client = server.client();
    let url = create(&client, "snap").await;
    let sent = bounded("sends", send_numbered(&client, &url, "m", 5)).await;
    server.kill_9();

    // A snapshot cut at LSN 3 with a valid header whose body and footer never made it
    // to the disk intact. Trusting it would drop the queue's creation and two sends.
    let mut header = Vec::new();
    header.extend_from_slice(b"SLUICSNP");
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&3u64.to_le_bytes());
    let crc = crc32(&header);
    header.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(header.len(), FILE_HEADER_BYTES);
    let mut snapshot = header;
    snapshot.extend_from_slice(&[0xA5; 100]);
    let snap_path = data.path().join("journal").join(format!("{:020}.snap", 3));
    fs::write(&snap_path, &snapshot).unwrap();

    let server = Sluice::start(data.path(), logs.path(), "second");
    let log = server.log_text();
    let warnings = lines_with(&log, &["WARN", "snapshot"]);
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains(&snap_path.display().to_string()),
        "file not named: {}",
        warnings[0]
    );
    assert_eq!(
        journal_segments(data.path()).len(),
        1,
        "the journal was trimmed on the strength of a bad snapshot"
    );
    let client = server.client();
    let url = client
        .get_queue_url()
        .queue_name("snap")
        .send()
        .await
        .expect("the queue survives")
        .queue_url()
        .unwrap()
        .to_owned();
    let mut got = bounded("drain", drain(&client, &url)).await;
    got.sort();
    assert_eq!(got, sent);
}

/// A tmpfs of a few MiB mounted for one test, unmounted on drop.
struct SmallDisk {
    mount_point: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts one, or says why it cannot (not root, no permission, no tmpfs).
    fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mount_point = dir.path().join("disk");
        fs::create_dir(&mount_point).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount_point)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Self {
            mount_point,
            _dir: dir,
        })
    }

    /// Writes a file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.mount_point.join("filler");
        let mut file = File::create(&path).unwrap();
        for chunk in [64 * 1024, 4096, 512, 1] {
            let block = vec![0u8; chunk];
            while file.write_all(&block).is_ok() {}
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&self.mount_point)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_answers_503_and_recovers_without_restart() {
    let disk = match SmallDisk::mount("8m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipping full_disk_answers_503_and_recovers_without_restart: {why}");
            return;
        }
    };
    let data = disk.mount_point.join("data");
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(&data, logs.path(), "first");
    let client = server.client();
    let url = create(&client, "full").await;
    let mut acked: BTreeSet<String> = bounded("sends", send_numbered(&client, &url, "before", 10))
        .await
        .into_iter()
        .collect();
    let mut attempted = acked.clone();

    let filler = disk.fill();
    // The segment's last page may still have room for a message or two.
    let padding = "x".repeat(3000);
    let mut rejected = None;
    for i in 0..100 {
        let body = format!("while-full-{i:03}-{padding}");
        attempted.insert(body.clone());
        let result = client
            .send_message()
            .queue_url(&url)
            .message_body(&body)
            .send()
            .await;
        match result {
            Ok(_) => {
                acked.insert(body);
            }
            Err(e) => {
                rejected = Some(expect_error(Err::<(), _>(e), "ServiceUnavailable", 503));
                break;
            }
        }
    }
    let rejected = rejected.expect("a full disk never failed a send");
    let message = rejected.message().unwrap_or_default().to_owned();
    assert!(message.contains("data directory is full"), "{message}");
    // While full, sends (and other changes) are refused at once; reads still work.
    for i in 0..5 {
        let body = format!("refused-{i}");
        attempted.insert(body.clone());
        let result = client
            .send_message()
            .queue_url(&url)
            .message_body(&body)
            .send()
            .await;
        expect_error(result, "ServiceUnavailable", 503);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let receive = client
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(0)
        .send()
        .await;
    expect_error(receive, "ServiceUnavailable", 503);
    client
        .get_queue_url()
        .queue_name("full")
        .send()
        .await
        .expect("reads work while the disk is full");
    let log = server.log_text();
    assert_eq!(
        lines_with(&log, &["WARN", "disk holding the log is full"]).len(),
        1,
        "one warning per episode, not one per failed commit:\n{log}"
    );

    // Space comes back: sends succeed again, no restart.
    fs::remove_file(&filler).unwrap();
    bounded("recovery", async {
        let mut i = 0;
        loop {
            let body = format!("after-{i:03}");
            i += 1;
            attempted.insert(body.clone());
            match client
                .send_message()
                .queue_url(&url)
                .message_body(&body)
                .send()
                .await
            {
                Ok(_) => {
                    acked.insert(body);
                    return;
                }
                Err(e) => {
                    expect_error(Err::<(), _>(e), "ServiceUnavailable", 503);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    })
    .await;
    acked.extend(bounded("sends", send_numbered(&client, &url, "later", 10)).await);
    attempted.extend(acked.iter().cloned());
    assert!(
        server.log_text().contains("has space again"),
        "{}",
        server.log_text()
    );

    server.kill_9();
    let server = Sluice::start(&data, logs.path(), "second");
    let client = server.client();
    let got: BTreeSet<String> = bounded("drain", drain(&client, &url))
        .await
        .into_iter()
        .collect();
    let lost: Vec<_> = acked.difference(&got).collect();
    assert!(lost.is_empty(), "acknowledged messages lost: {lost:?}");
    let unknown: Vec<_> = got.difference(&attempted).collect();
    assert!(unknown.is_empty(), "messages nobody sent: {unknown:?}");
    assert!(
        !got.iter().any(|b| b.starts_with("refused-")),
        "a refused send was stored"
    );
    drop(server);
    drop(disk);
}
