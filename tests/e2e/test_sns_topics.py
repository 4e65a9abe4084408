"""SNS topics and subscriptions with real boto3 `sns` clients (AWS Query/XML in both
environments): topic life cycle and attributes, subscriptions of every confirmation
kind, tags, AWS's errors with their codes and statuses, access decisions with
configured identities, and the answers of the features Sluice lacks."""

import json

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import ACCOUNT_ID, REGION, SluiceProcess
from test_wire import query

RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def sns_client(endpoint, key="AKIDTEST", secret="secret", region=REGION):
    return boto3.client(
        "sns",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=RETRIES,
    )


@pytest.fixture(scope="module")
def sns(server):
    return sns_client(server)


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"].get("Message", "")


def queue_arn(name, account=ACCOUNT_ID):
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def test_topic_life_cycle_and_default_attributes(sns, unique_name):
    name = unique_name()
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}"
    # Creating it again is the same topic.
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert set(attrs) == {
        "DisplayName", "EffectiveDeliveryPolicy", "Owner", "Policy", "SubscriptionsConfirmed",
        "SubscriptionsDeleted", "SubscriptionsPending", "TopicArn",
    }
    assert (attrs["TopicArn"], attrs["Owner"], attrs["DisplayName"]) == (arn, ACCOUNT_ID, "")
    policy = json.loads(attrs["Policy"])
    assert policy["Id"] == "__default_policy_ID"
    statement = policy["Statement"][0]
    assert statement["Resource"] == arn
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT_ID}}
    assert "SNS:Publish" in statement["Action"]
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    listed = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
    assert arn in listed

    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="News")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["DisplayName"], attrs["SignatureVersion"]) == ("News", "2")

    sns.delete_topic(TopicArn=arn)
    assert error_of(lambda: sns.get_topic_attributes(TopicArn=arn)) == (
        "NotFound", 404, "Topic does not exist",
    )
    assert arn not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def test_create_topic_is_idempotent_only_while_attributes_agree(sns, unique_name):
    name = unique_name()
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "a"}, Tags=[{"Key": "k", "Value": "v"}])[
        "TopicArn"
    ]
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "a"})["TopicArn"] == arn
    assert error_of(lambda: sns.create_topic(Name=name, Attributes={"DisplayName": "b"})) == (
        "InvalidParameter", 400,
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
    )
    assert error_of(lambda: sns.create_topic(Name=name, Tags=[{"Key": "k", "Value": "other"}])) == (
        "InvalidParameter", 400, "Invalid parameter: Tags Reason: Topic already exists with different tags",
    )


def test_fifo_topics_and_topic_name_rules(sns, unique_name):
    name = unique_name(".fifo")
    arn = sns.create_topic(
        Name=name, Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["FifoTopic"], attrs["ContentBasedDeduplication"]) == ("true", "true")
    assert error_of(lambda: sns.create_topic(Name="bad name")) == (
        "InvalidParameter", 400, "Invalid parameter: Topic Name",
    )
    assert error_of(lambda: sns.create_topic(Name=unique_name(".fifo")))[2] == "Invalid parameter: Topic Name"
    code, status, message = error_of(
        lambda: sns.create_topic(Name=unique_name(), Attributes={"FifoTopic": "true"})
    )
    assert (code, status) == ("InvalidParameter", 400)
    assert message.startswith("Fifo Topic names must end with .fifo")
    assert error_of(lambda: sns.create_topic(Name="x" * 257))[0] == "InvalidParameter"


def test_bad_topic_arns_and_attributes(sns, unique_name):
    assert error_of(lambda: sns.get_topic_attributes(TopicArn="nope")) == (
        "InvalidParameter", 400,
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
    )
    arn = sns.create_topic(Name=unique_name())["TopicArn"]
    assert error_of(
        lambda: sns.set_topic_attributes(TopicArn=arn, AttributeName="Owner", AttributeValue="x")
    ) == ("InvalidParameter", 400, "Invalid parameter: AttributeName")
    assert error_of(
        lambda: sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="9")
    )[0] == "InvalidParameter"


def test_list_topics_pages_by_a_hundred(server, unique_name):
    # A region of its own, so other tests' topics do not count.
    sns = sns_client(server, region="ap-southeast-2")
    arns = {sns.create_topic(Name=f"{unique_name()}-{i}")["TopicArn"] for i in range(101)}
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    listed = [t["TopicArn"] for t in first["Topics"] + second["Topics"]]
    assert set(listed) == arns and len(listed) == 101


