//! The embedded store's Kinesis [`ShardLog`]: each shard's records in append-only segment
//! files, so memory stays bounded whatever the retention and the volume.
//!
//! # Layout
//!
//! `<data_dir>/kinesis/<region>_<account>_<stream>_<created ms>/<shard index>/` holds
//! `shard.meta` (the StartingSequenceNumber, the EndingSequenceNumber once closed, and
//! the last number given out, so numbers never go backwards even when retention has
//! deleted every segment) and the segments, `<ordinal of first record, 20 digits>.seg`.
//! A segment starts with the journal's 24-byte file header (magic `SLUICKSG`, format
//! version, first ordinal, CRC) followed by records, each framed as the journal frames
//! them (`sluice_log::frame`: length, CRC-32 over length and payload, payload); the
//! payload is a postcard-encoded [`RecordV1`], the store's own type.
//!
//! # Index
//!
//! For each segment the store keeps in memory its first and last sequence numbers and
//! arrival times, its written and durable lengths, and a sparse index: one entry
//! (sequence number, arrival time, offset) for its first record and then one per
//! [`SPARSE_INDEX_BYTES`] of frames. A read picks the segments by their bounds and seeks
//! to the last index entry before its position, so it scans at most
//! [`SPARSE_INDEX_BYTES`] before the first record it answers. The index costs about 48
//! bytes per [`SPARSE_INDEX_BYTES`] on disk (under 0.1%), plus a fixed amount per
//! segment; records are never held in memory except while being read. When a segment
//! rolls, its index is written beside it (`<segment>.idx`, framed and checksummed), so a
//! restart reads the index instead of scanning the segment; an index that is missing,
//! damaged or does not match the segment's length is rebuilt by a scan.
//!
//! # Durability
//!
//! An append assigns numbers (`next_sequence_number`, with arrival times kept
//! non-decreasing per shard so the index can be searched by time), writes its frames at
//! the end of the active segment under the shard's lock, then waits for the shard's group
//! commit: one appender at a time runs `fdatasync` for everything written so far, and
//! every append that sync covered returns without syncing again. Readers see only
//! durable bytes, and the tip (with its watch, which SubscribeToShard waits on) moves only
//! after the sync. A segment is synced when it rolls (at [`SEGMENT_ROLL_BYTES`]), so only
//! the active one is ever behind. A failed write is cut back off the file and reported;
//! a failed sync stops the shard (fail-stop): nothing more is acknowledged on it until
//! a restart. At recovery a torn or corrupt frame at the end of the last segment is cut
//! off; one in an earlier segment (already synced at its roll) stops the shard's log
//! with an error naming the file.
//!
//! Without a data directory the same structure keeps each shard's records in memory,
//! bounded by the retention trim.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sluice_core::clock::EpochMs;
use sluice_core::kinesis::iterator::IteratorPosition;
use sluice_core::kinesis::sequence::{next_sequence_number, SequenceNumber};
use sluice_core::kinesis::store::*;
use sluice_core::kinesis::StreamKey;
use sluice_log::frame;
use tokio::sync::watch;

/// A shard's active segment is closed and a new one started once it holds this many
/// bytes (retention deletes whole segments, so this is also its granularity).
pub const SEGMENT_ROLL_BYTES: u64 = 64 * 1024 * 1024;

/// One sparse index entry per this many bytes of a segment's frames: the most a read
/// scans before its first record.
pub const SPARSE_INDEX_BYTES: u64 = 64 * 1024;

/// Magic bytes at the start of every Kinesis segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"SLUICKSG";

/// The file holding a shard's numbers (start, end, last given out).
const META_FILE: &str = "shard.meta";
const SEGMENT_SUFFIX: &str = ".seg";

/// A sequence number as stored.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct SeqV1 {
    time_ms: u64,
    counter: u64,
    shard_index: u32,
    stream_tag: u64,
}

impl From<SequenceNumber> for SeqV1 {
    fn from(s: SequenceNumber) -> Self {
        Self {
            time_ms: s.time_ms,
            counter: s.counter,
            shard_index: s.shard_index,
            stream_tag: s.stream_tag,
        }
    }
}

impl From<SeqV1> for SequenceNumber {
    fn from(s: SeqV1) -> Self {
        Self {
            time_ms: s.time_ms,
            counter: s.counter,
            shard_index: s.shard_index,
            stream_tag: s.stream_tag,
        }
    }
}

/// A record as stored in a segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordV1 {
    seq: SeqV1,
    arrival_ms: u64,
    partition_key: String,
    hash_key: u128,
    encryption_key_id: Option<String>,
    data: Vec<u8>,
}

impl RecordV1 {
    fn into_stored(self) -> StoredRecord {
        StoredRecord {
            sequence_number: self.seq.into(),
            arrival_ms: self.arrival_ms,
            partition_key: self.partition_key,
            data: self.data,
            hash_key: self.hash_key,
            encryption_key_id: self.encryption_key_id,
        }
    }
}

/// `shard.meta` as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShardMetaV1 {
    starting: SeqV1,
    ending: Option<SeqV1>,
    last: SeqV1,
    last_arrival_ms: Option<u64>,
    next_ordinal: u64,
}

