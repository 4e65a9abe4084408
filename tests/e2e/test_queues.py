"""Queue actions: create, look up, list, delete, attributes, purge and tags."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import make_client
from sqs_helpers import assert_error

ACCOUNT_ID = "000000000000"


def queue_arn(name):
    return f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:{name}"


def test_create_get_url_and_delete(sqs, server, unique_name):
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server}/{ACCOUNT_ID}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=ACCOUNT_ID)["QueueUrl"] == url

    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName=name)
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist")
    assert url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])


def test_missing_queue_is_the_modeled_exception(sqs, server, unique_name):
    # The SDK maps the error to its modeled class on both protocols.
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=unique_name())
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=f"{server}/{ACCOUNT_ID}/{unique_name()}", MessageBody="x")
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist")


def test_create_existing_queue_with_same_attributes_returns_its_url(sqs, unique_name):
    name = unique_name()
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert again == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url


def test_create_existing_queue_with_different_attributes_fails(sqs, unique_name):
    name = unique_name()
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"})
    assert_error(e, "QueueAlreadyExists", 400, "QueueNameExists")
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "3"})


@pytest.mark.parametrize("bad_name", ["has space", "dot.name", "x" * 81, "slash/name"])
def test_invalid_queue_name(sqs, bad_name):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=bad_name)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


def test_queue_deleted_recently_then_allowed_after_60s(sqs, advance, unique_name):
    name = unique_name()
    url = sqs.create_queue(QueueName=name, tags={"gen": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="from the old queue")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name)
    assert_error(e, "AWS.SimpleQueueService.QueueDeletedRecently", 400, "QueueDeletedRecently")
    advance(59_000)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name)
    assert_error(e, "AWS.SimpleQueueService.QueueDeletedRecently", 400)
    advance(1_000)
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    # A new queue: nothing of the old one's messages or tags.
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert not sqs.list_queue_tags(QueueUrl=url).get("Tags")


def test_list_queues_by_prefix(sqs, unique_name):
    prefix = unique_name()
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in ("a", "b", "c"))
    other = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    listed = sqs.list_queues(QueueNamePrefix=prefix)
    assert sorted(listed["QueueUrls"]) == urls
    assert "NextToken" not in listed
    assert other in sqs.list_queues()["QueueUrls"]
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique_name())


def test_list_queues_pages_with_max_results_and_next_token(sqs, unique_name):
    prefix = unique_name()
    urls = {sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)}
    seen, pages, token = [], [], None
    while True:
        args = {"QueueNamePrefix": prefix, "MaxResults": 2}
        if token:
            args["NextToken"] = token
        page = sqs.list_queues(**args)
        pages.append(len(page["QueueUrls"]))
        seen.extend(page["QueueUrls"])
        token = page.get("NextToken")
        if not token:
            break
        assert len(pages) < 10, "pagination does not end"
    assert pages == [2, 2, 1]
    assert len(seen) == len(set(seen)) and set(seen) == urls
    # The SDK's paginator follows the same tokens.
    paginator = sqs.get_paginator("list_queues")
    paged = [
        u
        for p in paginator.paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 3})
        for u in p.get("QueueUrls", [])
    ]
    assert sorted(paged) == sorted(urls)


def test_list_queues_rejects_out_of_range_max_results(sqs):
    with pytest.raises(ClientError) as e:
        sqs.list_queues(MaxResults=1001)
    assert_error(e, "InvalidParameterValue", 400)


def test_get_queue_attributes_all_defaults(sqs, advance, unique_name):
    before = int(time.time()) - 5
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    created = int(attrs.pop("CreatedTimestamp"))
    modified = int(attrs.pop("LastModifiedTimestamp"))
    # The test clock started at the real time, and only moves forward.
    assert before <= created <= modified
    assert attrs == {
        "QueueArn": queue_arn(name),
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "VisibilityTimeout": "30",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
    }


def test_get_queue_attributes_single_and_several(sqs, unique_name):
    name = unique_name()
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "7"})["QueueUrl"]
    one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert one["Attributes"] == {"DelaySeconds": "7"}
    two = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "VisibilityTimeout"])
    assert two["Attributes"] == {"QueueArn": queue_arn(name), "VisibilityTimeout": "30"}
    # No names: no attributes.
    assert sqs.get_queue_attributes(QueueUrl=url).get("Attributes", {}) == {}


def test_get_queue_attributes_unknown_name(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["NoSuchAttribute"])
    assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")


def test_set_queue_attributes(sqs, advance, queue):
    before = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    advance(2_000)
    sqs.set_queue_attributes(
        QueueUrl=queue,
        Attributes={
            "VisibilityTimeout": "45",
            "DelaySeconds": "5",
            "MaximumMessageSize": "2048",
            "MessageRetentionPeriod": "120",
            "ReceiveMessageWaitTimeSeconds": "3",
        },
    )
    after = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert after["VisibilityTimeout"] == "45"
    assert after["DelaySeconds"] == "5"
    assert after["MaximumMessageSize"] == "2048"
    assert after["MessageRetentionPeriod"] == "120"
    assert after["ReceiveMessageWaitTimeSeconds"] == "3"
    assert after["CreatedTimestamp"] == before["CreatedTimestamp"]
    assert int(after["LastModifiedTimestamp"]) >= int(before["LastModifiedTimestamp"]) + 2


@pytest.mark.parametrize(
    "name,value",
    [
        ("VisibilityTimeout", "43201"),
        ("DelaySeconds", "901"),
        ("MessageRetentionPeriod", "59"),
        ("MaximumMessageSize", "1023"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "soon"),
    ],
)
def test_set_queue_attributes_out_of_range(sqs, queue, name, value):
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: value})
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    # Nothing changed.
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[name])["Attributes"]
    assert attrs[name] != value


def test_set_queue_attributes_unknown_or_read_only_name(sqs, queue):
    for name in ("Bogus", "QueueArn", "ApproximateNumberOfMessages"):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: "1"})
        assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")


def test_purge_queue_and_purge_in_progress(sqs, advance, queue):
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    sqs.send_message(QueueUrl=queue, MessageBody="delayed", DelaySeconds=30)
    sqs.receive_message(QueueUrl=queue)  # one in flight: purged too
    sqs.purge_queue(QueueUrl=queue)
    counts = sqs.get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    assert counts == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)

    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=queue)
    assert_error(e, "AWS.SimpleQueueService.PurgeQueueInProgress", 403, "PurgeQueueInProgress")
    advance(59_999)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=queue)
    advance(1)
    sqs.send_message(QueueUrl=queue, MessageBody="after")
    sqs.purge_queue(QueueUrl=queue)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_tags_on_create_tag_untag_and_list(sqs, unique_name):
    url = sqs.create_queue(QueueName=unique_name(), tags={"team": "core", "env": "test"})[
        "QueueUrl"
    ]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "test"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "cost-center": "a&b <c>"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {
        "team": "core",
        "env": "prod",
        "cost-center": "a&b <c>",
    }
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "not-there"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "cost-center": "a&b <c>"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env", "cost-center"])
    assert not sqs.list_queue_tags(QueueUrl=url).get("Tags")


def test_tag_queue_rejects_reserved_prefix(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=queue, Tags={"aws:owner": "me"})
    assert_error(e, "InvalidParameterValue", 400)
    assert not sqs.list_queue_tags(QueueUrl=queue).get("Tags")


def test_actions_on_a_deleted_queue_fail(sqs, queue):
    sqs.delete_queue(QueueUrl=queue)
    calls = [
        lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"]),
        lambda: sqs.send_message(QueueUrl=queue, MessageBody="x"),
        lambda: sqs.receive_message(QueueUrl=queue),
        lambda: sqs.purge_queue(QueueUrl=queue),
        lambda: sqs.list_queue_tags(QueueUrl=queue),
        lambda: sqs.delete_queue(QueueUrl=queue),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist")


def test_queues_are_regional(sqs, server, unique_name):
    name = unique_name()
    west = make_client(server, region="eu-west-1")
    url = west.create_queue(QueueName=name)["QueueUrl"]
    arn = west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    assert arn == {"QueueArn": f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:{name}"}
    assert url in west.list_queues(QueueNamePrefix=name)["QueueUrls"]
    # The caller's region (from its request signature) scopes names and lists.
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=name)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName=name)
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400)


def test_create_queue_with_invalid_attribute_creates_nothing(sqs, unique_name):
    name = unique_name()
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "-1"})
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes={"NoSuchAttribute": "1"})
    assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)


def test_queue_names_are_case_sensitive(sqs, unique_name):
    name = unique_name() + "-Mixed"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name.lower())
    other = sqs.create_queue(QueueName=name.upper())["QueueUrl"]
    assert other != url


def test_policy_and_encryption_attributes(sqs, queue):
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        f'"Action":"sqs:SendMessage","Resource":"{arn}"}}]}}'
    )
    sqs.set_queue_attributes(
        QueueUrl=queue,
        Attributes={
            "Policy": policy,
            "KmsMasterKeyId": "alias/aws/sqs",
            "KmsDataKeyReusePeriodSeconds": "600",
        },
    )
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["Policy"] == policy
    assert attrs["KmsMasterKeyId"] == "alias/aws/sqs"
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "600"
    assert attrs["SqsManagedSseEnabled"] == "false"
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": "{not json"})
    assert_error(e, "InvalidAttributeValue", 400)


def test_tag_limit(sqs, queue):
    sqs.tag_queue(QueueUrl=queue, Tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=queue, Tags={"one-too-many": "v"})
    assert_error(e, "InvalidParameterValue", 400)
    assert len(sqs.list_queue_tags(QueueUrl=queue)["Tags"]) == 50
