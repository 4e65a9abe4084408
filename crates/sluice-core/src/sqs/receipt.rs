//! Receipt handles. A handle names one receive of one message: the queue incarnation,
//! the message's sequence number and the receive's nonce. A handle from a deleted and
//! re-created queue, or from an older receive, is recognisably stale.

use base64::Engine;

const RECEIPT_VERSION: u8 = 1;
const RECEIPT_LEN_BYTES: usize = 1 + 8 + 8 + 4 + 4;

/// A decoded receipt handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub queue_id: u64,
    pub seq: u64,
    pub nonce: u32,
}

fn checksum(bytes: &[u8]) -> u32 {
    // FNV-1a: enough to tell a handle we issued from random text; not a security check.
    let mut hash: u32 = 0x811c_9dc5;
    for b in bytes {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

impl Receipt {
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(RECEIPT_LEN_BYTES);
        bytes.push(RECEIPT_VERSION);
        bytes.extend(self.queue_id.to_be_bytes());
        bytes.extend(self.seq.to_be_bytes());
        bytes.extend(self.nonce.to_be_bytes());
        let sum = checksum(&bytes);
        bytes.extend(sum.to_be_bytes());
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn decode(handle: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(handle.trim())
            .ok()?;
        if bytes.len() != RECEIPT_LEN_BYTES || bytes[0] != RECEIPT_VERSION {
            return None;
        }
        let (body, sum) = bytes.split_at(RECEIPT_LEN_BYTES - 4);
        if checksum(body).to_be_bytes() != sum {
            return None;
        }
        Some(Self {
            queue_id: u64::from_be_bytes(body[1..9].try_into().ok()?),
            seq: u64::from_be_bytes(body[9..17].try_into().ok()?),
            nonce: u32::from_be_bytes(body[17..21].try_into().ok()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_garbage() {
        let r = Receipt {
            queue_id: 7,
            seq: 42,
            nonce: 3,
        };
        assert_eq!(Receipt::decode(&r.encode()), Some(r));
        assert_eq!(Receipt::decode("garbage"), None);
        assert_eq!(Receipt::decode(""), None);
        let mut tampered = r.encode().into_bytes();
        tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            Receipt::decode(std::str::from_utf8(&tampered).unwrap()),
            None
        );
    }
}