/// A sealed segment's index as stored beside it (`<segment>.idx`), so a restart need
/// not scan the segment. Only trusted while its length matches the segment's.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SegmentIndexV1 {
    first_ordinal: u64,
    count: u64,
    last_seq: Option<SeqV1>,
    last_arrival_ms: u64,
    len: u64,
    sparse: Vec<(SeqV1, u64, u64)>,
}

fn index_path(segment: &Path) -> PathBuf {
    segment.with_extension("idx")
}

/// Writes a sealed segment's index. Best effort: without it the segment is scanned.
fn write_index(segment: &Segment) {
    let index = SegmentIndexV1 {
        first_ordinal: segment.first_ordinal,
        count: segment.count,
        last_seq: segment.last_seq.map(Into::into),
        last_arrival_ms: segment.last_arrival_ms,
        len: segment.written_len,
        sparse: segment
            .sparse
            .iter()
            .map(|e| (e.seq.into(), e.arrival_ms, e.offset))
            .collect(),
    };
    let mut bytes = Vec::new();
    frame::encode_into(
        &mut bytes,
        &postcard::to_stdvec(&index).expect("segment indexes encode"),
    );
    let path = index_path(&segment.path);
    if let Err(e) = std::fs::write(&path, bytes) {
        tracing::warn!(file = %path.display(), error = %e, "cannot write a segment index");
    }
}

/// A sealed segment's index from its `.idx` file, if that is whole and matches.
fn read_index(path: &Path) -> Option<Segment> {
    let bytes = std::fs::read(index_path(path)).ok()?;
    let (payload, _) = frame::decode(&bytes).ok()?;
    let index: SegmentIndexV1 = postcard::from_bytes(payload).ok()?;
    let len = std::fs::metadata(path).ok()?.len();
    (index.len == len).then(|| Segment {
        path: path.to_owned(),
        first_ordinal: index.first_ordinal,
        count: index.count,
        last_seq: index.last_seq.map(Into::into),
        last_arrival_ms: index.last_arrival_ms,
        written_len: len,
        durable_len: len,
        sparse: index
            .sparse
            .into_iter()
            .map(|(seq, arrival_ms, offset)| IndexEntry {
                seq: seq.into(),
                arrival_ms,
                offset,
            })
            .collect(),
    })
}

fn io_error(context: &str, path: &Path, e: impl std::fmt::Display) -> LogError {
    LogError::Unavailable(format!("{context} {}: {e}", path.display()))
}

/// One sparse index entry.
#[derive(Debug, Clone, Copy)]
struct IndexEntry {
    seq: SequenceNumber,
    arrival_ms: EpochMs,
    offset: u64,
}

/// What the store knows of one segment file.
#[derive(Debug)]
struct Segment {
    path: PathBuf,
    first_ordinal: u64,
    count: u64,
    last_seq: Option<SequenceNumber>,
    last_arrival_ms: EpochMs,
    written_len: u64,
    durable_len: u64,
    sparse: Vec<IndexEntry>,
}

impl Segment {
    fn note(&mut self, seq: SequenceNumber, arrival_ms: EpochMs, offset: u64, end: u64) {
        let due = self
            .sparse
            .last()
            .is_none_or(|e| offset - e.offset >= SPARSE_INDEX_BYTES);
        if due {
            self.sparse.push(IndexEntry {
                seq,
                arrival_ms,
                offset,
            });
        }
        self.count += 1;
        self.last_seq = Some(seq);
        self.last_arrival_ms = arrival_ms;
        self.written_len = end;
    }
}

struct ShardInner {
    ending: Option<SequenceNumber>,
    /// The last number given out (written, maybe not yet durable).
    last: SequenceNumber,
    last_arrival_ms: Option<EpochMs>,
    starting: SequenceNumber,
    next_ordinal: u64,
    /// Records with a lower ordinal are durable.
    durable_ordinal: u64,
    durable_tip: ShardTip,
    segments: VecDeque<Segment>,
    /// The last segment's file, open for writing.
    active: Option<Arc<File>>,
    /// In-memory mode: the records themselves.
    memory: VecDeque<StoredRecord>,
    failed: Option<String>,
}

impl ShardInner {
    fn meta(&self) -> ShardMetaV1 {
        ShardMetaV1 {
            starting: self.starting.into(),
            ending: self.ending.map(Into::into),
            last: self.last.into(),
            last_arrival_ms: self.last_arrival_ms,
            next_ordinal: self.next_ordinal,
        }
    }
}

struct Shard {
    dir: Option<PathBuf>,
    inner: Mutex<ShardInner>,
    /// Held by the appender running the shard's group commit.
    sync_lock: tokio::sync::Mutex<()>,
    tip: watch::Sender<ShardTip>,
}

/// Every shard's log, on disk under `root` or in memory.
pub(crate) struct ShardLogs {
    root: Option<PathBuf>,
    sync: bool,
    roll_bytes: AtomicU64,
    shards: Mutex<HashMap<ShardAddress, Arc<Shard>>>,
    /// Group commits run (fdatasyncs of active segments), for tests.
    syncs: AtomicU64,
}

fn stream_dir_name(stream: &StreamKey, created_at_ms: EpochMs) -> String {
    format!(
        "{}_{}_{}_{created_at_ms}",
        stream.region, stream.account_id, stream.name
    )
}

fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot sync", dir, e))
}

