//! What PutRecord, PutRecords and GetRecords must hold, and how per-record failures are
//! reported. Shard choice is `hash_key.rs`'s, sequence numbers `sequence.rs`'s, sizes
//! against the stream's MaxRecordSizeInKiB `stream::check_record_size`.

use super::error::{KinesisError, KinesisErrorKind, KinesisResult};
use super::limits::{
    GET_RECORDS_LIMIT_MAX, GET_RECORDS_LIMIT_MIN, PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES,
    PUT_RECORDS_MIN_ENTRIES,
};
use super::sequence::SequenceNumber;

/// PutRecords' Records: 1 to 500 entries (model), a ValidationException at `records`.
pub fn check_put_records_count(entries: usize) -> KinesisResult<()> {
    if entries < PUT_RECORDS_MIN_ENTRIES {
        return Err(KinesisError::validation(
            "[]",
            "records",
            "have length greater than or equal to 1",
        ));
    }
    if entries > PUT_RECORDS_MAX_ENTRIES {
        return Err(KinesisError::validation(
            &format!("[{entries} records]"),
            "records",
            &format!("have length less than or equal to {PUT_RECORDS_MAX_ENTRIES}"),
        ));
    }
    Ok(())
}

/// PutRecords' whole request: data and partition keys together at most 10 MiB (API ref
/// PutRecords). The text is Sluice's (inferred: AWS's was not recorded).
pub fn check_put_records_size<'a>(
    entries: impl IntoIterator<Item = (usize, &'a str)>,
) -> KinesisResult<()> {
    let total: usize = entries
        .into_iter()
        .map(|(data, key)| data + key.len())
        .sum();
    if total > PUT_RECORDS_MAX_BYTES {
        return Err(KinesisError::invalid_argument(format!(
            "Records size {total} bytes (data plus partition keys) exceeds the PutRecords limit \
             of {PUT_RECORDS_MAX_BYTES} bytes."
        )));
    }
    Ok(())
}

/// GetRecords' Limit: 1 to 10,000 (model), 10,000 when unset.
pub fn check_get_records_limit(limit: Option<i64>) -> KinesisResult<u32> {
    let Some(limit) = limit else {
        return Ok(GET_RECORDS_LIMIT_MAX);
    };
    if limit < i64::from(GET_RECORDS_LIMIT_MIN) {
        return Err(KinesisError::validation(
            &limit.to_string(),
            "limit",
            "have value greater than or equal to 1",
        ));
    }
    if limit > i64::from(GET_RECORDS_LIMIT_MAX) {
        return Err(KinesisError::validation(
            &limit.to_string(),
            "limit",
            &format!("have value less than or equal to {GET_RECORDS_LIMIT_MAX}"),
        ));
    }
    Ok(limit as u32)
}

/// A shard's throughput limit passed (only when the server enforces them): "Rate exceeded
/// for shard S in stream N under account A." (AWS's text, as the PutRecords API reference
/// shows it in a per-record failure.)
pub fn throughput_exceeded(shard_id: &str, stream_name: &str, account_id: &str) -> KinesisError {
    KinesisError::new(
        KinesisErrorKind::ProvisionedThroughputExceeded,
        format!("Rate exceeded for shard {shard_id} in stream {stream_name} under account {account_id}."),
    )
}

/// What one PutRecords entry came to, as its result entry reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutRecordsEntry {
    Stored {
        shard_id: String,
        sequence_number: SequenceNumber,
    },
    /// A per-record failure: only `ProvisionedThroughputExceededException` and
    /// `InternalFailure` are codes AWS reports here; other errors fail the whole request.
    Failed {
        error_code: &'static str,
        error_message: String,
    },
}

impl PutRecordsEntry {
    /// The entry for a record the server could not store (AWS: "Internal service failure.").
    pub fn internal_failure() -> Self {
        Self::Failed {
            error_code: "InternalFailure",
            error_message: "Internal service failure.".to_owned(),
        }
    }

    /// The entry for a record over its shard's throughput.
    pub fn throughput_exceeded(shard_id: &str, stream_name: &str, account_id: &str) -> Self {
        let e = throughput_exceeded(shard_id, stream_name, account_id);
        Self::Failed {
            error_code: e.kind.code(),
            error_message: e.message,
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }
}

/// FailedRecordCount of a PutRecords answer.
pub fn failed_record_count(entries: &[PutRecordsEntry]) -> usize {
    entries.iter().filter(|e| e.is_failed()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_records_counts_and_sizes() {
        assert!(check_put_records_count(1).is_ok());
        assert!(check_put_records_count(500).is_ok());
        let e = check_put_records_count(501).unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::Validation);
        assert!(e
            .message
            .ends_with("Member must have length less than or equal to 500"));
        assert!(check_put_records_count(0).is_err());
        let mib = 1024 * 1024;
        assert!(check_put_records_size([(5 * mib, "a"), (5 * mib - 2, "b")]).is_ok());
        assert!(check_put_records_size([(5 * mib, "a"), (5 * mib, "b")]).is_err());
    }

    #[test]
    fn get_records_limits() {
        assert_eq!(check_get_records_limit(None).unwrap(), 10_000);
        assert_eq!(check_get_records_limit(Some(1)).unwrap(), 1);
        let e = check_get_records_limit(Some(10_001)).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: \
             Member must have value less than or equal to 10000"
        );
        assert!(check_get_records_limit(Some(0)).is_err());
    }

    #[test]
    fn per_record_failures_carry_awss_codes() {
        let entries = [
            PutRecordsEntry::throughput_exceeded(
                "shardId-000000000001",
                "exampleStreamName",
                "111111111111",
            ),
            PutRecordsEntry::internal_failure(),
        ];
        assert_eq!(failed_record_count(&entries), 2);
        let PutRecordsEntry::Failed {
            error_code,
            error_message,
        } = &entries[0]
        else {
            unreachable!()
        };
        assert_eq!(*error_code, "ProvisionedThroughputExceededException");
        assert_eq!(
            error_message,
            "Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under \
             account 111111111111."
        );
    }
}