def test_sqs_subscription_is_confirmed_at_once(sns, sqs, make_queue, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    _, qarn = make_queue()
    sub = sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=qarn,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"kind": ["a"]})},
    )["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    # Subscribing the same endpoint again is the same subscription.
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"] == sub
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"
    assert attrs["ConfirmationWasAuthenticated"] == "true"
    assert (attrs["Protocol"], attrs["Endpoint"], attrs["TopicArn"]) == ("sqs", qarn, topic)
    assert (attrs["RawMessageDelivery"], attrs["FilterPolicyScope"]) == ("true", "MessageAttributes")
    assert json.loads(attrs["FilterPolicy"]) == {"kind": ["a"]}
    assert attrs["Owner"] == ACCOUNT_ID
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == [
        {"SubscriptionArn": sub, "Owner": ACCOUNT_ID, "Protocol": "sqs", "Endpoint": qarn, "TopicArn": topic}
    ]
    pages = sns.get_paginator("list_subscriptions").paginate()
    assert sub in [s["SubscriptionArn"] for page in pages for s in page["Subscriptions"]]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"

    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="false")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "false" and "FilterPolicy" not in attrs

    sns.unsubscribe(SubscriptionArn=sub)
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=sub)) == (
        "NotFound", 404, "Subscription does not exist",
    )
    # Unsubscribing again is not an error.
    sns.unsubscribe(SubscriptionArn=sub)
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attrs["SubscriptionsConfirmed"], attrs["SubscriptionsDeleted"]) == ("0", "1")


def test_http_and_email_subscriptions_wait_for_confirmation(sns, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/hook")
    assert answer["SubscriptionArn"] == "pending confirmation"
    arn = sns.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="dev@example.com", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "true"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation", "PendingConfirmation"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "2"
    assert error_of(lambda: sns.confirm_subscription(TopicArn=topic, Token="0" * 64)) == (
        "InvalidParameter", 400, "Invalid parameter: Token",
    )


def test_subscribe_checks_protocols_endpoints_and_attributes(sns, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    cases = [
        ({"Protocol": "test-protocol", "Endpoint": "x"},
         "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol"),
        ({"Protocol": "sqs", "Endpoint": "http://localhost/000000000000/q"}, "Invalid parameter: SQS endpoint ARN"),
        ({"Protocol": "sqs", "Endpoint": queue_arn("q.fifo")},
         "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"),
        ({"Protocol": "https", "Endpoint": "http://x"}, "Invalid parameter: Endpoint must match the specified protocol"),
        ({"Protocol": "sqs", "Endpoint": queue_arn("q"), "Attributes": {"RawMessageDelivery": "wrongvalue"}},
         "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false."),
    ]
    for args, message in cases:
        assert error_of(lambda: sns.subscribe(TopicArn=topic, **args)) == ("InvalidParameter", 400, message), args
    missing = topic + "-missing"
    assert error_of(lambda: sns.subscribe(TopicArn=missing, Protocol="sqs", Endpoint=queue_arn("q")))[:2] == (
        "NotFound", 404,
    )
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("q"))["SubscriptionArn"]
    assert error_of(
        lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="Fake", AttributeValue="x")
    ) == ("InvalidParameter", 400, "Invalid parameter: AttributeName")
    assert error_of(
        lambda: sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="RedrivePolicy",
            AttributeValue=json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000"}),
        )
    ) == ("InvalidParameter", 400, "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn")
    code, _, message = error_of(
        lambda: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="{bad")
    )
    assert code == "InvalidParameter" and message.startswith("Invalid parameter: FilterPolicy:")


def test_deleting_a_topic_removes_its_subscriptions(sns, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("gone"))["SubscriptionArn"]
    sns.delete_topic(TopicArn=topic)
    assert error_of(lambda: sns.get_subscription_attributes(SubscriptionArn=sub))[0] == "NotFound"
    assert sub not in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]


