//! The per-action wire tables: for each SQS action, the members of its input and of its
//! output, each with its JSON-protocol name, its Query-protocol name(s) and its shape.
//!
//! One table serves both directions. The decoder reads Query parameter names through it
//! (`Attribute.1.Name` → `Attributes`), the encoder writes XML element names from it
//! (`Attributes` → `<Attribute><Name>…</Name><Value>…</Value></Attribute>`). Every list and
//! map in SQS's Query protocol is *flattened*: a list member `X` is sent as `X.1`, `X.2`, …
//! and written as repeated `<X>` elements; a map member `X` is sent as `X.N.<key>` /
//! `X.N.Value` and written as repeated `<X><key>…</key><Value>…</Value></X>`.

/// The shape of one member.
#[derive(Debug)]
pub(crate) enum Shape {
    /// A string, number or boolean. Inputs keep it as the JSON string the client sent.
    Scalar,
    /// A flattened list of the given element shape.
    List(&'static Shape),
    /// A flattened map: `key` names the key's part (`Name` or `Key`); the value's part is
    /// always [`MAP_VALUE`].
    Map {
        key: &'static str,
        value: &'static Shape,
    },
    /// A structure with the given members, in wire order.
    Struct(&'static [Field]),
}

/// One member of a structure.
#[derive(Debug)]
pub(crate) struct Field {
    /// The member's name in the JSON protocol.
    pub json: &'static str,
    /// The member's names in the Query protocol. The first is the one the encoder writes;
    /// the decoder accepts all of them, and the JSON name too.
    pub query: &'static [&'static str],
    pub shape: &'static Shape,
}

impl Field {
    /// The element name the encoder writes for this member.
    pub fn xml_name(&self) -> &'static str {
        self.query.first().copied().unwrap_or(self.json)
    }

    /// Whether a Query parameter name segment names this member.
    pub fn matches(&self, segment: &str) -> bool {
        self.json == segment || self.query.contains(&segment)
    }
}

/// The name of a flattened map entry's value part.
pub(crate) const MAP_VALUE: &str = "Value";

/// One action: its input members and, if it answers with a result, its output members.
#[derive(Debug)]
pub(crate) struct ActionSpec {
    pub name: &'static str,
    pub input: &'static [Field],
    /// `None` for actions whose response carries no `<{Action}Result>` element.
    pub output: Option<&'static [Field]>,
}

/// Looks an action up by its AWS name (case-sensitive, as AWS is).
pub(crate) fn find(action: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|spec| spec.name == action)
}

const fn f(json: &'static str, shape: &'static Shape) -> Field {
    Field {
        json,
        query: &[],
        shape,
    }
}