fn write_meta(dir: &Path, meta: &ShardMetaV1, sync: bool) -> Result<(), LogError> {
    let mut bytes = Vec::new();
    frame::encode_into(
        &mut bytes,
        &postcard::to_stdvec(meta).expect("shard metadata encodes"),
    );
    let tmp = dir.join("shard.meta.tmp");
    let path = dir.join(META_FILE);
    let file = File::create(&tmp).map_err(|e| io_error("cannot create", &tmp, e))?;
    file.write_all_at(&bytes, 0)
        .map_err(|e| io_error("cannot write", &tmp, e))?;
    if sync {
        file.sync_data()
            .map_err(|e| io_error("cannot sync", &tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| io_error("cannot rename", &tmp, e))?;
    if sync {
        sync_dir(dir)?;
    }
    Ok(())
}

fn read_meta(dir: &Path) -> Result<Option<ShardMetaV1>, LogError> {
    let path = dir.join(META_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("cannot read", &path, e)),
    };
    let (payload, _) = frame::decode(&bytes).map_err(|e| io_error("bad", &path, e.reason()))?;
    postcard::from_bytes(payload)
        .map(Some)
        .map_err(|e| io_error("undecodable", &path, e))
}

/// Reads the frame at the reader's position, within `remaining` bytes.
fn read_frame(reader: &mut impl Read, remaining: u64) -> Result<Vec<u8>, String> {
    let mut prefix = [0u8; frame::FRAME_HEADER_BYTES];
    reader.read_exact(&mut prefix).map_err(|e| e.to_string())?;
    let (len, _) = frame::decode_prefix(&prefix, remaining).map_err(|e| e.reason())?;
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload).map_err(|e| e.to_string())?;
    frame::verify_payload(&prefix, &payload).map_err(|e| e.reason())?;
    Ok(payload)
}

/// Scans a segment, building its index. A bad frame in the `last` segment is a torn
/// tail: the file is cut back to the last good frame.
fn scan_segment(path: &Path, last: bool) -> Result<Option<Segment>, LogError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_error("cannot open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| io_error("cannot stat", path, e))?
        .len();
    let mut reader = BufReader::new(&file);
    let mut header = [0u8; frame::FILE_HEADER_BYTES];
    let first_ordinal = match reader
        .read_exact(&mut header)
        .map_err(|e| e.to_string())
        .and_then(|()| frame::decode_file_header(&header, SEGMENT_MAGIC).map_err(|e| e.reason()))
    {
        Ok(first) => first,
        Err(_) if last => {
            // Created but its header never reached the disk: nothing in it was acknowledged.
            drop(reader);
            std::fs::remove_file(path).map_err(|e| io_error("cannot remove", path, e))?;
            return Ok(None);
        }
        Err(e) => return Err(io_error("bad header in", path, e)),
    };
    let mut segment = Segment {
        path: path.to_owned(),
        first_ordinal,
        count: 0,
        last_seq: None,
        last_arrival_ms: 0,
        written_len: frame::FILE_HEADER_BYTES as u64,
        durable_len: 0,
        sparse: Vec::new(),
    };
    let mut pos = frame::FILE_HEADER_BYTES as u64;
    while pos < len {
        let decoded = read_frame(&mut reader, len - pos).and_then(|payload| {
            postcard::from_bytes::<RecordV1>(&payload)
                .map(|r| (r, frame::frame_len(payload.len()) as u64))
                .map_err(|e| e.to_string())
        });
        match decoded {
            Ok((record, frame_len)) => {
                segment.note(record.seq.into(), record.arrival_ms, pos, pos + frame_len);
                pos += frame_len;
            }
            Err(reason) if last => {
                tracing::warn!(
                    file = %path.display(),
                    offset = pos,
                    dropped_bytes = len - pos,
                    reason,
                    "dropping the torn tail of a Kinesis segment"
                );
                file.set_len(pos)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| io_error("cannot truncate", path, e))?;
                break;
            }
            Err(reason) => {
                return Err(io_error(
                    &format!("corrupt record at offset {pos} of"),
                    path,
                    reason,
                ))
            }
        }
    }
    segment.durable_len = segment.written_len;
    Ok(Some(segment))
}

fn segment_path(dir: &Path, first_ordinal: u64) -> PathBuf {
    dir.join(format!("{first_ordinal:020}{SEGMENT_SUFFIX}"))
}

/// Rebuilds a shard from its directory; `None` if it has none.
fn recover_shard(dir: &Path) -> Result<Option<Shard>, LogError> {
    let Some(meta) = read_meta(dir)? else {
        return Ok(None);
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| io_error("cannot list", dir, e))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(SEGMENT_SUFFIX))
        .collect();
    names.sort();
    let mut segments = VecDeque::new();
    for (i, name) in names.iter().enumerate() {
        let last = i + 1 == names.len();
        let path = dir.join(name);
        let indexed = if last { None } else { read_index(&path) };
        let scanned = match indexed {
            Some(segment) => Some(segment),
            None => scan_segment(&path, last)?,
        };
        if let Some(segment) = scanned {
            segments.push_back(segment);
        }
    }
    let mut last: SequenceNumber = meta.last.into();
    let mut last_arrival_ms = meta.last_arrival_ms;
    let mut next_ordinal = meta.next_ordinal;
    if let Some(segment) = segments.back() {
        if let Some(seq) = segment.last_seq.filter(|s| *s > last) {
            last = seq;
            last_arrival_ms = Some(segment.last_arrival_ms);
        }
        next_ordinal = next_ordinal.max(segment.first_ordinal + segment.count);
    }
    let active = match segments.back() {
        Some(s) => Some(Arc::new(
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(&s.path)
                .map_err(|e| io_error("cannot open", &s.path, e))?,
        )),
        None => None,
    };
    let ending = meta.ending.map(Into::into);
    let tip = ShardTip {
        last,
        last_arrival_ms,
        ending,
    };
    Ok(Some(Shard {
        dir: Some(dir.to_owned()),
        inner: Mutex::new(ShardInner {
            ending,
            last,
            last_arrival_ms,
            starting: meta.starting.into(),
            next_ordinal,
            durable_ordinal: next_ordinal,
            durable_tip: tip,
            segments,
            active,
            memory: VecDeque::new(),
            failed: None,
        }),
        sync_lock: tokio::sync::Mutex::new(()),
        tip: watch::Sender::new(tip),
    }))
}

