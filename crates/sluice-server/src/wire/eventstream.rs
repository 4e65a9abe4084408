//! AWS event stream messages (`application/vnd.amazon.eventstream`): the framing of
//! responses that push a sequence of events down one HTTP response, as Kinesis's
//! SubscribeToShard does.
//!
//! A message is a prelude (total length, headers length, the prelude's CRC32), the
//! headers, the payload, and a CRC32 of everything before it; all integers big-endian.
//! Only string headers are written, the only kind these responses carry. The framing is
//! small and fixed by the format, so it is written here on `crc32fast` rather than
//! pulled in with an SDK's runtime; the tests read it back with the AWS SDK's own
//! decoder, which checks both CRCs.
//!
//! The domain is in the constructors: an event names its `:event-type` (the first one
//! of a subscription is `initial-response`), a modelled error is an `exception` naming
//! its `:exception-type`, an unmodelled one an `error` with a code and a message.

use bytes::{BufMut, Bytes, BytesMut};

/// The media type of an event stream response.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";
/// The event that opens a subscription, before any data event.
pub const INITIAL_RESPONSE_EVENT: &str = "initial-response";
/// The largest message the format allows (the decoders' limit), in bytes.
pub const MESSAGE_MAX_BYTES: usize = 16 * 1024 * 1024;
/// The largest header block the format allows, in bytes.
pub const HEADERS_MAX_BYTES: usize = 128 * 1024;
/// The longest header name: its length is one byte.
pub const HEADER_NAME_MAX_BYTES: usize = u8::MAX as usize;
/// The longest string header value: its length is a signed 16-bit number.
pub const HEADER_VALUE_MAX_BYTES: usize = i16::MAX as usize;
/// Total length, headers length and the prelude's CRC.
const PRELUDE_BYTES: usize = 12;
/// The message's CRC at its end.
const MESSAGE_CRC_BYTES: usize = 4;
/// The type byte of a string header value.
const HEADER_TYPE_STRING: u8 = 7;

/// Why a message cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("event stream header name of {0} bytes is over {HEADER_NAME_MAX_BYTES}")]
    HeaderNameTooLong(usize),
    #[error("event stream header value of {0} bytes is over {HEADER_VALUE_MAX_BYTES}")]
    HeaderValueTooLong(usize),
    #[error("event stream headers of {0} bytes are over {HEADERS_MAX_BYTES}")]
    HeadersTooLong(usize),
    #[error("event stream message of {0} bytes is over {MESSAGE_MAX_BYTES}")]
    MessageTooLong(usize),
}

/// One event stream message: string headers and a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    headers: Vec<(&'static str, String)>,
    payload: Bytes,
}

impl Message {
    /// An event of type `event_type` (`initial-response`, `SubscribeToShardEvent`, ...)
    /// whose payload is a document of `content_type`.
    pub fn event(event_type: &str, content_type: &str, payload: impl Into<Bytes>) -> Self {
        Self {
            headers: vec![
                (":message-type", "event".to_owned()),
                (":event-type", event_type.to_owned()),
                (":content-type", content_type.to_owned()),
            ],
            payload: payload.into(),
        }
    }

    /// A modelled error of the stream (`ResourceNotFoundException`, ...), which ends it;
    /// the payload is the error's document (its `message`).
    pub fn exception(exception_type: &str, content_type: &str, payload: impl Into<Bytes>) -> Self {
        Self {
            headers: vec![
                (":message-type", "exception".to_owned()),
                (":exception-type", exception_type.to_owned()),
                (":content-type", content_type.to_owned()),
            ],
            payload: payload.into(),
        }
    }

