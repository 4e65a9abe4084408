"""AWS's recorded SNS answers, one test per recorded answer (or a few closely tied
ones), with real boto3 `sns` clients (AWS Query/XML in both environments).

The recordings are AWS's own responses kept in LocalStack's snapshot file
tests/aws/services/sns/test_sns.snapshot.json; the requests that produced them are in
the matching test_sns.py. Each test names the recorded test it follows (the snapshot key
is `tests/aws/services/sns/test_sns.py::<Class>::<test>`) and checks the code, HTTP
status and message of each recorded answer.

Not covered here: answers that need HTTP/S delivery or publishing to FIFO topics (built
elsewhere), and those whose recorded message is a Java parser's trace (checked by prefix,
the rest marked xfail)."""

import base64
import json

import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import ACCOUNT_ID, REGION
from test_sns_topics import error_of, sns_client

OTHER_REGION = "us-west-1"
DEFAULT_STATEMENT_ACTIONS = [
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
]
EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}
# A long hexadecimal token of the shape AWS issues, which no subscription has.
FOREIGN_TOKEN = "51b2ff3edb475b7d91550e0ab6edf0c1de2a34e6ebaf6c2262a001bcb7e051c4" * 4


def invalid(message):
    return ("InvalidParameter", 400, message)


NOT_FOUND_TOPIC = ("NotFound", 404, "Topic does not exist")


@pytest.fixture(scope="module")
def sns(server):
    return sns_client(server)


@pytest.fixture(scope="module")
def sns_unchecked(server):
    """A client that sends what it is given (botocore's parameter validation off)."""
    return boto3_client(server, Config(parameter_validation=False, retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def sns_west(server):
    return sns_client(server, region=OTHER_REGION)


def boto3_client(endpoint, config):
    import boto3

    return boto3.client(
        "sns",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=config,
    )


@pytest.fixture
def topic(sns, unique_name):
    return sns.create_topic(Name=unique_name())["TopicArn"]


@pytest.fixture
def fifo_topic(sns, unique_name):
    return sns.create_topic(Name=unique_name(".fifo"), Attributes={"FifoTopic": "true"})["TopicArn"]


def queue_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def subscribe_queue(sns, sqs, topic_arn, name, **queue_attributes):
    args = {"QueueName": name}
    if queue_attributes:
        args["Attributes"] = queue_attributes
    url = sqs.create_queue(**args)["QueueUrl"]
    arn = queue_arn(sqs, url)
    sub = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)
    return url, arn, sub["SubscriptionArn"]


# TestSNSTopicCrud


def test_create_topic_with_attributes(sns, unique_name):
    # TestSNSTopicCrud::test_create_topic_with_attributes
    arn = sns.create_topic(
        Name=unique_name(".fifo"),
        Attributes={"DisplayName": "TestTopic", "SignatureVersion": "2", "FifoTopic": "true"},
    )["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert {k: attrs[k] for k in ("ContentBasedDeduplication", "DisplayName", "FifoTopic",
                                  "Owner", "SignatureVersion", "SubscriptionsConfirmed",
                                  "SubscriptionsDeleted", "SubscriptionsPending", "TopicArn")} == {
        "ContentBasedDeduplication": "false",
        "DisplayName": "TestTopic",
        "FifoTopic": "true",
        "Owner": ACCOUNT_ID,
        "SignatureVersion": "2",
        "SubscriptionsConfirmed": "0",
        "SubscriptionsDeleted": "0",
        "SubscriptionsPending": "0",
        "TopicArn": arn,
    }
    assert json.loads(attrs["EffectiveDeliveryPolicy"]) == EFFECTIVE_DELIVERY_POLICY
    policy = json.loads(attrs["Policy"])
    assert policy["Version"] == "2008-10-17" and policy["Id"] == "__default_policy_ID"
    assert policy["Statement"] == [{
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": DEFAULT_STATEMENT_ACTIONS,
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT_ID}},
    }]
    wrong = f"{arn[:-8]}abcdefgh"
    assert error_of(lambda: sns.get_topic_attributes(TopicArn=wrong)) == NOT_FOUND_TOPIC
    assert error_of(lambda: sns.get_topic_attributes(TopicArn="test-topic")) == invalid(
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
    )


def test_tags(sns, topic):
    # TestSNSTopicCrud::test_tags
    dup = [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}, {"Key": "k2", "Value": "v2"}]
    assert error_of(lambda: sns.tag_resource(ResourceArn=topic, Tags=dup)) == invalid(
        "Invalid parameter: Duplicated keys are not allowed."
    )
    sns.tag_resource(ResourceArn=topic, Tags=dup[:2])
    tags = sorted(sns.list_tags_for_resource(ResourceArn=topic)["Tags"], key=lambda t: t["Key"])
    assert tags == dup[:2]
    sns.untag_resource(ResourceArn=topic, TagKeys=["k1"])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "k2", "Value": "v2b"}])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "k2", "Value": "v2b"}]


