"""Helpers the tests share: error details and the digests SQS returns."""

import functools
import hashlib
import struct

import botocore.session


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def md5_of_message_attributes(attributes: dict) -> str:
    """MD5OfMessageAttributes as the SQS documentation defines it, computed here
    independently of the server: for each attribute in name order, the 4-byte
    big-endian length and bytes of the name and of the data type, a transport byte
    (1 string, 2 binary) and the length-prefixed value."""

    def put(buf: bytearray, data: bytes) -> None:
        buf += struct.pack(">I", len(data))
        buf += data

    buf = bytearray()
    for name in sorted(attributes, key=lambda n: n.encode("utf-8")):
        value = attributes[name]
        put(buf, name.encode("utf-8"))
        put(buf, value["DataType"].encode("utf-8"))
        if "StringValue" in value:
            buf.append(1)
            put(buf, value["StringValue"].encode("utf-8"))
        else:
            buf.append(2)
            put(buf, bytes(value["BinaryValue"]))
    return md5_hex(bytes(buf))


def assert_error(excinfo, code: str, status: int, json_type: str = None):
    """Checks a ClientError's code, HTTP status and fault.

    Both botocore lines report the AWS Query error code in Error.Code: the Query
    parser reads it from the XML, and current botocore (SQS on JSON with the
    awsQueryCompatible trait) takes it from the x-amzn-query-error header and keeps
    the JSON `__type` in Error.QueryErrorCode. `json_type`, when given, is checked
    there on JSON runs.
    """
    response = excinfo.value.response
    error = response["Error"]
    assert (error["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), error
    assert error.get("Type") == "Sender", error
    assert error.get("Message"), error
    if json_type is not None and wire_protocol() == "json":
        assert error.get("QueryErrorCode") == json_type, error


@functools.lru_cache(maxsize=None)
def wire_protocol() -> str:
    """The SQS protocol of the installed botocore: 'json' or 'query'."""
    return botocore.session.get_session().get_service_model("sqs").protocol
