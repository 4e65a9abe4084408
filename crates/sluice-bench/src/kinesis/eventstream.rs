//! Reading a SubscribeToShard response as it arrives: HTTP/1.1 response head, then the
//! body (chunked, or up to the connection's close) cut into AWS event stream messages
//! (prelude of total length, headers length and CRC32; headers; payload; CRC32), both
//! CRCs checked.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{write_head, Api};

/// Total length, headers length, prelude CRC.
const PRELUDE_BYTES: usize = 12;
/// The message CRC at the end.
const CRC_BYTES: usize = 4;
/// Largest message accepted (the format's limit).
const MESSAGE_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Largest response head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// One decoded message: its string headers and its payload.
#[derive(Debug)]
pub struct Message {
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where the chunked decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Reading a chunk-size line.
    Size,
    /// This many bytes of the chunk's data left.
    Data(usize),
    /// The CRLF after a chunk's data.
    End,
    /// The last chunk was read.
    Done,
}

/// A subscription's response, read incrementally.
pub struct EventReader {
    stream: TcpStream,
    /// Bytes read and not yet de-chunked.
    raw: Vec<u8>,
    /// De-chunked body bytes not yet cut into messages.
    body: Vec<u8>,
    chunked: bool,
    chunk: Chunk,
}

/// Opens a connection and sends `action` with `body`; answers the reader once the
/// response head is in, or the status and body of a response that is not 200.
pub async fn open(addr: SocketAddr, action: &str, body: &[u8]) -> Result<EventReader, String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut req = Vec::new();
    write_head(
        &mut req,
        &addr.to_string(),
        Api::Kinesis(action),
        body.len(),
    );
    req.extend_from_slice(body);
    stream
        .write_all(&req)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::with_capacity(16 * 1024);
    loop {
        if stream
            .read_buf(&mut raw)
            .await
            .map_err(|e| format!("read: {e}"))?
            == 0
        {
            return Err("connection closed before the response head".to_owned());
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&raw) {
            Ok(httparse::Status::Complete(n)) => {
                let status = resp.code.unwrap_or(0);
                let chunked = resp.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("transfer-encoding")
                        && h.value.eq_ignore_ascii_case(b"chunked")
                });
                if status != 200 {
                    // Error answers are short; what came with the head is enough.
                    return Err(format!(
                        "{action}: HTTP {status}: {}",
                        String::from_utf8_lossy(&raw[n..raw.len().min(n + 300)])
                    ));
                }
                raw.drain(..n);
                return Ok(EventReader {
                    stream,
                    raw,
                    body: Vec::new(),
                    chunked,
                    chunk: Chunk::Size,
                });
            }
            Ok(httparse::Status::Partial) if raw.len() < MAX_HEAD_BYTES => {}
            Ok(httparse::Status::Partial) => return Err("response head too long".to_owned()),
            Err(e) => return Err(format!("bad response head: {e}")),
        }
    }
}