def test_create_topic_test_arn(sns, unique_name):
    # TestSNSTopicCrud::test_create_topic_test_arn
    name = unique_name()
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}"
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert sorted(attrs) == ["DisplayName", "EffectiveDeliveryPolicy", "Owner", "Policy",
                             "SubscriptionsConfirmed", "SubscriptionsDeleted",
                             "SubscriptionsPending", "TopicArn"]
    assert attrs["DisplayName"] == ""
    assert sns.delete_topic(TopicArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(lambda: sns.get_topic_attributes(TopicArn=arn)) == NOT_FOUND_TOPIC


def test_create_duplicate_topic_with_more_tags(sns, unique_name):
    # TestSNSTopicCrud::test_create_duplicate_topic_with_more_tags
    name = unique_name()
    sns.create_topic(Name=name)
    assert error_of(lambda: sns.create_topic(Name=name, Tags=[{"Key": "key1", "Value": "value1"}])) == invalid(
        "Invalid parameter: Tags Reason: Topic already exists with different tags"
    )


def test_create_duplicate_topic_check_idempotency(sns, unique_name):
    # TestSNSTopicCrud::test_create_duplicate_topic_check_idempotency
    name = unique_name()
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    arn = sns.create_topic(Name=name, Tags=tags)["TopicArn"]
    for again in (tags, [tags[0]], []):
        assert sns.create_topic(Name=name, Tags=again)["TopicArn"] == arn


def test_create_topic_after_delete_with_new_tags(sns, unique_name):
    # TestSNSTopicCrud::test_create_topic_after_delete_with_new_tags
    name = unique_name()
    arn = sns.create_topic(Name=name, Tags=[{"Key": "Name", "Value": "pqr"}])["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    assert sns.create_topic(Name=name, Tags=[{"Key": "Name", "Value": "abc"}])["TopicArn"] == arn


def test_topic_delivery_policy_crud(sns, unique_name):
    # TestSNSTopicCrud::test_topic_delivery_policy_crud: AWS fills in
    # disableSubscriptionOverrides and merges the policy into EffectiveDeliveryPolicy.
    arn = sns.create_topic(
        Name=unique_name(".fifo"),
        Attributes={
            "FifoTopic": "true",
            "DeliveryPolicy": json.dumps({"http": {"defaultRequestPolicy": {"headerContentType": "application/json"}}}),
        },
    )["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert json.loads(attrs["DeliveryPolicy"]) == {
        "http": {"disableSubscriptionOverrides": False,
                 "defaultRequestPolicy": {"headerContentType": "application/json"}}
    }
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultRequestPolicy"] == {"headerContentType": "application/json"}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue="")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert "DeliveryPolicy" not in attrs
    assert json.loads(attrs["EffectiveDeliveryPolicy"]) == EFFECTIVE_DELIVERY_POLICY


def test_delete_topic_idempotency(sns, topic):
    # TestSNSTopicCrud::test_delete_topic_idempotency and
    # TestSNSTopicCrudV2::test_delete_non_existent_topic
    assert sns.delete_topic(TopicArn=topic)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sns.delete_topic(TopicArn=topic)["ResponseMetadata"]["HTTPStatusCode"] == 200
    never = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:non-existent-abcdef"
    assert sns.delete_topic(TopicArn=never)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_create_topic_should_be_idempotent(sns, unique_name):
    # TestSNSTopicCrudV2::test_create_topic_should_be_idempotent
    name = unique_name()
    arn = sns.create_topic(Name=name)["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="AlreadySet")
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "AlreadySet"


@pytest.mark.parametrize("name", ["", "a" * 257] + [f"bad{c}name" for c in ":;!@|^% "])
def test_create_topic_name_constraints(sns_unchecked, name):
    # TestSNSTopicCrudV2::test_create_topic_name_constraints (name-too-short, name-too-long,
    # name-invalid-char-*); a 256-character name is valid (valid-name-max-length).
    assert error_of(lambda: sns_unchecked.create_topic(Name=name)) == invalid("Invalid parameter: Topic Name")


def test_create_topic_name_max_length(sns):
    # TestSNSTopicCrudV2::test_create_topic_name_constraints (valid-name-max-length)
    arn = sns.create_topic(Name="a" * 256)["TopicArn"]
    assert arn.endswith(":" + "a" * 256)
    sns.delete_topic(TopicArn=arn)


def test_topic_get_attributes_with_fifo_false(sns, unique_name):
    # TestSNSTopicCrudV2::test_topic_get_attributes_with_fifo_false
    arn = sns.create_topic(Name=unique_name(), Attributes={"FifoTopic": "false"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert "FifoTopic" not in attrs and "ContentBasedDeduplication" not in attrs
    assert error_of(
        lambda: sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false")
    ) == invalid("Invalid parameter: AttributeName")


def test_create_topic_in_multiple_regions(sns, sns_west, unique_name):
    # TestSNSTopicCrudV2::test_create_topic_in_multiple_regions
    name = unique_name()
    east = sns.create_topic(Name=name)["TopicArn"]
    west = sns_west.create_topic(Name=name)["TopicArn"]
    assert west == f"arn:aws:sns:{OTHER_REGION}:{ACCOUNT_ID}:{name}"
    east_list = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    west_list = [t["TopicArn"] for t in sns_west.list_topics()["Topics"]]
    assert east in east_list and west not in east_list
    assert west in west_list and east not in west_list
    west_attrs = sns_west.get_topic_attributes(TopicArn=west)["Attributes"]
    assert json.loads(west_attrs["Policy"])["Statement"][0]["Resource"] == west


# TestSNSPublishCrud


def test_publish_wrong_arn_format(sns):
    # TestSNSPublishCrud::test_publish_wrong_arn_format
    message = "Good news everyone!"
    for arn, n in (("randomstring", 1), ("randomstring:1", 2), ("", 1)):
        assert error_of(lambda: sns.publish(Message=message, TopicArn=arn)) == invalid(
            f"Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not {n}"
        )


def test_unknown_topic_publish(sns, topic):
    # TestSNSPublishCrud::test_unknown_topic_publish
    assert sns.publish(TopicArn=topic, Message="This is a test message")["MessageId"]
    assert error_of(lambda: sns.publish(TopicArn=f"{topic}-fake", Message="x")) == NOT_FOUND_TOPIC


def test_topic_publish_another_region(sns, sns_west, topic):
    # TestSNSPublishCrud::test_topic_publish_another_region
    assert sns.publish(TopicArn=topic, Message="This is a test message")["MessageId"]
    assert error_of(lambda: sns_west.publish(TopicArn=topic, Message="m")) == invalid(
        "Invalid parameter: TopicArn"
    )
    entries = [{"Id": "1", "Message": "m"}]
    assert error_of(lambda: sns_west.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == invalid(
        "Invalid parameter: TopicArn"
    )


def test_publish_non_existent_target(sns, topic):
    # TestSNSPublishCrud::test_publish_non_existent_target
    target = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:endpoint/APNS/abcdef/0f7d5971-aa8b-4bd5-b585-0826e9f93a66"
    assert error_of(lambda: sns.publish(TargetArn=target, Message="This is a push notification")) == invalid(
        "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"
    )


def test_publish_with_empty_subject(sns, topic):
    # TestSNSPublishCrud::test_publish_with_empty_subject
    message = json.dumps({"message": "test_publish"})
    assert sns.publish(TopicArn=topic, Message=message)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(lambda: sns.publish(TopicArn=topic, Subject="", Message=message)) == invalid(
        "Invalid parameter: Subject"
    )


def test_empty_sns_message(sns, sqs, topic, unique_name):
    # TestSNSPublishCrud::test_empty_sns_message
    url, _, _ = subscribe_queue(sns, sqs, topic, unique_name())
    assert error_of(lambda: sns.publish(Message="", TopicArn=topic)) == invalid("Invalid parameter: Empty message")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"] == {"ApproximateNumberOfMessages": "0"}


def test_publish_too_long_message(sns, topic):
    # TestSNSPublishCrud::test_publish_too_long_message
    too_long = invalid("Invalid parameter: Message too long")
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="This is a test message" * 12000)) == too_long
    attrs = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    counted = len("attr1") + len("Number") + len("1")
    body = (262144 - counted + 1) * "a"
    assert error_of(lambda: sns.publish(TopicArn=topic, Message=body, MessageAttributes=attrs)) == too_long
    assert sns.publish(TopicArn=topic, Message=body[:-1], MessageAttributes=attrs)["MessageId"]


def test_publish_batch_too_long_message(sns, topic):
    # TestSNSPublishCrud::test_publish_batch_too_long_message
    too_long = ("BatchRequestTooLong", 400, "The length of all the messages put together is more than the limit.")
    entries = [{"Id": "1", "Message": "a" * 131072}, {"Id": "2", "Message": "b" * 131073}]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == too_long
    attrs = {"attr1": {"DataType": "Number", "StringValue": "1"}}
    body = (262144 - len("attr1") - len("Number") - len("1")) * "a"
    entries = [{"Id": "1", "Message": body, "MessageAttributes": attrs}, {"Id": "2", "Message": "b"}]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == too_long
    entries[0]["Message"] = body[:-1]
    assert len(sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)["Successful"]) == 2


def test_message_structure_json_exc(sns, topic):
    # TestSNSPublishCrud::test_message_structure_json_exc
    def publish(message):
        return sns.publish(TopicArn=topic, Message=message, MessageStructure="json")

    no_default = invalid("Invalid parameter: Message Structure - No default entry in JSON message body")
    assert error_of(lambda: publish(json.dumps({"sqs": "Test message"}))) == no_default
    assert error_of(lambda: publish('{"default": "This is a default message"} }')) == invalid(
        "Invalid parameter: Message Structure - JSON message body failed to parse"
    )
    assert publish('{"default": "This is a default message", "default": "Duplicate"}')["MessageId"]
    assert error_of(lambda: publish(json.dumps({"default": {"object": "test"}}))) == no_default


# TestSNSSubscriptionCrud


def test_subscribe_with_invalid_protocol(sns, topic):
    # TestSNSSubscriptionCrud::test_subscribe_with_invalid_protocol
    assert error_of(
        lambda: sns.subscribe(TopicArn=topic, Protocol="test-protocol", Endpoint="localstack@yopmail.com")
    ) == invalid("Invalid parameter: Amazon SNS does not support this protocol string: test-protocol")


def test_unsubscribe_from_non_existing_subscription(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_unsubscribe_from_non_existing_subscription
    _, _, sub = subscribe_queue(sns, sqs, topic, unique_name())
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_create_subscriptions_with_attributes(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_create_subscriptions_with_attributes
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = queue_arn(sqs, url)

    def subscribe(raw):
        attributes = {"RawMessageDelivery": raw, "FilterPolicyScope": "MessageBody", "FilterPolicy": ""}
        return sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes,
                             ReturnSubscriptionArn=True)

    assert error_of(lambda: subscribe("wrongvalue")) == invalid(
        "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false."
    )
    sub = subscribe("TrUe")["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs == {
        "ConfirmationWasAuthenticated": "true",
        "Endpoint": arn,
        "Owner": ACCOUNT_ID,
        "PendingConfirmation": "false",
        "Protocol": "sqs",
        "RawMessageDelivery": "true",
        "SubscriptionArn": sub,
        "SubscriptionPrincipal": attrs["SubscriptionPrincipal"],
        "TopicArn": topic,
    }
    wrong = f"{sub[:-8]}abcdef12"
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=wrong)) == (
        "NotFound", 404, "Subscription does not exist",
    )


def test_not_found_error_on_set_subscription_attributes(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_not_found_error_on_set_subscription_attributes
    _, arn, sub = subscribe_queue(sns, sqs, topic, unique_name())
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == [{"Endpoint": arn, "Owner": ACCOUNT_ID, "Protocol": "sqs", "SubscriptionArn": sub,
                       "TopicArn": topic}]
    sns.unsubscribe(SubscriptionArn=sub)
    assert error_of(
        lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                                AttributeValue="true")
    ) == ("NotFound", 404, "Subscription does not exist")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_validate_set_sub_attributes(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_validate_set_sub_attributes
    _, _, sub = subscribe_queue(sns, sqs, topic, unique_name())

    def set_attr(name, value):
        return error_of(lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName=name,
                                                               AttributeValue=value))

    assert set_attr("FakeAttribute", "test-value") == invalid("Invalid parameter: AttributeName")
    assert set_attr("RawMessageDelivery", "test-ValUe") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false."
    )
    assert set_attr("RawMessageDelivery", "") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false."
    )
    assert set_attr("RedrivePolicy", json.dumps({"deadLetterTargetArn": "fake-arn"})) == invalid(
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"
    )
    # The recorded messages go on with the text of AWS's JSON parser; the test that
    # recorded them checks this prefix only.
    code, status, message = set_attr("RedrivePolicy", "{invalidjson}")
    assert (code, status) == ("InvalidParameter", 400)
    assert message.startswith("Invalid parameter: RedrivePolicy: failed to parse JSON.")
    code, status, message = set_attr("FilterPolicy", "{invalidjson}")
    assert (code, status) == ("InvalidParameter", 400)
    assert message.startswith("Invalid parameter: FilterPolicy: failed to parse JSON.")