fn new_shard(dir: Option<PathBuf>, starting: SequenceNumber) -> Shard {
    let tip = ShardTip {
        last: starting,
        last_arrival_ms: None,
        ending: None,
    };
    Shard {
        dir,
        inner: Mutex::new(ShardInner {
            ending: None,
            last: starting,
            last_arrival_ms: None,
            starting,
            next_ordinal: 0,
            durable_ordinal: 0,
            durable_tip: tip,
            segments: VecDeque::new(),
            active: None,
            memory: VecDeque::new(),
            failed: None,
        }),
        sync_lock: tokio::sync::Mutex::new(()),
        tip: watch::Sender::new(tip),
    }
}

/// Where a read starts: records before this sequence number, or before this time,
/// are skipped.
#[derive(Clone, Copy)]
struct Start {
    seq: Option<(SequenceNumber, bool)>,
    min_arrival_ms: EpochMs,
}

impl Start {
    fn of(from: IteratorPosition, trim_horizon_ms: EpochMs) -> Self {
        match from {
            IteratorPosition::AtSequence(s) => Self {
                seq: Some((s, true)),
                min_arrival_ms: trim_horizon_ms,
            },
            IteratorPosition::AfterSequence(s) => Self {
                seq: Some((s, false)),
                min_arrival_ms: trim_horizon_ms,
            },
            IteratorPosition::AtTimestamp(t) => Self {
                seq: None,
                min_arrival_ms: t.max(trim_horizon_ms),
            },
            IteratorPosition::TrimHorizon => Self {
                seq: None,
                min_arrival_ms: trim_horizon_ms,
            },
        }
    }

    fn admits(&self, seq: SequenceNumber, arrival_ms: EpochMs) -> bool {
        arrival_ms >= self.min_arrival_ms
            && match self.seq {
                Some((s, true)) => seq >= s,
                Some((s, false)) => seq > s,
                None => true,
            }
    }

    /// Whether an index entry (or a segment's last record) is wholly before the start.
    fn before(&self, seq: SequenceNumber, arrival_ms: EpochMs) -> bool {
        arrival_ms < self.min_arrival_ms
            || match self.seq {
                Some((s, true)) => seq < s,
                Some((s, false)) => seq <= s,
                None => false,
            }
    }
}

/// Collects records within limits.
struct Collector {
    limits: ReadLimits,
    bytes: usize,
    records: Vec<StoredRecord>,
}

impl Collector {
    /// Takes a record; `false` once the batch is full (the record is then not taken).
    fn take(&mut self, record: StoredRecord) -> bool {
        if self.full() {
            return false;
        }
        let size = record.size_bytes();
        if !self.records.is_empty() && self.bytes + size > self.limits.max_bytes {
            self.limits.max_records = 0;
            return false;
        }
        self.bytes += size;
        self.records.push(record);
        true
    }

    fn full(&self) -> bool {
        self.records.len() >= self.limits.max_records as usize
    }
}

/// A segment a read goes through: its file, where to start and how far is durable.
struct ReadPlan {
    path: PathBuf,
    start: u64,
    end: u64,
}

fn read_segment(plan: &ReadPlan, start: Start, out: &mut Collector) -> Result<(), LogError> {
    let file = match File::open(&plan.path) {
        Ok(f) => f,
        // Trimmed since the plan was made: its records are past retention anyway.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("cannot open", &plan.path, e)),
    };
    let mut reader = BufReader::with_capacity(SPARSE_INDEX_BYTES as usize, file);
    reader
        .seek(SeekFrom::Start(plan.start))
        .map_err(|e| io_error("cannot seek", &plan.path, e))?;
    let mut pos = plan.start;
    while pos < plan.end && !out.full() {
        let payload = read_frame(&mut reader, plan.end - pos)
            .map_err(|e| io_error(&format!("bad record at {pos} of"), &plan.path, e))?;
        pos += frame::frame_len(payload.len()) as u64;
        let record: RecordV1 = postcard::from_bytes(&payload)
            .map_err(|e| io_error("undecodable record in", &plan.path, e))?;
        if start.admits(record.seq.into(), record.arrival_ms) && !out.take(record.into_stored()) {
            break;
        }
    }
    Ok(())
}