const fn q(json: &'static str, query: &'static [&'static str], shape: &'static Shape) -> Field {
    Field { json, query, shape }
}

const SCALAR: &Shape = &Shape::Scalar;
const STRING_LIST: &Shape = &Shape::List(SCALAR);
const ATTRIBUTE_MAP: &Shape = &Shape::Map {
    key: "Name",
    value: SCALAR,
};
const TAG_MAP: &Shape = &Shape::Map {
    key: "Key",
    value: SCALAR,
};

const MESSAGE_ATTRIBUTE_VALUE: &Shape = &Shape::Struct(&[
    f("StringValue", SCALAR),
    f("BinaryValue", SCALAR),
    q("StringListValues", &["StringListValue"], STRING_LIST),
    q("BinaryListValues", &["BinaryListValue"], STRING_LIST),
    f("DataType", SCALAR),
]);
const MESSAGE_ATTRIBUTE_MAP: &Shape = &Shape::Map {
    key: "Name",
    value: MESSAGE_ATTRIBUTE_VALUE,
};

const QUEUE_URL: Field = f("QueueUrl", SCALAR);
const RECEIPT_HANDLE: Field = f("ReceiptHandle", SCALAR);
const ID: Field = f("Id", SCALAR);
const NEXT_TOKEN: Field = f("NextToken", SCALAR);
const MAX_RESULTS: Field = f("MaxResults", SCALAR);
const QUEUE_ATTRIBUTES: Field = q("Attributes", &["Attribute"], ATTRIBUTE_MAP);
const MESSAGE_ATTRIBUTES: Field = q(
    "MessageAttributes",
    &["MessageAttribute"],
    MESSAGE_ATTRIBUTE_MAP,
);
const MESSAGE_SYSTEM_ATTRIBUTES: Field = q(
    "MessageSystemAttributes",
    &["MessageSystemAttribute"],
    MESSAGE_ATTRIBUTE_MAP,
);

const BATCH_ERROR_ENTRIES: Field = q(
    "Failed",
    &["BatchResultErrorEntry"],
    &Shape::List(&Shape::Struct(&[
        ID,
        f("SenderFault", SCALAR),
        f("Code", SCALAR),
        f("Message", SCALAR),
    ])),
);
const ID_ONLY_ENTRY: &Shape = &Shape::Struct(&[ID]);

/// Every action the codec knows, with its input and output tables.
pub(crate) const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "AddPermission",
        input: &[
            QUEUE_URL,
            f("Label", SCALAR),
            q("AWSAccountIds", &["AWSAccountId"], STRING_LIST),
            q("Actions", &["ActionName"], STRING_LIST),
        ],
        output: None,
    },
    ActionSpec {
        name: "CancelMessageMoveTask",
        input: &[f("TaskHandle", SCALAR)],
        output: Some(&[f("ApproximateNumberOfMessagesMoved", SCALAR)]),
    },
    ActionSpec {
        name: "ChangeMessageVisibility",
        input: &[QUEUE_URL, RECEIPT_HANDLE, f("VisibilityTimeout", SCALAR)],
        output: None,
    },
    ActionSpec {
        name: "ChangeMessageVisibilityBatch",
        input: &[
            QUEUE_URL,
            q(
                "Entries",
                &["ChangeMessageVisibilityBatchRequestEntry"],
                &Shape::List(&Shape::Struct(&[
                    ID,
                    RECEIPT_HANDLE,
                    f("VisibilityTimeout", SCALAR),
                ])),
            ),
        ],
        output: Some(&[
            q(
                "Successful",
                &["ChangeMessageVisibilityBatchResultEntry"],
                &Shape::List(ID_ONLY_ENTRY),
            ),
            BATCH_ERROR_ENTRIES,
        ]),
    },
    ActionSpec {
        name: "CreateQueue",
        input: &[
            f("QueueName", SCALAR),
            QUEUE_ATTRIBUTES,
            q("tags", &["Tag", "Tags"], TAG_MAP),
        ],
        output: Some(&[QUEUE_URL]),
    },
    ActionSpec {
        name: "DeleteMessage",
        input: &[QUEUE_URL, RECEIPT_HANDLE],
        output: None,
    },
    ActionSpec {
        name: "DeleteMessageBatch",
        input: &[
            QUEUE_URL,
            q(
                "Entries",
                &["DeleteMessageBatchRequestEntry"],
                &Shape::List(&Shape::Struct(&[ID, RECEIPT_HANDLE])),
            ),
        ],
        output: Some(&[
            q(
                "Successful",
                &["DeleteMessageBatchResultEntry"],
                &Shape::List(ID_ONLY_ENTRY),
            ),
            BATCH_ERROR_ENTRIES,
        ]),
    },
    ActionSpec {
        name: "DeleteQueue",
        input: &[QUEUE_URL],
        output: None,
    },
    ActionSpec {
        name: "GetQueueAttributes",
        input: &[
            QUEUE_URL,
            q("AttributeNames", &["AttributeName"], STRING_LIST),
        ],
        output: Some(&[QUEUE_ATTRIBUTES]),
    },
    ActionSpec {
        name: "GetQueueUrl",
        input: &[f("QueueName", SCALAR), f("QueueOwnerAWSAccountId", SCALAR)],
        output: Some(&[QUEUE_URL]),
    },
    ActionSpec {
        name: "ListDeadLetterSourceQueues",
        input: &[QUEUE_URL, NEXT_TOKEN, MAX_RESULTS],
        output: Some(&[q("queueUrls", &["QueueUrl"], STRING_LIST), NEXT_TOKEN]),
    },
    ActionSpec {
        name: "ListMessageMoveTasks",
        input: &[f("SourceArn", SCALAR), MAX_RESULTS],
        output: Some(&[q(
            "Results",
            &["ListMessageMoveTasksResultEntry"],
            &Shape::List(&Shape::Struct(&[
                f("TaskHandle", SCALAR),
                f("Status", SCALAR),
                f("SourceArn", SCALAR),
                f("DestinationArn", SCALAR),
                f("MaxNumberOfMessagesPerSecond", SCALAR),
                f("ApproximateNumberOfMessagesMoved", SCALAR),
                f("ApproximateNumberOfMessagesToMove", SCALAR),
                f("FailureReason", SCALAR),
                f("StartedTimestamp", SCALAR),
            ])),
        )]),
    },
    ActionSpec {
        name: "ListQueueTags",
        input: &[QUEUE_URL],
        output: Some(&[q("Tags", &["Tag"], TAG_MAP)]),
    },
    ActionSpec {
        name: "ListQueues",
        input: &[f("QueueNamePrefix", SCALAR), NEXT_TOKEN, MAX_RESULTS],
        output: Some(&[q("QueueUrls", &["QueueUrl"], STRING_LIST), NEXT_TOKEN]),
    },
    ActionSpec {
        name: "PurgeQueue",
        input: &[QUEUE_URL],
        output: None,
    },
    ActionSpec {
        name: "ReceiveMessage",
        input: &[
            QUEUE_URL,
            q("AttributeNames", &["AttributeName"], STRING_LIST),
            q(
                "MessageSystemAttributeNames",
                &["MessageSystemAttributeName"],
                STRING_LIST,
            ),
            q(
                "MessageAttributeNames",
                &["MessageAttributeName"],
                STRING_LIST,
            ),
            f("MaxNumberOfMessages", SCALAR),
            f("VisibilityTimeout", SCALAR),
            f("WaitTimeSeconds", SCALAR),
            f("ReceiveRequestAttemptId", SCALAR),
        ],
        output: Some(&[q(
            "Messages",
            &["Message"],
            &Shape::List(&Shape::Struct(&[
                f("MessageId", SCALAR),
                RECEIPT_HANDLE,
                f("MD5OfBody", SCALAR),
                f("Body", SCALAR),
                QUEUE_ATTRIBUTES,
                f("MD5OfMessageAttributes", SCALAR),
                MESSAGE_ATTRIBUTES,
            ])),
        )]),
    },
    ActionSpec {
        name: "RemovePermission",
        input: &[QUEUE_URL, f("Label", SCALAR)],
        output: None,
    },
    ActionSpec {
        name: "SendMessage",
        input: &[
            QUEUE_URL,
            f("MessageBody", SCALAR),
            f("DelaySeconds", SCALAR),
            MESSAGE_ATTRIBUTES,
            MESSAGE_SYSTEM_ATTRIBUTES,
            f("MessageDeduplicationId", SCALAR),
            f("MessageGroupId", SCALAR),
        ],
        output: Some(&[
            f("MD5OfMessageBody", SCALAR),
            f("MD5OfMessageAttributes", SCALAR),
            f("MD5OfMessageSystemAttributes", SCALAR),
            f("MessageId", SCALAR),
            f("SequenceNumber", SCALAR),
        ]),
    },
    ActionSpec {
        name: "SendMessageBatch",
        input: &[
            QUEUE_URL,
            q(
                "Entries",
                &["SendMessageBatchRequestEntry"],
                &Shape::List(&Shape::Struct(&[
                    ID,
                    f("MessageBody", SCALAR),
                    f("DelaySeconds", SCALAR),
                    MESSAGE_ATTRIBUTES,
                    MESSAGE_SYSTEM_ATTRIBUTES,
                    f("MessageDeduplicationId", SCALAR),
                    f("MessageGroupId", SCALAR),
                ])),
            ),
        ],
        output: Some(&[
            q(
                "Successful",
                &["SendMessageBatchResultEntry"],
                &Shape::List(&Shape::Struct(&[
                    ID,
                    f("MessageId", SCALAR),
                    f("MD5OfMessageBody", SCALAR),
                    f("MD5OfMessageAttributes", SCALAR),
                    f("MD5OfMessageSystemAttributes", SCALAR),
                    f("SequenceNumber", SCALAR),
                ])),
            ),
            BATCH_ERROR_ENTRIES,
        ]),
    },
    ActionSpec {
        name: "SetQueueAttributes",
        input: &[QUEUE_URL, QUEUE_ATTRIBUTES],
        output: None,
    },
    ActionSpec {
        name: "StartMessageMoveTask",
        input: &[
            f("SourceArn", SCALAR),
            f("DestinationArn", SCALAR),
            f("MaxNumberOfMessagesPerSecond", SCALAR),
        ],
        output: Some(&[f("TaskHandle", SCALAR)]),
    },
    ActionSpec {
        name: "TagQueue",
        input: &[QUEUE_URL, q("Tags", &["Tag"], TAG_MAP)],
        output: None,
    },
    ActionSpec {
        name: "UntagQueue",
        input: &[QUEUE_URL, q("TagKeys", &["TagKey"], STRING_LIST)],
        output: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_sorted() {
        for pair in ACTIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert_eq!(ACTIONS.len(), 23);
    }

    fn check_fields(fields: &[Field], path: &str) {
        for (i, a) in fields.iter().enumerate() {
            for b in &fields[i + 1..] {
                assert_ne!(a.json, b.json, "{path}: repeated member");
                for name in a.query.iter().chain([&a.json]) {
                    assert!(!b.matches(name), "{path}: `{name}` names two members");
                }
            }
            check_shape(a.shape, &format!("{path}.{}", a.json));
        }
    }

    fn check_shape(shape: &Shape, path: &str) {
        match shape {
            Shape::Scalar => {}
            Shape::List(elem) => check_shape(elem, path),
            Shape::Map { key, value } => {
                assert_ne!(*key, MAP_VALUE, "{path}");
                check_shape(value, path);
            }
            Shape::Struct(fields) => check_fields(fields, path),
        }
    }

    #[test]
    fn no_two_members_share_a_name() {
        for spec in ACTIONS {
            check_fields(spec.input, spec.name);
            if let Some(out) = spec.output {
                check_fields(out, spec.name);
            }
        }
    }
}
