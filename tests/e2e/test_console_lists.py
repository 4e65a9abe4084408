"""The console's topic and stream lists cover every region and account on the server, as
its queue list does, not only the server's default ones."""

import urllib.request

import boto3

from conftest import make_kinesis

OTHER_ACCOUNT = "111111111111"


def client(endpoint, service, account, region):
    # On an open server, an access key id of twelve digits is the caller's account.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key="x",
    )


def page(sluice, path):
    with urllib.request.urlopen(f"{sluice.admin}{path}", timeout=10) as r:
        return r.read().decode()


def test_topic_list_shows_every_account_and_region(sluice, unique_name):
    name = unique_name("listed")
    mine = client(sluice.endpoint, "sns", "000000000000", "us-east-1")
    other = client(sluice.endpoint, "sns", OTHER_ACCOUNT, "eu-west-1")
    mine.create_topic(Name=name)
    arn = other.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:eu-west-1:{OTHER_ACCOUNT}:{name}"
    html = page(sluice, "/console/topics")
    assert f"arn:aws:sns:us-east-1:000000000000:{name}" in html
    row = next(line for line in html.split("<tr>") if arn in line)
    assert f"<td>eu-west-1</td><td>{OTHER_ACCOUNT}</td>" in row


def test_stream_list_shows_every_account_and_region(sluice, unique_name):
    name = unique_name("listed")
    make_kinesis(sluice.endpoint)  # skips where botocore's Kinesis model is too old
    other = client(sluice.endpoint, "kinesis", OTHER_ACCOUNT, "eu-west-1")
    other.create_stream(StreamName=name, ShardCount=1)
    html = page(sluice, "/console/streams")
    row = next(line for line in html.split("<tr>") if f">{name}</a>" in line)
    assert f"<td>eu-west-1</td><td>{OTHER_ACCOUNT}</td>" in row