@pytest.mark.xfail(reason="AWS's message quotes its Java JSON parser (Jackson) verbatim; Sluice "
                          "words the parse error itself after the same prefix", strict=True)
def test_validate_set_sub_attributes_parser_text(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_validate_set_sub_attributes (invalid-json-filter-policy)
    _, _, sub = subscribe_queue(sns, sqs, topic, unique_name())
    assert error_of(
        lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                                AttributeValue="{invalidjson}")
    ) == invalid(
        "Invalid parameter: FilterPolicy: failed to parse JSON. Unexpected character ('i' (code 105)): "
        "was expecting double-quote to start field name\n at [Source: REDACTED "
        "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]"
    )


def test_sns_confirm_subscription_wrong_token(sns, topic):
    # TestSNSSubscriptionCrud::test_sns_confirm_subscription_wrong_token
    wrong_topic = topic[:-1] + "i"
    assert error_of(lambda: sns.confirm_subscription(TopicArn=wrong_topic, Token=FOREIGN_TOKEN)) == invalid(
        "Invalid parameter: Token"
    )
    assert error_of(lambda: sns.confirm_subscription(TopicArn=topic, Token="randomtoken")) == invalid(
        "Invalid token"
    )
    assert error_of(lambda: sns.confirm_subscription(TopicArn=topic, Token=FOREIGN_TOKEN)) == invalid(
        "Invalid parameter: Token"
    )