impl ShardLogs {
    pub fn new(root: Option<PathBuf>, sync: bool) -> Self {
        Self {
            root,
            sync,
            roll_bytes: AtomicU64::new(SEGMENT_ROLL_BYTES),
            shards: Mutex::new(HashMap::new()),
            syncs: AtomicU64::new(0),
        }
    }

    /// Test hook: rolls segments at `bytes` instead of [`SEGMENT_ROLL_BYTES`].
    pub fn set_roll_bytes(&self, bytes: u64) {
        self.roll_bytes.store(bytes.max(1), Ordering::Relaxed);
    }

    fn dir_of(&self, stream: &StreamKey, created_at_ms: EpochMs, index: u32) -> Option<PathBuf> {
        self.root.as_ref().map(|root| {
            root.join(stream_dir_name(stream, created_at_ms))
                .join(index.to_string())
        })
    }

    fn shard(&self, address: &ShardAddress) -> LogResult<Arc<Shard>> {
        let mut shards = self.shards.lock();
        if let Some(shard) = shards.get(address) {
            return Ok(shard.clone());
        }
        let Some(dir) = self.dir_of(
            &address.stream,
            address.stream_created_at_ms,
            address.shard_index,
        ) else {
            return Err(LogError::NoSuchShard);
        };
        let shard = Arc::new(recover_shard(&dir)?.ok_or(LogError::NoSuchShard)?);
        shards.insert(address.clone(), shard.clone());
        Ok(shard)
    }

    pub fn create_shards(
        &self,
        stream: &StreamKey,
        created_at_ms: EpochMs,
        shards: &[(u32, SequenceNumber)],
    ) -> LogResult<()> {
        for &(index, starting) in shards {
            let address = ShardAddress {
                stream: stream.clone(),
                stream_created_at_ms: created_at_ms,
                shard_index: index,
            };
            match self.shard(&address) {
                Ok(_) => continue,
                Err(LogError::NoSuchShard) => {}
                Err(e) => return Err(e),
            }
            let dir = self.dir_of(stream, created_at_ms, index);
            if let Some(dir) = &dir {
                std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?;
                let shard = new_shard(None, starting);
                write_meta(dir, &shard.inner.lock().meta(), self.sync)?;
                if self.sync {
                    if let Some(parent) = dir.parent() {
                        sync_dir(parent)?;
                        if let Some(root) = parent.parent() {
                            sync_dir(root)?;
                        }
                    }
                }
            }
            self.shards
                .lock()
                .insert(address, Arc::new(new_shard(dir, starting)));
        }
        Ok(())
    }

    pub async fn append(
        &self,
        address: &ShardAddress,
        records: Vec<NewRecord>,
        now: EpochMs,
    ) -> LogResult<Vec<SequenceNumber>> {
        let shard = self.shard(address)?;
        let roll_bytes = self.roll_bytes.load(Ordering::Relaxed);
        let (numbers, my_end) = {
            let mut inner = shard.inner.lock();
            if let Some(reason) = &inner.failed {
                return Err(LogError::Unavailable(reason.clone()));
            }
            if inner.ending.is_some() {
                return Err(LogError::ShardClosed);
            }
            let mut last = inner.last;
            let arrival_ms = now.max(inner.last_arrival_ms.unwrap_or(0));
            let stamped: Vec<(SequenceNumber, NewRecord)> = records
                .into_iter()
                .map(|r| {
                    last = next_sequence_number(last, now, r.ordering_floor);
                    (last, r)
                })
                .collect();
            let numbers: Vec<SequenceNumber> = stamped.iter().map(|(s, _)| *s).collect();
            if stamped.is_empty() {
                return Ok(numbers);
            }
            match &shard.dir {
                None => {
                    for (seq, r) in stamped {
                        inner.memory.push_back(StoredRecord {
                            sequence_number: seq,
                            arrival_ms,
                            partition_key: r.partition_key,
                            data: r.data,
                            hash_key: r.hash_key,
                            encryption_key_id: r.encryption_key_id,
                        });
                    }
                    inner.last = last;
                    inner.last_arrival_ms = Some(arrival_ms);
                    inner.next_ordinal += numbers.len() as u64;
                    inner.durable_ordinal = inner.next_ordinal;
                    let tip = ShardTip {
                        last,
                        last_arrival_ms: Some(arrival_ms),
                        ending: None,
                    };
                    inner.durable_tip = tip;
                    shard.tip.send_replace(tip);
                    return Ok(numbers);
                }
                Some(dir) => {
                    let dir = dir.clone();
                    Self::write_records(
                        &mut inner, &dir, stamped, arrival_ms, roll_bytes, self.sync,
                    )?;
                    inner.last = last;
                    inner.last_arrival_ms = Some(arrival_ms);
                    (numbers, inner.next_ordinal)
                }
            }
        };
        self.group_commit(&shard, my_end).await?;
        Ok(numbers)
    }