def test_tags(sns, unique_name):
    arn = sns.create_topic(Name=unique_name(), Tags=[{"Key": "k1", "Value": "v1"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"},
    ]
    sns.untag_resource(ResourceArn=arn, TagKeys=["k1"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    assert error_of(
        lambda: sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}])
    ) == ("InvalidParameter", 400, "Invalid parameter: Duplicated keys are not allowed.")
    assert error_of(lambda: sns.list_tags_for_resource(ResourceArn=arn + "-missing"))[:2] == (
        "ResourceNotFound", 404,
    )


def test_add_and_remove_permission_edit_the_topic_policy(sns, unique_name):
    arn = sns.create_topic(Name=unique_name())["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111111111111"], ActionName=["Publish"])
    sns.add_permission(
        TopicArn=arn, Label="two", AWSAccountId=["111111111111", "222222222222"],
        ActionName=["Publish", "Subscribe"],
    )
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID", "pub", "two"]
    assert statements[1] == {
        "Sid": "pub", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "SNS:Publish", "Resource": arn,
    }
    assert statements[2]["Principal"] == {
        "AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]
    }
    assert statements[2]["Action"] == ["SNS:Publish", "SNS:Subscribe"]

    def add(label="x", accounts=("111111111111",), actions=("Publish",), topic=arn):
        return sns.add_permission(TopicArn=topic, Label=label, AWSAccountId=list(accounts),
                                  ActionName=list(actions))

    assert error_of(lambda: add(label="pub")) == (
        "InvalidParameter", 400, "Invalid parameter: Statement already exists",
    )
    assert error_of(lambda: add(actions=["CreateTopic"])) == (
        "InvalidParameter", 400, "Invalid parameter: Policy statement action out of service scope!",
    )
    assert error_of(lambda: add(accounts=["12"]))[:2] == ("InvalidParameter", 400)
    assert error_of(lambda: add(topic=arn + "-gone")) == ("NotFound", 404, "Topic does not exist")

    sns.remove_permission(TopicArn=arn, Label="pub")
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID", "two"]
    assert error_of(lambda: sns.remove_permission(TopicArn=arn, Label="pub"))[:2] == ("InvalidParameter", 400)
    assert error_of(lambda: sns.remove_permission(TopicArn=arn + "-gone", Label="two"))[:2] == ("NotFound", 404)


def test_add_permission_reaches_the_service_its_request_names(server, sns, sqs, queue, unique_name):
    """SQS and SNS both have AddPermission and RemovePermission: the request's Version (or
    its credential scope, or JSON target) decides which one acts."""
    arn = sns.create_topic(Name=unique_name())["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="sns-one", AWSAccountId=["111111111111"], ActionName=["Publish"])
    sqs.add_permission(QueueUrl=queue, Label="sqs-one", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    queue_policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert [s["Sid"] for s in queue_policy["Statement"]] == ["sqs-one"]
    topic_policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    assert [s["Sid"] for s in topic_policy["Statement"]] == ["__default_statement_ID", "sns-one"]
    # Unsigned Query requests: the Version names the service.
    status, _, body = query(
        server, Action="AddPermission", Version="2010-03-31", TopicArn=arn, Label="raw",
        **{"AWSAccountId.member.1": "111111111111", "ActionName.member.1": "Subscribe"},
    )
    assert status == 200 and b"<AddPermissionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">" in body
    status, _, body = query(server, Action="RemovePermission", Version="2010-03-31", TopicArn=arn, Label="raw")
    assert status == 200 and b"RemovePermissionResponse" in body
    status, _, body = query(
        server, Action="AddPermission", Version="2012-11-05", QueueUrl=queue, Label="raw-sqs",
        **{"AWSAccountId.1": "111111111111", "ActionName.1": "ReceiveMessage"},
    )
    assert status == 200 and b"queue.amazonaws.com" in body
    sqs.remove_permission(QueueUrl=queue, Label="raw-sqs")
    sns.remove_permission(TopicArn=arn, Label="sns-one")


def test_features_sluice_lacks_answer_as_an_account_without_them(sns, unique_name):
    """Mobile push, SMS and data protection: reads and lists answer what an account that
    never used them holds; creating or changing anything is refused by name."""
    arn = sns.create_topic(Name=unique_name())["TopicArn"]
    assert sns.list_platform_applications()["PlatformApplications"] == []
    assert sns.get_sms_attributes()["attributes"] == {}
    assert sns.get_sms_attributes(attributes=["DefaultSMSType"])["attributes"] == {}
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    assert sns.list_origination_numbers()["PhoneNumbers"] == []
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == []
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == ""
    app = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:app/GCM/{unique_name()}"
    endpoint = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:endpoint/GCM/{unique_name()}/0f7d5971-aa8b-4bd5-b585-0826e9f93a66"
    not_found = [
        lambda: sns.get_platform_application_attributes(PlatformApplicationArn=app),
        lambda: sns.set_platform_application_attributes(PlatformApplicationArn=app, Attributes={"k": "v"}),
        lambda: sns.list_endpoints_by_platform_application(PlatformApplicationArn=app),
        lambda: sns.get_endpoint_attributes(EndpointArn=endpoint),
        lambda: sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "true"}),
    ]
    for call in not_found:
        code, status, message = error_of(call)
        assert (code, status) == ("NotFound", 404) and message.endswith("does not exist")
    # Deleting what does not exist succeeds, as on AWS.
    sns.delete_platform_application(PlatformApplicationArn=app)
    sns.delete_endpoint(EndpointArn=endpoint)
    refused = [
        lambda: sns.create_platform_application(Name="app", Platform="GCM", Attributes={"PlatformCredential": "k"}),
        lambda: sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-token"),
        lambda: sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"}),
        lambda: sns.opt_in_phone_number(phoneNumber="+15555550100"),
        lambda: sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550100"),
        lambda: sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550100", OneTimePassword="123456"),
        lambda: sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy="{}"),
        lambda: sns.create_topic(Name=unique_name(), DataProtectionPolicy="{}"),
    ]
    for call in refused:
        code, status, message = error_of(call)
        assert (code, status) == ("InvalidParameter", 400), message
        assert "Sluice does not support" in message, message
    assert error_of(lambda: sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550100"))[:2] == (
        "ResourceNotFound", 404,
    )
    assert error_of(lambda: sns.check_if_phone_number_is_opted_out(phoneNumber="invalid-number")) == (
        "InvalidParameter", 400, "Invalid parameter: phoneNumber Reason: input incorrectly formatted",
    )
    assert error_of(lambda: sns.get_endpoint_attributes(EndpointArn=arn)) == (
        "InvalidParameter", 400, "Invalid parameter: EndpointArn Reason: Wrong ARN format",
    )
    assert error_of(lambda: sns.get_data_protection_policy(ResourceArn=arn + "-gone"))[:2] == ("NotFound", 404)