impl EventReader {
    /// The next message; `Ok(None)` when the response ended.
    pub async fn next(&mut self) -> Result<Option<Message>, String> {
        loop {
            self.dechunk()?;
            if let Some(m) = self.cut()? {
                return Ok(Some(m));
            }
            if self.chunk == Chunk::Done {
                return Ok(None);
            }
            let n = self
                .stream
                .read_buf(&mut self.raw)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return if self.body.is_empty() && self.raw.is_empty() {
                    Ok(None)
                } else {
                    Err("connection closed mid-message".to_owned())
                };
            }
        }
    }

    /// Moves what `raw` holds of the body into `body`.
    fn dechunk(&mut self) -> Result<(), String> {
        if !self.chunked {
            self.body.append(&mut self.raw);
            return Ok(());
        }
        loop {
            match self.chunk {
                Chunk::Size => {
                    let Some(i) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                        return Ok(());
                    };
                    let line = std::str::from_utf8(&self.raw[..i])
                        .map_err(|_| "bad chunk size".to_owned())?;
                    let size_text = line.split(';').next().unwrap_or("").trim();
                    let size = usize::from_str_radix(size_text, 16)
                        .map_err(|_| format!("bad chunk size {size_text:?}"))?;
                    self.raw.drain(..i + 2);
                    self.chunk = if size == 0 {
                        Chunk::Done
                    } else {
                        Chunk::Data(size)
                    };
                }
                Chunk::Data(left) => {
                    if self.raw.is_empty() {
                        return Ok(());
                    }
                    let take = left.min(self.raw.len());
                    self.body.extend_from_slice(&self.raw[..take]);
                    self.raw.drain(..take);
                    self.chunk = if take == left {
                        Chunk::End
                    } else {
                        Chunk::Data(left - take)
                    };
                }
                Chunk::End => {
                    if self.raw.len() < 2 {
                        return Ok(());
                    }
                    if &self.raw[..2] != b"\r\n" {
                        return Err("chunk not followed by CRLF".to_owned());
                    }
                    self.raw.drain(..2);
                    self.chunk = Chunk::Size;
                }
                Chunk::Done => return Ok(()),
            }
        }
    }

    /// Cuts one whole message off the front of `body`, if there is one.
    fn cut(&mut self) -> Result<Option<Message>, String> {
        if self.body.len() < PRELUDE_BYTES {
            return Ok(None);
        }
        let (message, used) = match decode(&self.body)? {
            Some(m) => m,
            None => return Ok(None),
        };
        self.body.drain(..used);
        Ok(Some(message))
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Decodes the message at the start of `buf`: the message and its length, or `None`
/// while it is incomplete.
pub fn decode(buf: &[u8]) -> Result<Option<(Message, usize)>, String> {
    if buf.len() < PRELUDE_BYTES {
        return Ok(None);
    }
    let total = be32(&buf[0..4]) as usize;
    let headers_len = be32(&buf[4..8]) as usize;
    if crc32fast::hash(&buf[..8]) != be32(&buf[8..12]) {
        return Err("event stream prelude CRC mismatch".to_owned());
    }
    if total > MESSAGE_MAX_BYTES || total < PRELUDE_BYTES + headers_len + CRC_BYTES {
        return Err(format!("event stream message length {total} is impossible"));
    }
    if buf.len() < total {
        return Ok(None);
    }
    if crc32fast::hash(&buf[..total - CRC_BYTES]) != be32(&buf[total - CRC_BYTES..total]) {
        return Err("event stream message CRC mismatch".to_owned());
    }
    let headers = parse_headers(&buf[PRELUDE_BYTES..PRELUDE_BYTES + headers_len])?;
    let payload = buf[PRELUDE_BYTES + headers_len..total - CRC_BYTES].to_vec();
    Ok(Some((Message { headers, payload }, total)))
}

/// The headers; values of other types than string are kept as empty strings.
fn parse_headers(mut b: &[u8]) -> Result<Vec<(String, String)>, String> {
    let short = || "event stream header block cut short".to_owned();
    let mut out = Vec::new();
    while !b.is_empty() {
        let name_len = b[0] as usize;
        let name = b.get(1..1 + name_len).ok_or_else(short)?;
        let name = String::from_utf8_lossy(name).into_owned();
        b = &b[1 + name_len..];
        let kind = *b.first().ok_or_else(short)?;
        b = &b[1..];
        // Bool true/false, byte, short, int, long, bytes, string, timestamp, uuid.
        let fixed = match kind {
            0 | 1 => Some(0),
            2 => Some(1),
            3 => Some(2),
            4 => Some(4),
            5 | 8 => Some(8),
            9 => Some(16),
            6 | 7 => None,
            other => return Err(format!("event stream header type {other} unknown")),
        };
        let value = match fixed {
            Some(n) => {
                b.get(..n).ok_or_else(short)?;
                b = &b[n..];
                String::new()
            }
            None => {
                let len_bytes = b.get(..2).ok_or_else(short)?;
                let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
                let v = b.get(2..2 + len).ok_or_else(short)?;
                let v = if kind == 7 {
                    String::from_utf8_lossy(v).into_owned()
                } else {
                    String::new()
                };
                b = &b[2 + len..];
                v
            }
        };
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames a message with string headers, as the server does.
    fn frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
        let mut h = Vec::new();
        for (n, v) in headers {
            h.push(n.len() as u8);
            h.extend_from_slice(n.as_bytes());
            h.push(7);
            h.extend_from_slice(&(v.len() as u16).to_be_bytes());
            h.extend_from_slice(v.as_bytes());
        }
        let total = PRELUDE_BYTES + h.len() + payload.len() + CRC_BYTES;
        let mut out = Vec::new();
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(h.len() as u32).to_be_bytes());
        out.extend_from_slice(&crc32fast::hash(&out).to_be_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(payload);
        out.extend_from_slice(&crc32fast::hash(&out).to_be_bytes());
        out
    }

    #[test]
    fn messages_decode_whole_and_wait_when_partial() {
        let m = frame(&[(":event-type", "initial-response")], b"{}");
        assert!(decode(&m[..m.len() - 1]).unwrap().is_none());
        let (msg, used) = decode(&m).unwrap().unwrap();
        assert_eq!(used, m.len());
        assert_eq!(msg.header(":event-type"), Some("initial-response"));
        assert_eq!(msg.payload, b"{}");
        let mut bad = m.clone();
        let last = bad.len() - 5;
        bad[last] ^= 1;
        assert!(decode(&bad).is_err());
    }

    #[tokio::test]
    async fn a_chunked_stream_is_cut_into_messages() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let a = frame(&[(":event-type", "initial-response")], b"{}");
        let b = frame(
            &[(":event-type", "SubscribeToShardEvent")],
            b"{\"Records\":[]}",
        );
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let _ = s.read(&mut buf).await.unwrap();
            let mut out = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            // The first message split over two chunks, the second in one.
            let (x, y) = a.split_at(5);
            for part in [x, y, &b[..]] {
                out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                out.extend_from_slice(part);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            for piece in out.chunks(7) {
                s.write_all(piece).await.unwrap();
            }
        });
        let mut r = open(addr, "SubscribeToShard", b"{}").await.unwrap();
        let first = r.next().await.unwrap().unwrap();
        assert_eq!(first.header(":event-type"), Some("initial-response"));
        let second = r.next().await.unwrap().unwrap();
        assert_eq!(second.payload, b"{\"Records\":[]}");
        assert!(r.next().await.unwrap().is_none());
        server.await.unwrap();
    }
}
