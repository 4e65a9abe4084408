//! Kinesis's one error table: each domain error kind as it goes on the wire. Kinesis
//! speaks AWS JSON 1.1 (and CBOR), whose `__type` is the bare exception name; it sends no
//! `x-amzn-query-error` header (it never spoke Query).

use sluice_core::kinesis::{KinesisError, KinesisErrorKind};

use crate::wire::WireError;

pub fn to_wire(e: &KinesisError) -> WireError {
    let code = e.kind.code();
    let wire = WireError {
        query_error_header: false,
        ..WireError::new(e.kind.http_status(), code, code, e.message.clone())
    };
    if e.kind.is_server_fault() {
        wire.receiver()
    } else {
        wire
    }
}

/// The exception type a SubscribeToShard event stream names for an error mid-stream:
/// the event stream's model calls the internal fault `InternalFailureException`.
pub fn stream_exception_type(kind: KinesisErrorKind) -> &'static str {
    match kind {
        KinesisErrorKind::InternalFailure | KinesisErrorKind::ServiceUnavailable => {
            "InternalFailureException"
        }
        other => other.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_400_with_the_bare_type_and_no_query_header() {
        let e = KinesisError::stream_not_found("s", "000000000000");
        let wire = to_wire(&e);
        assert_eq!(wire.status, 400);
        assert_eq!(wire.json_type, "ResourceNotFoundException");
        assert!(!wire.query_error_header);
        assert!(wire.sender_fault);
        assert_eq!(
            wire.message,
            "Stream s under account 000000000000 not found."
        );
    }

    #[test]
    fn faults_are_the_servers() {
        let wire = to_wire(&KinesisError::internal("x"));
        assert_eq!(wire.status, 500);
        assert!(!wire.sender_fault);
        assert_eq!(
            stream_exception_type(KinesisErrorKind::InternalFailure),
            "InternalFailureException"
        );
    }
}