OWNER = ("AKIASNSOWNER0000001", "owner-secret", "arn:aws:iam::111111111111:user/owner")
READER = ("AKIASNSREADER000001", "reader-secret", "arn:aws:iam::111111111111:user/reader")
ALL_SNS = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]})
READ_ONLY = json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": ["sns:ListTopics", "sns:GetTopicAttributes"], "Resource": "*"}]}
)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    config = tmp_path_factory.mktemp("sns") / "sluice.toml"
    config.write_text(
        f"""
[[identities]]
access_key_id = "{OWNER[0]}"
secret_access_key = "{OWNER[1]}"
account_id = "111111111111"
principal_arn = "{OWNER[2]}"
policies = ['{ALL_SNS}']

[[identities]]
access_key_id = "{READER[0]}"
secret_access_key = "{READER[1]}"
account_id = "111111111111"
principal_arn = "{READER[2]}"
policies = ['{READ_ONLY}']
"""
    )
    process = SluiceProcess("--in-memory", "--config", str(config))
    yield process
    process.close()


def test_identity_policies_decide_topic_actions(secured, unique_name):
    owner = sns_client(secured.endpoint, OWNER[0], OWNER[1])
    reader = sns_client(secured.endpoint, READER[0], READER[1])
    arn = owner.create_topic(Name=unique_name())["TopicArn"]
    assert arn.startswith("arn:aws:sns:us-east-1:111111111111:")
    assert reader.get_topic_attributes(TopicArn=arn)["Attributes"]["TopicArn"] == arn
    code, status, message = error_of(lambda: reader.delete_topic(TopicArn=arn))
    assert (code, status) == ("AuthorizationError", 403)
    assert message.startswith(f"User: {READER[2]} is not authorized to perform: sns:deletetopic")
    assert error_of(lambda: reader.create_topic(Name=unique_name()))[0] == "AuthorizationError"
    assert error_of(lambda: sns_client(secured.endpoint, OWNER[0], "wrong").list_topics())[1] == 403
    owner.delete_topic(TopicArn=arn)


def test_every_action_of_the_model_is_served(server, sns):
    """Every operation botocore's SNS model names reaches SNS and is decided there: it may
    refuse the empty request, but never as an unknown or unimplemented action."""
    for action in sns.meta.service_model.operation_names:
        status, _, body = query(server, Action=action, Version="2010-03-31")
        assert status != 501, (action, body)
        assert b"InvalidAction" not in body and b"NotImplemented" not in body, (action, body)
        assert b"http://sns.amazonaws.com/doc/2010-03-31/" in body, (action, body)
