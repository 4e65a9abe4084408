//! Encryption at rest with the real binary: messages sent to queues with SQS-managed
//! SSE or a KMS key survive a `kill -9` intact, and no byte of their bodies or message
//! attribute values can be found in any file of the data directory. A control queue
//! with SSE off proves the search does find plaintext when it is there.

mod common;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName as A};
use common::process::Sluice;
use common::*;

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The files under `dir` that contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|f| {
            fs::read(f)
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
        .collect()
}

/// What is sent to one queue: a distinctive body, string attribute and binary
/// attribute, each of which must (or, for the control, may) be found on disk.
struct Sent {
    queue: &'static str,
    body: String,
    text: String,
    binary: Vec<u8>,
}

impl Sent {
    fn new(queue: &'static str) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        Self {
            queue,
            body: format!("BODY-{queue}-{tag}"),
            text: format!("ATTR-{queue}-{tag}"),
            binary: format!("BIN-{queue}-{tag}").into_bytes(),
        }
    }

    fn needles(&self) -> [(&'static str, &[u8]); 3] {
        [
            ("body", self.body.as_bytes()),
            ("string attribute", self.text.as_bytes()),
            ("binary attribute", &self.binary),
        ]
    }
}

const KEY_FILE_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_messages_survive_kill_9_and_never_reach_the_disk_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key_file = dir.path().join("file.key");
    fs::write(&key_file, format!("{KEY_FILE_HEX}\n")).unwrap();
    let config = dir.path().join("sluice.toml");
    fs::write(
        &config,
        r#"
[[kms_keys]]
id = "k-generated"
aliases = ["alias/orders"]

[[kms_keys]]
id = "k-file"
key_file = "file.key"
"#,
    )
    .unwrap();

    let config_args = [OsStr::new("--config"), config.as_os_str()];
    let server = Sluice::start_with(&data, dir.path(), "run1", &config_args);
    let client = server.client();
    let queues: [(&str, &[(A, &str)]); 4] = [
        ("managed", &[]),
        ("kms-alias", &[(A::KmsMasterKeyId, "alias/orders")]),
        ("kms-file", &[(A::KmsMasterKeyId, "k-file")]),
        ("control", &[(A::SqsManagedSseEnabled, "false")]),
    ];
    let mut urls = HashMap::new();
    for (name, attrs) in queues {
        let mut req = client.create_queue().queue_name(name);
        for (k, v) in attrs {
            req = req.attributes(k.clone(), *v);
        }
        let url = req.send().await.unwrap().queue_url().unwrap().to_owned();
        urls.insert(name, url);
    }
    let sent: Vec<Sent> = ["managed", "kms-alias", "kms-file", "control"]
        .into_iter()
        .map(Sent::new)
        .collect();
    for s in &sent {
        client
            .send_message()
            .queue_url(&urls[s.queue])
            .message_body(&s.body)
            .message_attributes("text", string_attr("String", &s.text))
            .message_attributes("blob", binary_attr(&s.binary))
            .send()
            .await
            .unwrap();
    }
    // Acknowledged sends are on disk: kill without any chance to flush.
    server.kill_9();

    let check_disk = |when: &str| {
        for s in &sent {
            for (what, needle) in s.needles() {
                let found = files_containing(&data, needle);
                if s.queue == "control" {
                    assert!(
                        !found.is_empty(),
                        "{when}: the control queue's {what} should be found in clear"
                    );
                } else {
                    assert!(
                        found.is_empty(),
                        "{when}: {} queue's {what} found in clear in {found:?}",
                        s.queue
                    );
                }
            }
        }
    };
    check_disk("after kill -9");

    // Generated keys are in the data directory, readable by the owner only; the key
    // read from a file is not copied there.
    {
        use std::os::unix::fs::PermissionsExt;
        let kms = data.join("kms");
        for name in ["k-generated.key", "sluice-sqs-managed.key"] {
            let mode = fs::metadata(kms.join(name)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert!(!kms.join("k-file.key").exists());
        assert!(files_containing(&data, KEY_FILE_HEX.as_bytes()).is_empty());
    }

    let server = Sluice::start_with(&data, dir.path(), "run2", &config_args);
    let client = server.client();
    for s in &sent {
        let got = client
            .receive_message()
            .queue_url(&urls[s.queue])
            .message_attribute_names("All")
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = got.messages();
        assert_eq!(messages.len(), 1, "{}: {messages:?}", s.queue);
        let m = &messages[0];
        assert_eq!(m.body(), Some(s.body.as_str()), "{}", s.queue);
        let attrs = m.message_attributes().unwrap();
        assert_eq!(attrs["text"].string_value(), Some(s.text.as_str()));
        assert_eq!(
            attrs["blob"].binary_value().map(|b| b.as_ref()),
            Some(&s.binary[..])
        );
        assert_eq!(
            m.md5_of_body(),
            Some(md5_hex(s.body.as_bytes()).as_str()),
            "{}",
            s.queue
        );
    }
    // A message sent after the restart goes the same way.
    let late = Sent::new("managed");
    client
        .send_message()
        .queue_url(&urls["managed"])
        .message_body(&late.body)
        .message_attributes(
            "text",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(&late.text)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    server.kill_9();
    check_disk("after the restart");
    for (what, needle) in [
        ("body", late.body.as_bytes()),
        ("attribute", late.text.as_bytes()),
    ] {
        assert!(
            files_containing(&data, needle).is_empty(),
            "late {what} in clear"
        );
    }

    // Without its key file the server refuses to start rather than lose messages.
    fs::write(&key_file, "ff".repeat(32)).unwrap();
    let (status, text) = Sluice::start_expecting_failure(&data, dir.path(), "run3", &config_args);
    assert!(
        !status.success(),
        "started with the wrong key material:\n{text}"
    );
    assert!(text.contains("cannot open an encrypted message"), "{text}");
}
