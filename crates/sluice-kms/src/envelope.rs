//! The sealed form of one item: a small versioned binary envelope that carries what is
//! needed to open it later without any other state.
//!
//! ```text
//! version          u8      = 1
//! master_key_len   u8      1..=255
//! master_key_id    [u8]    UTF-8, the key that wrapped the data key
//! data_key_id      [u8;16] random; names the data key (so openers can cache it)
//! wrapped_len      u8
//! wrapped_key      [u8]    nonce(12) || AES-256-GCM(master, data key)(32) || tag(16)
//! nonce            [u8;12]
//! ciphertext       [u8]    AES-256-GCM(data key, plaintext) || tag(16)
//! ```
//!
//! Everything before the nonce (the header) is the additional authenticated data of
//! the ciphertext, so a header swapped onto another ciphertext fails to open.

use crate::{DATA_KEY_ID_BYTES, KEY_ID_MAX_BYTES, NONCE_BYTES, TAG_BYTES};

/// The envelope format this version writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;

/// A parsed envelope, borrowing the sealed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub master_key_id: &'a str,
    pub data_key_id: [u8; DATA_KEY_ID_BYTES],
    pub wrapped_key: &'a [u8],
    /// The bytes authenticated along with the ciphertext.
    pub header: &'a [u8],
    pub nonce: [u8; NONCE_BYTES],
    pub ciphertext: &'a [u8],
}

/// Writes the header (version, key ids, wrapped data key); the caller appends the
/// nonce and ciphertext.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    master_key_id: &str,
    data_key_id: &[u8; DATA_KEY_ID_BYTES],
    wrapped_key: &[u8],
) {
    debug_assert!(!master_key_id.is_empty() && master_key_id.len() <= KEY_ID_MAX_BYTES);
    debug_assert!(wrapped_key.len() <= usize::from(u8::MAX));
    out.push(ENVELOPE_VERSION);
    out.push(master_key_id.len() as u8);
    out.extend_from_slice(master_key_id.as_bytes());
    out.extend_from_slice(data_key_id);
    out.push(wrapped_key.len() as u8);
    out.extend_from_slice(wrapped_key);
}

/// Reads an envelope, checking only its framing (authenticity is the cipher's job).
pub fn parse(sealed: &[u8]) -> Result<Envelope<'_>, String> {
    let mut rest = sealed;
    let mut take = |n: usize, what: &str| -> Result<&[u8], String> {
        if rest.len() < n {
            return Err(format!("envelope truncated in its {what}"));
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let version = take(1, "version")?[0];
    if version != ENVELOPE_VERSION {
        return Err(format!("envelope version {version} is not supported"));
    }
    let id_len = usize::from(take(1, "key id length")?[0]);
    if id_len == 0 {
        return Err("envelope names no master key".to_owned());
    }
    let master_key_id = std::str::from_utf8(take(id_len, "master key id")?)
        .map_err(|_| "envelope master key id is not UTF-8".to_owned())?;
    let data_key_id: [u8; DATA_KEY_ID_BYTES] = take(DATA_KEY_ID_BYTES, "data key id")?
        .try_into()
        .expect("length checked");
    let wrapped_len = usize::from(take(1, "wrapped key length")?[0]);
    let wrapped_key = take(wrapped_len, "wrapped key")?;
    let header_len = 1 + 1 + id_len + DATA_KEY_ID_BYTES + 1 + wrapped_len;
    let nonce: [u8; NONCE_BYTES] = take(NONCE_BYTES, "nonce")?
        .try_into()
        .expect("length checked");
    if rest.len() < TAG_BYTES {
        return Err("envelope truncated in its ciphertext".to_owned());
    }
    Ok(Envelope {
        master_key_id,
        data_key_id,
        wrapped_key,
        header: &sealed[..header_len],
        nonce,
        ciphertext: rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_truncation_is_caught() {
        let mut out = Vec::new();
        write_header(&mut out, "k1", &[7; DATA_KEY_ID_BYTES], &[9; 60]);
        let header_len = out.len();
        out.extend_from_slice(&[1; NONCE_BYTES]);
        out.extend_from_slice(&[2; 20]);
        let e = parse(&out).unwrap();
        assert_eq!(e.master_key_id, "k1");
        assert_eq!(e.data_key_id, [7; DATA_KEY_ID_BYTES]);
        assert_eq!(e.wrapped_key, &[9; 60][..]);
        assert_eq!(e.header.len(), header_len);
        assert_eq!(e.nonce, [1; NONCE_BYTES]);
        assert_eq!(e.ciphertext.len(), 20);
        for cut in 0..header_len + NONCE_BYTES + TAG_BYTES {
            assert!(parse(&out[..cut]).is_err(), "cut at {cut}");
        }
        out[0] = 2;
        assert!(parse(&out).unwrap_err().contains("version 2"));
    }
}