    /// An error outside the stream's model (`InternalFailure`, ...), which ends it.
    pub fn error(code: &str, message: &str) -> Self {
        Self {
            headers: vec![
                (":message-type", "error".to_owned()),
                (":error-code", code.to_owned()),
                (":error-message", message.to_owned()),
            ],
            payload: Bytes::new(),
        }
    }

    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The message framed for the wire.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let mut headers_len = 0;
        for (name, value) in &self.headers {
            if name.len() > HEADER_NAME_MAX_BYTES {
                return Err(EncodeError::HeaderNameTooLong(name.len()));
            }
            if value.len() > HEADER_VALUE_MAX_BYTES {
                return Err(EncodeError::HeaderValueTooLong(value.len()));
            }
            // Name length, name, type, value length, value.
            headers_len += 1 + name.len() + 1 + 2 + value.len();
        }
        if headers_len > HEADERS_MAX_BYTES {
            return Err(EncodeError::HeadersTooLong(headers_len));
        }
        let total = PRELUDE_BYTES + headers_len + self.payload.len() + MESSAGE_CRC_BYTES;
        if total > MESSAGE_MAX_BYTES {
            return Err(EncodeError::MessageTooLong(total));
        }
        let mut out = BytesMut::with_capacity(total);
        // Both lengths fit: they are bounded above by MESSAGE_MAX_BYTES.
        out.put_u32(total as u32);
        out.put_u32(headers_len as u32);
        out.put_u32(crc32fast::hash(&out[..8]));
        for (name, value) in &self.headers {
            out.put_u8(name.len() as u8);
            out.put_slice(name.as_bytes());
            out.put_u8(HEADER_TYPE_STRING);
            out.put_u16(value.len() as u16);
            out.put_slice(value.as_bytes());
        }
        out.put_slice(&self.payload);
        out.put_u32(crc32fast::hash(&out));
        debug_assert_eq!(out.len(), total);
        Ok(out.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::{read_message_from, DecodedFrame, MessageFrameDecoder};

    /// Header name and string value pairs of a decoded message.
    fn headers(message: &aws_smithy_types::event_stream::Message) -> Vec<(String, String)> {
        message
            .headers()
            .iter()
            .map(|h| {
                let value = h.value().as_string().expect("a string header");
                (h.name().as_str().to_owned(), value.as_str().to_owned())
            })
            .collect()
    }

    #[test]
    fn events_exceptions_and_errors_decode_with_the_sdk_decoder() {
        let event = Message::event(
            "SubscribeToShardEvent",
            "application/json",
            &br#"{"Records":[],"MillisBehindLatest":0}"#[..],
        );
        let exception = Message::exception(
            "ResourceNotFoundException",
            "application/json",
            &br#"{"message":"Stream s not found."}"#[..],
        );
        let error = Message::error("InternalFailure", "try again");
        let initial = Message::event(INITIAL_RESPONSE_EVENT, "application/json", &b"{}"[..]);
        let mut wire = BytesMut::new();
        for message in [&initial, &event, &exception, &error] {
            wire.extend_from_slice(&message.encode().unwrap());
        }
        // Fed a few bytes at a time, as a response body arrives.
        let mut decoder = MessageFrameDecoder::new();
        let mut pending = BytesMut::new();
        let mut decoded = Vec::new();
        for chunk in wire.chunks(7) {
            pending.extend_from_slice(chunk);
            while let DecodedFrame::Complete(message) = decoder.decode_frame(&mut pending).unwrap()
            {
                decoded.push(message);
            }
        }
        assert!(pending.is_empty());
        assert_eq!(decoded.len(), 4);
        for (ours, theirs) in [&initial, &event, &exception, &error].iter().zip(&decoded) {
            let expected: Vec<(String, String)> = ours
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect();
            assert_eq!(headers(theirs), expected);
            assert_eq!(theirs.payload(), ours.payload());
        }
        assert_eq!(
            headers(&decoded[1])[1],
            (":event-type".into(), "SubscribeToShardEvent".into())
        );
        assert_eq!(
            headers(&decoded[2])[1],
            (":exception-type".into(), "ResourceNotFoundException".into())
        );
    }

    #[test]
    fn the_prelude_and_both_crcs_are_checked() {
        let frame = Message::event("e", "application/json", &b"{}"[..])
            .encode()
            .unwrap();
        let total = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        let headers_len = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, frame.len());
        assert_eq!(
            headers_len,
            frame.len() - PRELUDE_BYTES - 2 - MESSAGE_CRC_BYTES
        );
        assert_eq!(
            u32::from_be_bytes(frame[8..12].try_into().unwrap()),
            crc32fast::hash(&frame[..8])
        );
        assert!(read_message_from(frame.clone()).is_ok());
        // A flipped bit in the prelude, the headers or the payload is refused.
        for at in [1, 14, frame.len() - 5] {
            let mut bad = frame.to_vec();
            bad[at] ^= 0x01;
            assert!(read_message_from(Bytes::from(bad)).is_err(), "flip at {at}");
        }
    }

    #[test]
    fn oversized_parts_are_refused() {
        let long = "x".repeat(HEADER_VALUE_MAX_BYTES + 1);
        assert_eq!(
            Message::event(&long, "application/json", Bytes::new()).encode(),
            Err(EncodeError::HeaderValueTooLong(long.len()))
        );
        let payload = Bytes::from(vec![0u8; MESSAGE_MAX_BYTES]);
        assert!(matches!(
            Message::event("e", "application/json", payload).encode(),
            Err(EncodeError::MessageTooLong(_))
        ));
        let empty = Message::error("", "").encode().unwrap();
        assert!(read_message_from(empty).is_ok());
    }
}
