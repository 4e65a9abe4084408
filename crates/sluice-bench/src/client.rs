//! A minimal HTTP/1.1 keep-alive client for SQS's AWS JSON 1.0 calls, SNS's AWS Query
//! calls and Kinesis's AWS JSON 1.1 calls: one TCP connection, one request at a time, reconnecting after any error. Small on purpose so the load
//! generator spends its CPU on little more than copying bytes.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most response headers parsed.
const MAX_RESPONSE_HEADERS: usize = 32;
/// Largest response header block accepted.
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Largest response body accepted (ten 1 MiB messages plus JSON overhead).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Initial capacity of the read and write buffers.
const INITIAL_BUFFER_BYTES: usize = 16 * 1024;
/// Prefix of the `X-Amz-Target` header.
pub const TARGET_PREFIX: &str = "AmazonSQS.";
/// Content type of AWS JSON 1.0 requests.
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// Prefix of the `X-Amz-Target` header of Kinesis calls.
pub const KINESIS_TARGET_PREFIX: &str = "Kinesis_20131202.";
/// Content type of AWS JSON 1.1 requests (Kinesis).
pub const KINESIS_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// Content type of AWS Query requests (SNS).
const QUERY_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// `Authorization` header lines (with their CRLF) sent with every SQS and every SNS
/// request, when set (`--region`): unsigned SigV4-shaped headers whose credential scope
/// names the region and the service, for servers that route or pick the region by it.
pub static AUTHORIZATION: std::sync::OnceLock<Authorization> = std::sync::OnceLock::new();

/// The header lines of [`AUTHORIZATION`], one per service.
pub struct Authorization {
    pub sqs: Vec<u8>,
    pub sns: Vec<u8>,
    /// Kinesis, with an `X-Amz-Date` line too: kinesalite refuses an `Authorization`
    /// header without one.
    pub kinesis: Vec<u8>,
}

impl Authorization {
    pub fn new(region: &str) -> Self {
        let mut kinesis = authorization_line(region, "kinesis", "host;x-amz-date;x-amz-target");
        kinesis.extend_from_slice(b"X-Amz-Date: 20000101T000000Z\r\n");
        Self {
            sqs: authorization_line(region, "sqs", "host;x-amz-target"),
            sns: authorization_line(region, "sns", "host"),
            kinesis,
        }
    }
}

/// The `Authorization` header line for `region` and `service`.
pub fn authorization_line(region: &str, service: &str, signed_headers: &str) -> Vec<u8> {
    format!(
        "Authorization: AWS4-HMAC-SHA256 Credential=sluicebench/20000101/{region}/{service}/aws4_request, SignedHeaders={signed_headers}, Signature=0\r\n"
    )
    .into_bytes()
}