    /// Writes framed records at the end of the active segment (rolling it first if full).
    fn write_records(
        inner: &mut ShardInner,
        dir: &Path,
        stamped: Vec<(SequenceNumber, NewRecord)>,
        arrival_ms: EpochMs,
        roll_bytes: u64,
        sync: bool,
    ) -> LogResult<()> {
        let full = inner
            .segments
            .back()
            .is_none_or(|s| s.written_len >= roll_bytes)
            || inner.active.is_none();
        if full {
            if let (Some(file), Some(segment)) = (&inner.active, inner.segments.back_mut()) {
                if sync {
                    file.sync_data()
                        .map_err(|e| io_error("cannot sync", &segment.path, e))?;
                }
                segment.durable_len = segment.written_len;
                write_index(segment);
            }
            let first_ordinal = inner.next_ordinal;
            let path = segment_path(dir, first_ordinal);
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(|e| io_error("cannot create", &path, e))?;
            file.write_all_at(&frame::encode_file_header(SEGMENT_MAGIC, first_ordinal), 0)
                .map_err(|e| io_error("cannot write", &path, e))?;
            if sync {
                file.sync_data()
                    .map_err(|e| io_error("cannot sync", &path, e))?;
                sync_dir(dir)?;
            }
            let header = frame::FILE_HEADER_BYTES as u64;
            inner.segments.push_back(Segment {
                path,
                first_ordinal,
                count: 0,
                last_seq: None,
                last_arrival_ms: 0,
                written_len: header,
                durable_len: header,
                sparse: Vec::new(),
            });
            inner.active = Some(Arc::new(file));
        }
        let segment = inner.segments.back_mut().expect("an active segment");
        let file = inner.active.as_ref().expect("an active segment file");
        let base = segment.written_len;
        let mut buf = Vec::new();
        let mut marks = Vec::with_capacity(stamped.len());
        for (seq, r) in stamped {
            let offset = base + buf.len() as u64;
            let record = RecordV1 {
                seq: seq.into(),
                arrival_ms,
                partition_key: r.partition_key,
                hash_key: r.hash_key,
                encryption_key_id: r.encryption_key_id,
                data: r.data,
            };
            frame::encode_into(
                &mut buf,
                &postcard::to_stdvec(&record).expect("records encode"),
            );
            marks.push((seq, offset, base + buf.len() as u64));
        }
        if let Err(e) = file.write_all_at(&buf, base) {
            // Cut back what may have reached the file, so the log holds none of it.
            let _ = file.set_len(base);
            return Err(io_error("cannot write", &segment.path, e));
        }
        let n = marks.len() as u64;
        for (seq, offset, end) in marks {
            segment.note(seq, arrival_ms, offset, end);
        }
        inner.next_ordinal += n;
        Ok(())
    }

    /// Makes everything up to ordinal `end` durable, sharing one sync among appenders.
    async fn group_commit(&self, shard: &Arc<Shard>, end: u64) -> LogResult<()> {
        let _turn = shard.sync_lock.lock().await;
        let (file, path, len, ordinal, tip) = {
            let inner = shard.inner.lock();
            if inner.durable_ordinal >= end {
                return Ok(());
            }
            if let Some(reason) = &inner.failed {
                return Err(LogError::Unavailable(reason.clone()));
            }
            let (Some(segment), Some(file)) = (inner.segments.back(), inner.active.clone()) else {
                // Nothing left unsynced: every segment was synced at its roll.
                return Ok(());
            };
            (
                file,
                segment.path.clone(),
                segment.written_len,
                inner.next_ordinal,
                ShardTip {
                    last: inner.last,
                    last_arrival_ms: inner.last_arrival_ms,
                    ending: inner.ending,
                },
            )
        };
        if self.sync {
            self.syncs.fetch_add(1, Ordering::Relaxed);
            let synced = tokio::task::spawn_blocking(move || file.sync_data())
                .await
                .map_err(|e| LogError::Unavailable(e.to_string()))
                .and_then(|r| r.map_err(|e| io_error("cannot sync", &path, e)));
            if let Err(e) = synced {
                let reason = format!("the shard's log stopped after a storage error: {e}");
                tracing::error!(reason, "Kinesis shard log fail-stopped");
                shard.inner.lock().failed = Some(reason);
                return Err(e);
            }
        }
        let mut inner = shard.inner.lock();
        if let Some(segment) = inner.segments.iter_mut().find(|s| s.path == path) {
            segment.durable_len = segment.durable_len.max(len);
        }
        inner.durable_ordinal = inner.durable_ordinal.max(ordinal);
        if tip.last > inner.durable_tip.last {
            inner.durable_tip.last = tip.last;
            inner.durable_tip.last_arrival_ms = tip.last_arrival_ms;
        }
        shard.tip.send_replace(inner.durable_tip);
        Ok(())
    }