def test_list_subscriptions_by_topic_pagination(sns, topic):
    # TestSNSSubscriptionCrud::test_list_subscriptions_by_topic_pagination
    for suffix in range(101):
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=f"+12312312{suffix}")
    first = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert len(first["Subscriptions"]) == 100 and base64.b64decode(first["NextToken"])
    second = sns.list_subscriptions_by_topic(TopicArn=topic, NextToken=first["NextToken"])
    assert "NextToken" not in second and len(second["Subscriptions"]) == 1
    only = second["Subscriptions"][0]
    assert only["Protocol"] == "sms" and only["Owner"] == ACCOUNT_ID and only["TopicArn"] == topic
    assert only["SubscriptionArn"] not in {s["SubscriptionArn"] for s in first["Subscriptions"]}


def test_subscribe_idempotency(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_subscribe_idempotency
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = queue_arn(sqs, url)

    def subscribe(attributes=None):
        kwargs = {} if attributes is None else {"Attributes": attributes}
        return sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True,
                             **kwargs)["SubscriptionArn"]

    sub = subscribe({"RawMessageDelivery": "True"})
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "true"
    assert subscribe({"RawMessageDelivery": "true"}) == sub
    assert subscribe({"RawMessageDelivery": "true", "FilterPolicyScope": "MessageAttributes"}) == sub
    assert subscribe() == sub
    assert subscribe({}) == sub
    assert subscribe({"FilterPolicyScope": "MessageAttributes"}) == sub
    assert error_of(lambda: subscribe({"RawMessageDelivery": "false", "FilterPolicyScope": "MessageBody"})) == invalid(
        "Invalid parameter: Attributes Reason: Subscription already exists with different attributes"
    )


def test_unsubscribe_idempotency(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrud::test_unsubscribe_idempotency
    _, _, sub = subscribe_queue(sns, sqs, topic, unique_name())
    for _ in range(2):
        assert sns.unsubscribe(SubscriptionArn=sub)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_unsubscribe_wrong_arn_format(sns_unchecked):
    # TestSNSSubscriptionCrud::test_unsubscribe_wrong_arn_format
    cases = [
        ("randomstring", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
        ("arn:aws:sns:us-east-1:random",
         "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5"),
        ("arn:aws:sns:us-east-1:111111111111:random", "Invalid parameter: SubscriptionId"),
    ]
    for arn, message in cases:
        assert error_of(lambda: sns_unchecked.unsubscribe(SubscriptionArn=arn)) == invalid(message)
    assert error_of(lambda: sns_unchecked.unsubscribe()) == invalid(
        "Invalid parameter: SubscriptionArn Reason: no value for required parameter"
    )


def test_subscribe_with_invalid_topic(sns, topic):
    # TestSNSSubscriptionCrud::test_subscribe_with_invalid_topic
    email = {"Protocol": "email", "Endpoint": "localstack@yopmail.com"}
    assert error_of(lambda: sns.subscribe(TopicArn="randomstring", **email)) == invalid(
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
    )
    assert error_of(lambda: sns.subscribe(TopicArn="arn:aws:sns:us-east-1:random", **email)) == invalid(
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5"
    )
    assert error_of(lambda: sns.subscribe(TopicArn=topic + "aaa", **email)) == NOT_FOUND_TOPIC


# TestSNSSubscriptionCrudV2


@pytest.mark.parametrize("number", ["+1234567890", "+12/34-567.890"])
def test_subscribe_sms(sns, topic, number):
    # TestSNSSubscriptionCrudV2::test_subscribe_sms and test_subscribe_sms_obscure_phone_number
    arn = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=number)["SubscriptionArn"]
    assert arn.startswith(topic + ":")


def test_subscribe_unknown_topic(sns):
    # TestSNSSubscriptionCrudV2::test_subscribe_unknown_topic
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:unknown-abcdef"
    assert error_of(lambda: sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+1234567890")) == NOT_FOUND_TOPIC


def test_subscribe_unknown_sqs_queue(sns, topic):
    # TestSNSSubscriptionCrudV2::test_subscribe_unknown_sqs_queue
    endpoint = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:unknown-abcdef"
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint)["SubscriptionArn"].startswith(topic)
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="unknown")) == invalid(
        "Invalid parameter: SQS endpoint ARN"
    )