/// Which API a request goes to, and so how it is framed.
#[derive(Debug, Clone, Copy)]
pub enum Api<'a> {
    /// SQS, AWS JSON 1.0: `X-Amz-Target: AmazonSQS.<action>`.
    Sqs(&'a str),
    /// SNS, AWS Query: the action is a form parameter of the body.
    Sns,
    /// Kinesis, AWS JSON 1.1: `X-Amz-Target: Kinesis_20131202.<action>`.
    Kinesis(&'a str),
}

/// Writes the request line and headers of a POST of `body_len` bytes to `api`.
pub fn write_head(buf: &mut Vec<u8>, host: &str, api: Api<'_>, body_len: usize) {
    buf.extend_from_slice(b"POST / HTTP/1.1\r\nHost: ");
    buf.extend_from_slice(host.as_bytes());
    let content_type = match api {
        Api::Sqs(action) => {
            buf.extend_from_slice(b"\r\nX-Amz-Target: ");
            buf.extend_from_slice(TARGET_PREFIX.as_bytes());
            buf.extend_from_slice(action.as_bytes());
            CONTENT_TYPE
        }
        Api::Sns => QUERY_CONTENT_TYPE,
        Api::Kinesis(action) => {
            buf.extend_from_slice(b"\r\nX-Amz-Target: ");
            buf.extend_from_slice(KINESIS_TARGET_PREFIX.as_bytes());
            buf.extend_from_slice(action.as_bytes());
            KINESIS_CONTENT_TYPE
        }
    };
    buf.extend_from_slice(b"\r\nContent-Type: ");
    buf.extend_from_slice(content_type.as_bytes());
    buf.extend_from_slice(b"\r\nContent-Length: ");
    buf.extend_from_slice(body_len.to_string().as_bytes());
    buf.extend_from_slice(b"\r\n");
    if let Some(auth) = AUTHORIZATION.get() {
        buf.extend_from_slice(match api {
            Api::Sqs(_) => &auth.sqs,
            Api::Sns => &auth.sns,
            Api::Kinesis(_) => &auth.kinesis,
        });
    }
    buf.extend_from_slice(b"\r\n");
}

/// Why a call produced no HTTP response.
#[derive(Debug)]
pub enum ClientError {
    Io(std::io::Error),
    Timeout,
    Protocol(&'static str),
}

impl ClientError {
    /// A short code for the error tally.
    pub fn code(&self) -> String {
        match self {
            Self::Io(e) => format!("io:{:?}", e.kind()),
            Self::Timeout => "timeout".to_owned(),
            Self::Protocol(what) => format!("http:{what}"),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Timeout => write!(f, "request timed out"),
            Self::Protocol(what) => write!(f, "malformed HTTP response: {what}"),
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// A response: status and body (borrowed from the connection's buffer).
pub struct Response<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

/// One keep-alive connection to the endpoint.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    wbuf: Vec<u8>,
    rbuf: Vec<u8>,
    /// Body after de-chunking, when the server sends chunked responses.
    chunked_body: Vec<u8>,
    last_status: u16,
}

/// Where the body of the last response lies.
enum BodyAt {
    Buffer(usize, usize),
    Chunked,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            stream: None,
            wbuf: Vec::with_capacity(INITIAL_BUFFER_BYTES),
            rbuf: Vec::with_capacity(INITIAL_BUFFER_BYTES),
            chunked_body: Vec::new(),
            last_status: 0,
        }
    }

    /// Calls `AmazonSQS.<action>` with a JSON body, waiting at most `timeout`.
    pub async fn call(
        &mut self,
        action: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response<'_>, ClientError> {
        self.call_api(Api::Sqs(action), body, timeout).await
    }

    /// Sends an SNS Query request (a form body naming its `Action`).
    pub async fn call_sns(
        &mut self,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response<'_>, ClientError> {
        self.call_api(Api::Sns, body, timeout).await
    }

    /// Calls `Kinesis_20131202.<action>` with a JSON body (AWS JSON 1.1).
    pub async fn call_kinesis(
        &mut self,
        action: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response<'_>, ClientError> {
        self.call_api(Api::Kinesis(action), body, timeout).await
    }

    async fn call_api(
        &mut self,
        api: Api<'_>,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response<'_>, ClientError> {
        let outcome = tokio::time::timeout(timeout, self.exchange(api, body)).await;
        let at = match outcome {
            Ok(Ok(at)) => at,
            Ok(Err(e)) => {
                self.stream = None;
                return Err(e);
            }
            Err(_) => {
                self.stream = None;
                return Err(ClientError::Timeout);
            }
        };
        let status = self.last_status;
        let body = match at {
            BodyAt::Buffer(start, end) => &self.rbuf[start..end],
            BodyAt::Chunked => &self.chunked_body[..],
        };
        Ok(Response { status, body })
    }

    async fn exchange(&mut self, api: Api<'_>, body: &[u8]) -> Result<BodyAt, ClientError> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        self.wbuf.clear();
        write_head(&mut self.wbuf, &self.host, api, body.len());
        self.wbuf.extend_from_slice(body);
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(&self.wbuf).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> Result<BodyAt, ClientError> {
        self.rbuf.clear();
        let stream = self.stream.as_mut().expect("connected");
        let (header_len, length, chunked, close) = loop {
            if stream.read_buf(&mut self.rbuf).await? == 0 {
                return Err(ClientError::Protocol("connection closed"));
            }
            let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&self.rbuf) {
                Ok(httparse::Status::Complete(n)) => {
                    self.last_status = resp.code.unwrap_or(0);
                    let mut length = None;
                    let mut chunked = false;
                    let mut close = false;
                    for h in resp.headers.iter() {
                        if h.name.eq_ignore_ascii_case("content-length") {
                            let v = std::str::from_utf8(h.value)
                                .ok()
                                .and_then(|s| s.trim().parse::<usize>().ok())
                                .ok_or(ClientError::Protocol("bad content-length"))?;
                            length = Some(v);
                        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                            chunked = h.value.eq_ignore_ascii_case(b"chunked");
                        } else if h.name.eq_ignore_ascii_case("connection") {
                            close = h.value.eq_ignore_ascii_case(b"close");
                        }
                    }
                    break (n, length, chunked, close);
                }
                Ok(httparse::Status::Partial) if self.rbuf.len() < MAX_HEADER_BYTES => {}
                Ok(httparse::Status::Partial) => {
                    return Err(ClientError::Protocol("headers too long"))
                }
                Err(_) => return Err(ClientError::Protocol("bad headers")),
            }
        };
        let at = if chunked {
            self.read_chunked(header_len).await?;
            BodyAt::Chunked
        } else {
            let length = length.ok_or(ClientError::Protocol("no content-length"))?;
            if length > MAX_BODY_BYTES {
                return Err(ClientError::Protocol("body too long"));
            }
            let end = header_len + length;
            self.rbuf.reserve(end.saturating_sub(self.rbuf.len()));
            let stream = self.stream.as_mut().expect("connected");
            while self.rbuf.len() < end {
                if stream.read_buf(&mut self.rbuf).await? == 0 {
                    return Err(ClientError::Protocol("connection closed mid-body"));
                }
            }
            BodyAt::Buffer(header_len, end)
        };
        if close {
            self.stream = None;
        }
        Ok(at)
    }

    /// Decodes a chunked body that starts at `pos` in the read buffer.
    async fn read_chunked(&mut self, mut pos: usize) -> Result<(), ClientError> {
        self.chunked_body.clear();
        loop {
            let line_end = self.fill_until_crlf(pos).await?;
            let line = std::str::from_utf8(&self.rbuf[pos..line_end])
                .map_err(|_| ClientError::Protocol("bad chunk size"))?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ClientError::Protocol("bad chunk size"))?;
            pos = line_end + 2;
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    let end = self.fill_until_crlf(pos).await?;
                    let empty = end == pos;
                    pos = end + 2;
                    if empty {
                        return Ok(());
                    }
                }
            }
            if self.chunked_body.len() + size > MAX_BODY_BYTES {
                return Err(ClientError::Protocol("body too long"));
            }
            self.fill_to(pos + size + 2).await?;
            self.chunked_body
                .extend_from_slice(&self.rbuf[pos..pos + size]);
            pos += size + 2;
        }
    }

    /// Reads until the buffer holds a CRLF at or after `from`; returns its index.
    async fn fill_until_crlf(&mut self, from: usize) -> Result<usize, ClientError> {
        loop {
            if let Some(i) = self.rbuf[from.min(self.rbuf.len())..]
                .windows(2)
                .position(|w| w == b"\r\n")
            {
                return Ok(from + i);
            }
            self.read_more().await?;
        }
    }

    async fn fill_to(&mut self, len: usize) -> Result<(), ClientError> {
        while self.rbuf.len() < len {
            self.read_more().await?;
        }
        Ok(())
    }

    async fn read_more(&mut self) -> Result<(), ClientError> {
        let stream = self.stream.as_mut().expect("connected");
        if stream.read_buf(&mut self.rbuf).await? == 0 {
            return Err(ClientError::Protocol("connection closed mid-body"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Serves each canned response in turn on one connection, returning the requests.
    async fn serve(
        responses: Vec<&'static [u8]>,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut requests = Vec::new();
            for resp in responses {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap();
                requests.push(buf[..n].to_vec());
                stream.write_all(resp).await.unwrap();
            }
            requests
        });
        (addr, task)
    }

    #[tokio::test]
    async fn reuses_the_connection_and_reads_both_framings() {
        let (addr, server) = serve(vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\n{\"a\r\n2\r\n\"}\r\n0\r\n\r\n",
        ])
        .await;
        let mut conn = Conn::new(addr);
        let timeout = Duration::from_secs(5);
        let resp = conn.call("ListQueues", b"{}", timeout).await.unwrap();
        assert_eq!((resp.status, resp.body), (200, &b"{}"[..]));
        let resp = conn
            .call("SendMessage", b"{\"x\":1}", timeout)
            .await
            .unwrap();
        assert_eq!((resp.status, resp.body), (400, &b"{\"a\"}"[..]));
        let requests = server.await.unwrap();
        let first = String::from_utf8(requests[0].clone()).unwrap();
        assert!(first.starts_with("POST / HTTP/1.1\r\n"));
        assert!(first.contains("X-Amz-Target: AmazonSQS.ListQueues\r\n"));
        assert!(first.contains("Content-Type: application/x-amz-json-1.0\r\n"));
        assert!(first.ends_with("Content-Length: 2\r\n\r\n{}"));
        assert!(String::from_utf8(requests[1].clone())
            .unwrap()
            .ends_with("{\"x\":1}"));
    }

    #[tokio::test]
    async fn a_closed_connection_is_an_error_and_the_next_call_reconnects() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            // First connection: read the request, close without answering.
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let _ = s.read(&mut buf).await.unwrap();
            drop(s);
            let (mut s, _) = listener.accept().await.unwrap();
            let _ = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
        });
        let mut conn = Conn::new(addr);
        let timeout = Duration::from_secs(5);
        assert!(conn.call("GetQueueUrl", b"{}", timeout).await.is_err());
        let resp = conn.call("GetQueueUrl", b"{}", timeout).await.unwrap();
        assert_eq!((resp.status, resp.body.len()), (200, 0));
        server.await.unwrap();
    }
}