    pub async fn read(
        &self,
        address: &ShardAddress,
        from: IteratorPosition,
        limits: ReadLimits,
        trim_horizon_ms: EpochMs,
    ) -> LogResult<ReadBatch> {
        let shard = self.shard(address)?;
        let start = Start::of(from, trim_horizon_ms);
        let mut out = Collector {
            limits,
            bytes: 0,
            records: Vec::new(),
        };
        let (plans, tip) = {
            let inner = shard.inner.lock();
            if shard.dir.is_none() {
                let first = match start.seq {
                    Some((s, _)) => inner.memory.partition_point(|r| r.sequence_number < s),
                    None => inner
                        .memory
                        .partition_point(|r| r.arrival_ms < start.min_arrival_ms),
                };
                for record in inner.memory.range(first..) {
                    if start.admits(record.sequence_number, record.arrival_ms)
                        && !out.take(record.clone())
                    {
                        break;
                    }
                    if out.full() {
                        break;
                    }
                }
                return Ok(ReadBatch {
                    records: out.records,
                    tip: inner.durable_tip,
                });
            }
            let plans: Vec<ReadPlan> = inner
                .segments
                .iter()
                .filter(|s| {
                    s.durable_len > frame::FILE_HEADER_BYTES as u64
                        && s.last_seq
                            .is_some_and(|last| !start.before(last, s.last_arrival_ms))
                })
                .map(|s| {
                    let i = s
                        .sparse
                        .partition_point(|e| start.before(e.seq, e.arrival_ms));
                    let offset = match i {
                        0 => frame::FILE_HEADER_BYTES as u64,
                        i => s.sparse[i - 1].offset,
                    };
                    ReadPlan {
                        path: s.path.clone(),
                        start: offset,
                        end: s.durable_len,
                    }
                })
                .collect();
            (plans, inner.durable_tip)
        };
        let records = tokio::task::spawn_blocking(move || {
            for plan in &plans {
                if out.full() {
                    break;
                }
                read_segment(plan, start, &mut out)?;
            }
            Ok::<_, LogError>(out.records)
        })
        .await
        .map_err(|e| LogError::Unavailable(e.to_string()))??;
        Ok(ReadBatch { records, tip })
    }

    pub fn tip(&self, address: &ShardAddress) -> LogResult<ShardTip> {
        Ok(self.shard(address)?.inner.lock().durable_tip)
    }

    pub async fn close_shard(
        &self,
        address: &ShardAddress,
        now: EpochMs,
    ) -> LogResult<SequenceNumber> {
        let shard = self.shard(address)?;
        // Wait out a group commit in progress, so every record written is durable first.
        let _turn = shard.sync_lock.lock().await;
        let mut inner = shard.inner.lock();
        if let Some(ending) = inner.ending {
            return Ok(ending);
        }
        if let Some(reason) = &inner.failed {
            return Err(LogError::Unavailable(reason.clone()));
        }
        let ending = SequenceNumber::shard_end(inner.last, now);
        if let Some(dir) = &shard.dir {
            if let (Some(file), Some(segment)) = (&inner.active, inner.segments.back()) {
                if self.sync {
                    file.sync_data()
                        .map_err(|e| io_error("cannot sync", &segment.path, e))?;
                }
            }
            let mut meta = inner.meta();
            meta.ending = Some(ending.into());
            write_meta(dir, &meta, self.sync)?;
            if let Some(segment) = inner.segments.back_mut() {
                segment.durable_len = segment.written_len;
            }
            inner.durable_ordinal = inner.next_ordinal;
        }
        inner.ending = Some(ending);
        inner.durable_tip = ShardTip {
            last: inner.last,
            last_arrival_ms: inner.last_arrival_ms,
            ending: Some(ending),
        };
        shard.tip.send_replace(inner.durable_tip);
        Ok(ending)
    }

    pub async fn trim(&self, address: &ShardAddress, before_ms: EpochMs) -> LogResult<u64> {
        let shard = self.shard(address)?;
        let _turn = shard.sync_lock.lock().await;
        let mut inner = shard.inner.lock();
        let Some(dir) = shard.dir.clone() else {
            let n = inner.memory.partition_point(|r| r.arrival_ms < before_ms);
            inner.memory.drain(..n);
            return Ok(n as u64);
        };
        let doomed = inner
            .segments
            .iter()
            .take_while(|s| s.last_arrival_ms < before_ms && s.durable_len == s.written_len)
            .count();
        if doomed == 0 {
            return Ok(0);
        }
        // The shard's numbers first, so they survive every segment going.
        write_meta(&dir, &inner.meta(), self.sync)?;
        let mut dropped = 0;
        for _ in 0..doomed {
            let segment = inner.segments.pop_front().expect("counted");
            dropped += segment.count;
            std::fs::remove_file(&segment.path)
                .map_err(|e| io_error("cannot remove", &segment.path, e))?;
            let _ = std::fs::remove_file(index_path(&segment.path));
        }
        if inner.segments.is_empty() {
            inner.active = None;
        }
        if self.sync {
            sync_dir(&dir)?;
        }
        Ok(dropped)
    }