def test_subscribe_sqs_queue_url(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrudV2::test_subscribe_sqs_queue_url and
    # TestSNSSubscriptionSQS::test_subscribe_to_sqs_with_queue_url
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=url)) == invalid(
        "Invalid parameter: SQS endpoint ARN"
    )


def test_double_subscription(sns, sqs, topic, unique_name):
    # TestSNSSubscriptionCrudV2::test_double_subscription
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = queue_arn(sqs, url)
    first = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"] == first


def test_subscribe_bad_sms(sns, topic):
    # TestSNSSubscriptionCrudV2::test_subscribe_bad_sms
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="invalid-number")) == invalid(
        "Invalid SMS endpoint: invalid-number"
    )


def test_creating_subscription(sns, topic):
    # TestSNSSubscriptionCrudV2::test_creating_subscription and
    # TestSNSSubscriptionHttp::test_http_subscription_response
    http = {"TopicArn": topic, "Protocol": "http", "Endpoint": "http://example.com/"}
    assert sns.subscribe(**http)["SubscriptionArn"] == "pending confirmation"
    assert sns.subscribe(**http, ReturnSubscriptionArn=True)["SubscriptionArn"].startswith(topic + ":")


def test_unsubscribe_from_deleted_topic(sns, topic):
    # TestSNSSubscriptionCrudV2::test_unsubscribe_from_deleted_topic: Subscribe answered
    # "pending confirmation", which is then given as the ARN.
    sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://example.com/")["SubscriptionArn"]
    sns.delete_topic(TopicArn=topic)
    assert error_of(lambda: sns.unsubscribe(SubscriptionArn=sub)) == invalid(
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"
    )


def test_delete_subscriptions_on_delete_topic(sns, topic):
    # TestSNSSubscriptionCrudV2::test_delete_subscriptions_on_delete_topic
    sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="test@example.com")["SubscriptionArn"]
    sns.delete_topic(TopicArn=topic)
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=sub)) == invalid(
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"
    )


def test_subscription_paging(sns, topic):
    # TestSNSSubscriptionCrudV2::test_subscription_paging: pending e-mail subscriptions
    # are listed as "PendingConfirmation".
    for i in range(120):
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=f"user{i}@example.com")
    first = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert "NextToken" in first
    second = sns.list_subscriptions_by_topic(TopicArn=topic, NextToken=first["NextToken"])
    listed = first["Subscriptions"] + second["Subscriptions"]
    assert len(listed) == 120
    assert {s["SubscriptionArn"] for s in listed} == {"PendingConfirmation"}
    assert {s["Protocol"] for s in listed} == {"email"}


def test_subscribe_invalid_filter_policy(sns, topic):
    # TestSNSSubscriptionCrudV2::test_subscribe_invalid_filter_policy (prefix; the rest of
    # the recorded text is AWS's JSON parser's)
    code, status, message = error_of(
        lambda: sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="test@example.com",
                              Attributes={"FilterPolicy": "invalid-json"})
    )
    assert (code, status) == ("InvalidParameter", 400)
    assert message.startswith("Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.")


def test_list_opted_out(sns):
    # TestSNSSubscriptionCrudV2::test_list_opted_out
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []


def test_get_subscription_attributes_error_not_exists(sns):
    # TestSNSSubscriptionCrudV2::test_get_subscription_attributes_error_not_exists
    arn = "arn:aws:sns:us-east-1:000000000000:nonexistent-abcdef"
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=arn)) == invalid(
        "Invalid parameter: SubscriptionId"
    )


# TestSNSSubscriptionSQS


def test_publish_batch_messages_without_topic(sns, topic):
    # TestSNSSubscriptionSQS::test_publish_batch_messages_without_topic
    entries = [{"Id": "1", "Message": "Test Message with two attributes", "Subject": "Subject"}]
    assert error_of(
        lambda: sns.publish_batch(TopicArn=topic + "fake-topic", PublishBatchRequestEntries=entries)
    ) == NOT_FOUND_TOPIC


def test_publish_batch_exceptions(sns, fifo_topic):
    # TestSNSSubscriptionSQS::test_publish_batch_exceptions (too-many-msg; the FIFO
    # publishing answers are covered with FIFO topics' publishing)
    too_many = [{"Id": f"Id_{i}", "Message": "Too many messages"} for i in range(11)]
    assert error_of(lambda: sns.publish_batch(TopicArn=fifo_topic, PublishBatchRequestEntries=too_many)) == (
        "TooManyEntriesInBatchRequest", 400, "The batch request contains more entries than permissible.",
    )


def test_publish_batch_exceptions_same_id(sns, fifo_topic):
    # TestSNSSubscriptionSQS::test_publish_batch_exceptions (same-msg-id)
    same = [{"Id": "1", "Message": "Messages with the same ID"} for _ in range(2)]
    assert error_of(lambda: sns.publish_batch(TopicArn=fifo_topic, PublishBatchRequestEntries=same)) == (
        "BatchEntryIdsNotDistinct", 400, "Two or more batch entries in the request have the same Id.",
    )


WRONG_ATTRIBUTES = {
    "missing_string_attr": ({"attr1": {"DataType": "String", "StringValue": ""}},
                            "The message attribute 'attr1' must contain non-empty message attribute value "
                            "for message attribute type 'String'."),
    "fully_missing_string_attr": ({"attr1": {"DataType": "String"}},
                                  "The message attribute 'attr1' must contain non-empty message attribute "
                                  "value for message attribute type 'String'."),
    "missing_binary_attr": ({"attr1": {"DataType": "Binary", "BinaryValue": b""}},
                            "The message attribute 'attr1' must contain non-empty message attribute value "
                            "for message attribute type 'Binary'."),
    "str_attr_binary_value": ({"attr1": {"DataType": "String", "BinaryValue": b"123"}},
                              "The message attribute 'attr1' with type 'String' must use field 'String'."),
    "int_attr_binary_value": ({"attr1": {"DataType": "Number", "BinaryValue": b"123"}},
                              "The message attribute 'attr1' with type 'Number' must use field 'String'."),
    "binary_attr_string_value": ({"attr1": {"DataType": "Binary", "StringValue": "123"}},
                                 "The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
    "invalid_attr_string_value": ({"attr1": {"DataType": "InvalidType", "StringValue": "123"}},
                                  "The message attribute 'attr1' has an invalid message attribute type, the "
                                  "set of supported type prefixes is Binary, Number, and String."),
    "too_long_name": ({"a" * 257: {"DataType": "String", "StringValue": "123"}},
                      "Length of message attribute name must be less than 256 bytes."),
    "invalid_name": ({"a^*?": {"DataType": "String", "StringValue": "123"}},
                     "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can "
                     "only include alphanumeric characters, hyphens, underscores, or dots."),
    "invalid_name_2": ({".abc": {"DataType": "String", "StringValue": "123"}},
                       "Invalid message attribute name starting with character '.' was found."),
    "invalid_name_3": ({"abc.": {"DataType": "String", "StringValue": "123"}},
                       "Invalid message attribute name ending with character '.' was found."),
    "invalid_name_4": ({"a..bc": {"DataType": "String", "StringValue": "123"}},
                       "Message attribute name can not have successive '.' character."),
}


@pytest.mark.parametrize("case", sorted(WRONG_ATTRIBUTES))
def test_empty_or_wrong_message_attributes(sns_unchecked, topic, case):
    # TestSNSSubscriptionSQS::test_empty_or_wrong_message_attributes (<case> and batch-<case>)
    attributes, message = WRONG_ATTRIBUTES[case]
    expected = ("ParameterValueInvalid", 400, message)
    assert error_of(
        lambda: sns_unchecked.publish(TopicArn=topic, Message="test message", MessageAttributes=attributes)
    ) == expected
    entries = [{"Id": "1", "Message": "test-batch", "MessageAttributes": attributes},
               {"Id": "3", "Message": "valid-batch"}]
    assert error_of(lambda: sns_unchecked.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == expected


def test_empty_or_wrong_message_attributes_missing_data_type(sns_unchecked, topic):
    # TestSNSSubscriptionSQS::test_empty_or_wrong_message_attributes (fully_missing_data_type,
    # batch-fully_missing_data_type)
    attributes = {"attr1": {"StringValue": "value"}}
    assert error_of(
        lambda: sns_unchecked.publish(TopicArn=topic, Message="test message", MessageAttributes=attributes)
    ) == ("ValidationError", 400, "1 validation error detected: Value null at "
          "'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null")
    entries = [{"Id": "1", "Message": "test-batch", "MessageAttributes": attributes},
               {"Id": "3", "Message": "valid-batch"}]
    assert error_of(lambda: sns_unchecked.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == (
        "ValidationError", 400, "1 validation error detected: Value null at "
        "'publishBatchRequestEntries.1.member.messageAttributes.attr1.member.dataType' failed to satisfy "
        "constraint: Member must not be null")


def test_message_attributes_prefixes(sns, topic):
    # TestSNSSubscriptionSQS::test_message_attributes_prefixes
    def publish(data_type):
        return sns.publish(TopicArn=topic, Message="test message",
                           MessageAttributes={"attr1": {"DataType": data_type, "StringValue": "prefixed-1"}})

    bad = ("ParameterValueInvalid", 400, "The message attribute 'attr1' has an invalid message attribute type, "
           "the set of supported type prefixes is Binary, Number, and String.")
    assert error_of(lambda: publish("String.")) == bad
    assert error_of(lambda: publish("Stringprefixed")) == bad
    assert publish("String.prefixed")["MessageId"]
    assert publish("String.  prefixed.")["MessageId"]


# TestSNSSubscriptionSQSFifo


def test_validations_for_fifo(sns, sqs, topic, fifo_topic, unique_name):
    # TestSNSSubscriptionSQSFifo::test_validations_for_fifo (not-fifo-topic, not-fifo-queue,
    # regular-queue-for-dlq-of-fifo-topic, no-msg-dedup-regular-topic; the two FIFO
    # publishing answers are covered with FIFO topics' publishing)
    fifo_url = sqs.create_queue(QueueName=unique_name(".fifo"), Attributes={"FifoQueue": "true"})["QueueUrl"]
    fifo_arn = queue_arn(sqs, fifo_url)
    plain_url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    plain_arn = queue_arn(sqs, plain_url)
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_arn)) == invalid(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to "
        "standard SNS topics"
    )
    plain_sub = sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=plain_arn,
                              ReturnSubscriptionArn=True)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=plain_sub)["Attributes"]
    assert attrs["PendingConfirmation"] == "false" and attrs["RawMessageDelivery"] == "false"
    dlq_url = sqs.create_queue(QueueName=unique_name("-dlq"))["QueueUrl"]
    sns.set_subscription_attributes(SubscriptionArn=plain_sub, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": queue_arn(sqs, dlq_url)}))
    fifo_sub = sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=fifo_arn,
                             ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert error_of(
        lambda: sns.set_subscription_attributes(SubscriptionArn=fifo_sub, AttributeName="RedrivePolicy",
                                                AttributeValue=json.dumps({"deadLetterTargetArn": plain_arn}))
    ) == invalid("Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a "
                 "FIFO Topic.")


def test_validations_for_fifo_deduplication_id_on_standard_topic(sns, topic):
    # TestSNSSubscriptionSQSFifo::test_validations_for_fifo (no-msg-dedup-regular-topic)
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="test", MessageDeduplicationId="abcdef")) == invalid(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
        "that is not valid for this topic type"
    )


# TestSNSSMS


def test_publish_wrong_phone_format(sns, topic):
    # TestSNSSMS::test_publish_wrong_phone_format
    for number in ("+1a234", "NAA+15551234567"):
        assert error_of(lambda: sns.publish(Message="msg", PhoneNumber=number)) == invalid(
            f"Invalid parameter: PhoneNumber Reason: {number} is not valid to publish to"
        )
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="NAA+15551234567")) == invalid(
        "Invalid SMS endpoint: NAA+15551234567"
    )