    pub fn delete_shards(
        &self,
        stream: &StreamKey,
        created_at_ms: EpochMs,
        indexes: &[u32],
    ) -> LogResult<()> {
        for &index in indexes {
            self.shards.lock().remove(&ShardAddress {
                stream: stream.clone(),
                stream_created_at_ms: created_at_ms,
                shard_index: index,
            });
            if let Some(dir) = self.dir_of(stream, created_at_ms, index) {
                match std::fs::remove_dir_all(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error("cannot remove", &dir, e)),
                }
                if let Some(parent) = dir.parent() {
                    // The stream's directory goes with its last shard.
                    let _ = std::fs::remove_dir(parent);
                    if self.sync {
                        let _ = parent.parent().map(sync_dir);
                    }
                }
            }
        }
        Ok(())
    }

    pub fn watch(&self, address: &ShardAddress) -> LogResult<watch::Receiver<ShardTip>> {
        Ok(self.shard(address)?.tip.subscribe())
    }

    /// Forgets every shard and deletes their files (`Reset`).
    pub fn reset(&self) -> Result<(), String> {
        self.shards.lock().clear();
        if let Some(root) = &self.root {
            match std::fs::remove_dir_all(root) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot remove {}: {e}", root.display())),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: EpochMs = 1_700_000_000_000;

    fn address() -> ShardAddress {
        ShardAddress {
            stream: StreamKey::new("us-east-1", "000000000000", "s"),
            stream_created_at_ms: T0,
            shard_index: 0,
        }
    }

    fn record(n: usize) -> NewRecord {
        NewRecord {
            partition_key: n.to_string(),
            data: vec![0; 100],
            hash_key: 0,
            ordering_floor: None,
            encryption_key_id: None,
        }
    }

    #[tokio::test]
    async fn concurrent_appends_share_one_sync() {
        let dir = tempfile::tempdir().unwrap();
        let logs = Arc::new(ShardLogs::new(Some(dir.path().to_owned()), true));
        let start = SequenceNumber::shard_start(0, 1, T0);
        logs.create_shards(&address().stream, T0, &[(0, start)])
            .unwrap();
        let appends: Vec<_> = (0..50)
            .map(|n| {
                let logs = logs.clone();
                tokio::spawn(async move { logs.append(&address(), vec![record(n)], T0).await })
            })
            .collect();
        let mut numbers = Vec::new();
        for append in appends {
            numbers.extend(append.await.unwrap().unwrap());
        }
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 50);
        let syncs = logs.syncs.load(Ordering::Relaxed);
        assert!(syncs <= 3, "50 appends, {syncs} syncs");
        assert_eq!(logs.tip(&address()).unwrap().last, numbers[49]);
    }

    #[tokio::test]
    async fn reads_seek_through_the_sparse_index() {
        let dir = tempfile::tempdir().unwrap();
        let logs = ShardLogs::new(Some(dir.path().to_owned()), false);
        let start = SequenceNumber::shard_start(0, 1, T0);
        logs.create_shards(&address().stream, T0, &[(0, start)])
            .unwrap();
        let mut numbers = Vec::new();
        for batch in 0..40 {
            let records = (0..100).map(|r| record(batch * 100 + r)).collect();
            numbers.extend(
                logs.append(&address(), records, T0 + batch as u64)
                    .await
                    .unwrap(),
            );
        }
        {
            let shard = logs.shard(&address()).unwrap();
            let inner = shard.inner.lock();
            let segment = inner.segments.back().unwrap();
            assert!(
                segment.sparse.len() > 5,
                "one entry per {SPARSE_INDEX_BYTES} bytes"
            );
            assert!(segment
                .sparse
                .windows(2)
                .all(|w| w[1].offset - w[0].offset >= SPARSE_INDEX_BYTES));
        }
        let limits = ReadLimits {
            max_records: 3,
            max_bytes: usize::MAX,
        };
        for i in [0, 1, 999, 2_500, 3_997] {
            let batch = logs
                .read(
                    &address(),
                    IteratorPosition::AtSequence(numbers[i]),
                    limits,
                    0,
                )
                .await
                .unwrap();
            let got: Vec<SequenceNumber> =
                batch.records.iter().map(|r| r.sequence_number).collect();
            assert_eq!(got, numbers[i..i + 3]);
        }
        let batch = logs
            .read(
                &address(),
                IteratorPosition::AtTimestamp(T0 + 17),
                limits,
                0,
            )
            .await
            .unwrap();
        assert_eq!(batch.records[0].partition_key, "1700");
    }

    #[tokio::test]
    async fn sealed_segments_reopen_from_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let start = SequenceNumber::shard_start(0, 1, T0);
        let logs = ShardLogs::new(Some(dir.path().to_owned()), false);
        logs.set_roll_bytes(2_000);
        logs.create_shards(&address().stream, T0, &[(0, start)])
            .unwrap();
        let mut numbers = Vec::new();
        for batch in 0..20 {
            let records = (0..5).map(|r| record(batch * 5 + r)).collect();
            numbers.extend(
                logs.append(&address(), records, T0 + batch as u64)
                    .await
                    .unwrap(),
            );
        }
        drop(logs);
        let shard_dir = dir
            .path()
            .join(stream_dir_name(&address().stream, T0))
            .join("0");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&shard_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let segments: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.ends_with(".seg") || p.extension().is_some_and(|e| e == "seg"))
            .collect();
        let indexes: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        assert!(segments.len() > 3);
        assert_eq!(
            indexes.len(),
            segments.len() - 1,
            "every sealed segment has one"
        );
        // A missing index and a damaged one are rebuilt by scanning.
        std::fs::remove_file(indexes[0]).unwrap();
        std::fs::write(indexes[1], b"junk").unwrap();

        let logs = ShardLogs::new(Some(dir.path().to_owned()), false);
        let batch = logs
            .read(
                &address(),
                IteratorPosition::TrimHorizon,
                ReadLimits {
                    max_records: 1_000,
                    max_bytes: usize::MAX,
                },
                0,
            )
            .await
            .unwrap();
        let got: Vec<SequenceNumber> = batch.records.iter().map(|r| r.sequence_number).collect();
        assert_eq!(got, numbers);
        let at = logs
            .read(
                &address(),
                IteratorPosition::AtSequence(numbers[57]),
                ReadLimits {
                    max_records: 2,
                    max_bytes: usize::MAX,
                },
                0,
            )
            .await
            .unwrap();
        assert_eq!(at.records[0].sequence_number, numbers[57]);
    }
}