def test_subscribe_sms_endpoint(sns, topic):
    # TestSNSSMS::test_subscribe_sms_endpoint
    sub = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+123123123",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert {k: v for k, v in attrs.items() if k != "SubscriptionPrincipal"} == {
        "ConfirmationWasAuthenticated": "true",
        "Endpoint": "+123123123",
        "Owner": ACCOUNT_ID,
        "PendingConfirmation": "false",
        "Protocol": "sms",
        "RawMessageDelivery": "false",
        "SubscriptionArn": sub,
        "TopicArn": topic,
    }


# TestSNSMultiRegions


def test_cross_region_access(sns, sns_west, topic):
    # TestSNSMultiRegions::test_cross_region_access
    calls = {
        "set-topic-attrs": lambda: sns_west.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName",
                                                                 AttributeValue="xenon"),
        "get-topic-attrs": lambda: sns_west.get_topic_attributes(TopicArn=topic),
        "cross-region-publish-forbidden": lambda: sns_west.publish(TopicArn=topic, Message="hello world"),
        "cross-region-subscribe": lambda: sns_west.subscribe(TopicArn=topic, Protocol="email",
                                                             Endpoint="devil@hell.com"),
        "list-subs": lambda: sns_west.list_subscriptions_by_topic(TopicArn=topic),
        "delete-topic": lambda: sns_west.delete_topic(TopicArn=topic),
    }
    for key, call in calls.items():
        assert error_of(call) == invalid("Invalid parameter: TopicArn"), key
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == ""


def test_cross_region_delivery_sqs(sns, sns_west, topic):
    # TestSNSMultiRegions::test_cross_region_delivery_sqs (subscribe-cross-region,
    # subscribe-same-region)
    queue = f"arn:aws:sqs:{OTHER_REGION}:{ACCOUNT_ID}:queue-abcdef"
    assert error_of(lambda: sns_west.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)) == invalid(
        "Invalid parameter: TopicArn"
    )
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"].startswith(topic + ":")


# TestSNSFilterPolicyConditions / TestSNSFilterPolicyCrud (tests/aws/services/sns/test_sns_filter_policy.snapshot.json):
# each recorded filter policy error whose message quotes the policy it refused.
FILTER_POLICY_ERRORS = [
    ('TestSNSFilterPolicyConditions::test_validate_policy/recorded-content/error-condition-list',
     '{"key":[["value"]]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Match value must be String, number, true, false, or null\n at [Source: (String)"{"key":[["value"]]}"; line: 1, column: 10]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy/recorded-content/error-condition-operator',
     '{"key":[{"wrong-operator":true}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wrong-operator\n at [Source: (String)"{"key":[{"wrong-operator":true}]}"; line: 1, column: 31]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy/recorded-content/error-condition-two-operators',
     '{"key":[{"suffix":"value","prefix":"value2"}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Only one key allowed in match expression\n at [Source: (String)"{"key":[{"suffix":"value","prefix":"value2"}]}"; line: 1, column: 37]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-is-numeric',
     '{"key":[{"suffix":100}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: suffix match pattern must be a string\n at [Source: (String)"{"key":[{"suffix":100}]}"; line: 1, column: 22]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-is-none',
     '{"key":[{"suffix":null}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: suffix match pattern must be a string\n at [Source: (String)"{"key":[{"suffix":null}]}"; line: 1, column: 23]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-is-not-list-and-operator',
     '{"key":{"suffix":"value"}}',
     'Invalid parameter: Attributes Reason: FilterPolicy: "suffix" must be an object or an array\n at [Source: (String)"{"key":{"suffix":"value"}}"; line: 1, column: 19]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-empty-list',
     '{"key":[{"suffix":[]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: suffix match pattern must be a string\n at [Source: (String)"{"key":[{"suffix":[]}]}"; line: 1, column: 20]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-list-wrong-type',
     '{"key":[{"suffix":["test","test2"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: suffix match pattern must be a string\n at [Source: (String)"{"key":[{"suffix":["test","test2"]}]}"; line: 1, column: 20]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-is-not-list-two-ops',
     '{"key":{"suffix":"value","prefix":"value"}}',
     'Invalid parameter: Attributes Reason: FilterPolicy: "suffix" must be an object or an array\n at [Source: (String)"{"key":{"suffix":"value","prefix":"value"}}"; line: 1, column: 19]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_string_operators/recorded-content/error-condition-is-not-list-and-no-operator',
     '{"key":{"not-an-operator":"value"}}',
     'Invalid parameter: Attributes Reason: FilterPolicy: "not-an-operator" must be an object or an array\n at [Source: (String)"{"key":{"not-an-operator":"value"}}"; line: 1, column: 28]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-empty',
     '{"key":[{"numeric":[]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Invalid member in numeric match: ]\n at [Source: (String)"{"key":[{"numeric":[]}]}"; line: 1, column: 22]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-operator',
     '{"key":[{"numeric":["operator"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized numeric range operator: operator\n at [Source: (String)"{"key":[{"numeric":["operator"]}]}"; line: 1, column: 32]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-operator-order',
     '{"key":[{"numeric":[1,"<="]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Invalid member in numeric match: 1\n at [Source: (String)"{"key":[{"numeric":[1,"<="]}]}"; line: 1, column: 22]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-type',
     '{"key":[{"numeric":["=","000"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Value of equals must be numeric\n at [Source: (String)"{"key":[{"numeric":["=","000"]}]}"; line: 1, column: 26]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-missing-value',
     '{"key":[{"numeric":[">="]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Value of >= must be numeric\n at [Source: (String)"{"key":[{"numeric":[">="]}]}"; line: 1, column: 26]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-range-order',
     '{"key":[{"numeric":["<",100,">",10]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Too many elements in numeric expression\n at [Source: (String)"{"key":[{"numeric":["<",100,">",10]}]}"; line: 1, column: 30]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-range-operators',
     '{"key":[{"numeric":[">=",1,">",2]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Bad numeric range operator: >\n at [Source: (String)"{"key":[{"numeric":[">=",1,">",2]}]}"; line: 1, column: 31]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-value-order',
     '{"key":[{"numeric":[">",3,"<",1]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Bottom must be less than top\n at [Source: (String)"{"key":[{"numeric":[">",3,"<",1]}]}"; line: 1, column: 33]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-missing-range-value',
     '{"key":[{"numeric":[">",20,"<="]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Value of <= must be numeric\n at [Source: (String)"{"key":[{"numeric":[">",20,"<="]}]}"; line: 1, column: 33]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-missing-range-operator',
     '{"key":[{"numeric":[">",20,30]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Bad value in numeric range: 30\n at [Source: (String)"{"key":[{"numeric":[">",20,30]}]}"; line: 1, column: 30]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-second-range-operator',
     '{"key":[{"numeric":[">",20,"test"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Bad numeric range operator: test\n at [Source: (String)"{"key":[{"numeric":[">",20,"test"]}]}"; line: 1, column: 34]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-range-value-1-type',
     '{"key":[{"numeric":[">","20","<","30"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Value of > must be numeric\n at [Source: (String)"{"key":[{"numeric":[">","20","<","30"]}]}"; line: 1, column: 26]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-wrong-range-value-2-type',
     '{"key":[{"numeric":[">",20,"<","30"]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Value of < must be numeric\n at [Source: (String)"{"key":[{"numeric":[">",20,"<","30"]}]}"; line: 1, column: 33]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator/recorded-content/error-numeric-too-many-range',
     '{"key":[{"numeric":[">",20,"<",30,"<",50]}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Too many terms in numeric range expression\n at [Source: (String)"{"key":[{"numeric":[">",20,"<",30,"<",50]}]}"; line: 1, column: 36]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_exists_operator/recorded-content/error-condition-none',
     '{"key":[{"exists":null}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: exists match pattern must be either true or false.\n at [Source: (String)"{"key":[{"exists":null}]}"; line: 1, column: 23]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_exists_operator/recorded-content/error-condition-string',
     '{"key":[{"exists":"no"}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: exists match pattern must be either true or false.\n at [Source: (String)"{"key":[{"exists":"no"}]}"; line: 1, column: 20]'),
    ('TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property_constraints/recorded-content/sub-filter-policy-rule-no-list',
     '{"key_a":"value_one"}',
     'Invalid parameter: FilterPolicy: "key_a" must be an object or an array\n at [Source: (String)"{"key_a":"value_one"}"; line: 1, column: 11]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator/recorded-content/error-condition-wrong-operator',
     '{"key":[{"anything-but":{"wrong-operator":null}}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Unsupported anything-but pattern: wrong-operator\n at [Source: (String)"{"key":[{"anything-but":{"wrong-operator":null}}]}"; line: 1, column: 47]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator/recorded-content/error-condition-anything-but-suffix',
     '{"key":[{"anything-but":{"suffix":"test"}}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Unsupported anything-but pattern: suffix\n at [Source: (String)"{"key":[{"anything-but":{"suffix":"test"}}]}"; line: 1, column: 36]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator/recorded-content/error-condition-anything-but-exists',
     '{"key":[{"anything-but":{"exists":false}}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: Unsupported anything-but pattern: exists\n at [Source: (String)"{"key":[{"anything-but":{"exists":false}}]}"; line: 1, column: 40]'),
    ('TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator/recorded-content/error-condition-anything-but-prefix-wrong-type',
     '{"key":[{"anything-but":{"prefix":false}}]}',
     'Invalid parameter: Attributes Reason: FilterPolicy: prefix match pattern must be a string\n at [Source: (String)"{"key":[{"anything-but":{"prefix":false}}]}"; line: 1, column: 40]'),
]


def _split_location(message):
    """AWS's message and the location its JSON parser appends ("\n at [Source: ...]")."""
    head, _, tail = message.partition("\n at [Source: ")
    return head, tail


@pytest.mark.parametrize("key,policy,recorded", FILTER_POLICY_ERRORS, ids=[c[0].rsplit("/", 1)[1] for c in FILTER_POLICY_ERRORS])
def test_filter_policy_errors(sns, sqs, topic, unique_name, key, policy, recorded):
    # test_sns_filter_policy.py::<key>: Subscribe for "Attributes Reason:" answers,
    # SetSubscriptionAttributes for the others. The text AWS's JSON parser appends (the
    # policy and a column) is checked separately below.
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = queue_arn(sqs, url)
    if recorded.startswith("Invalid parameter: Attributes Reason:"):
        call = lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                                     Attributes={"FilterPolicy": policy})
    else:
        sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        call = lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                                       AttributeValue=policy)
    code, status, message = error_of(call)
    assert (code, status) == ("InvalidParameter", 400)
    assert _split_location(message)[0] == _split_location(recorded)[0]


@pytest.mark.xfail(reason="AWS appends its Java JSON parser's location (`at [Source: (String)\"...\"; line: "
                          "1, column: N]`); Sluice's parser is not Jackson and does not reproduce it",
                   strict=True)
def test_filter_policy_errors_parser_location(sns, sqs, topic, unique_name):
    # TestSNSFilterPolicyConditions::test_validate_policy (error-condition-list)
    _, policy, recorded = FILTER_POLICY_ERRORS[0]
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(sqs, url),
                                          Attributes={"FilterPolicy": policy})) == invalid(recorded)


def test_filter_policy_complexity(sns, sqs, topic, unique_name):
    # TestSNSFilterPolicyConditions::test_policy_complexity (error-complexity-too-many-fields)
    # and TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property_constraints
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = queue_arn(sqs, url)
    six_keys = json.dumps({f"key{i}": ["value"] for i in range(6)})
    assert error_of(lambda: sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                                          Attributes={"FilterPolicy": six_keys})) == invalid(
        "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys"
    )
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert error_of(lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                                            AttributeValue=six_keys)) == invalid(
        "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"
    )
    assert error_of(lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                                            AttributeValue="RandomValue")) == invalid(
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or "
        "MessageAttributes"
    )
