"""Looking for async outputs in S3: one listing per prefix where possible, HEAD otherwise.

A listing answers for every pending inference under a prefix at once, which is what keeps
S3 requests per inference low with thousands in flight. A prefix whose listing is too long
(years of old outputs) or not allowed (no s3:ListBucket) is checked with one HEAD per
inference instead, and remembered as such for a while.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from producer.errors import PermanentError, RetryableError
from worker.sagemaker.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_HEAD_MODE_SECONDS = 600.0
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_FORBIDDEN = frozenset({"403", "AccessDenied", "Forbidden"})


class S3Checker:
    """Existence checks and fetches, counting every S3 request it makes."""

    def __init__(self, *, list_max_keys: int, forbidden_as_missing: bool) -> None:
        self._list_max_keys = list_max_keys
        self._forbidden_as_missing = forbidden_as_missing
        self._head_mode: dict[tuple[str, str], float] = {}
        self._pages: dict[tuple[str, str], int] = {}  # pages the last listing took
        self._lock = threading.Lock()
        self.requests = 0

    def _count(self, n: int = 1) -> None:
        with self._lock:
            self.requests += n

    def list_prefix(
        self, s3: S3Client, bucket: str, prefix: str, due: int
    ) -> dict[str, int] | None:
        """Key → size under ``prefix``; None when this prefix must be checked by HEAD.

        A listing costs one request per 1,000 objects, old outputs included; HEADs cost one per
        due inference. List when that is the cheaper way to learn about the ``due`` ones.
        """
        if self._head_mode.get((bucket, prefix), 0.0) > time.monotonic():
            return None
        if self._pages.get((bucket, prefix), 1) > max(1, due):
            return None
        found: dict[str, int] = {}
        token: str | None = None
        while True:
            kwargs = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1000}
            if token:
                kwargs["ContinuationToken"] = token
            self._count()
            try:
                page = s3.list_objects_v2(**kwargs)  # type: ignore[arg-type]
            except ClientError as exc:
                if _code(exc) in _FORBIDDEN:
                    self._fall_back(bucket, prefix)
                    return None
                raise translate(exc) from exc
            except BotoCoreError as exc:
                raise translate(exc) from exc
            found.update({o["Key"]: o.get("Size", 0) for o in page.get("Contents", [])})
            if len(found) > self._list_max_keys:
                self._fall_back(bucket, prefix)
                return None
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                self._pages[(bucket, prefix)] = len(found) // 1000 + 1
                return found

    def _fall_back(self, bucket: str, prefix: str) -> None:
        self._head_mode[(bucket, prefix)] = time.monotonic() + _HEAD_MODE_SECONDS
        return

    def head(self, s3: S3Client, bucket: str, key: str) -> int | None:
        """The object's size, or None when it is not there (yet)."""
        self._count()
        try:
            return int(s3.head_object(Bucket=bucket, Key=key).get("ContentLength", 0))
        except ClientError as exc:
            code = _code(exc)
            if code in _MISSING:
                return None
            if code in _FORBIDDEN:
                if self._forbidden_as_missing:
                    return None
                raise PermanentError(
                    f"S3 denied access to s3://{bucket}/{key} (403). The worker's credentials "
                    "need s3:GetObject on the output and failure locations, and s3:ListBucket "
                    "so a missing object reads as 404; or set SMQ_ASYNC_FORBIDDEN_AS_MISSING=true",
                    code="S3AccessDenied",
                ) from exc
            raise translate(exc) from exc
        except BotoCoreError as exc:
            raise translate(exc) from exc

    def fetch(
        self, s3: S3Client, bucket: str, key: str, cap: int
    ) -> tuple[bytes | None, str | None, int]:
        """(body, content type, size); the body is None when larger than ``cap``."""
        self._count()
        try:
            obj = s3.get_object(Bucket=bucket, Key=key)
            size = int(obj.get("ContentLength", 0))
            content_type = obj.get("ContentType")
            with obj["Body"] as stream:
                if size > cap:
                    return None, content_type, size
                return stream.read(cap + 1), content_type, size
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise RetryableError(
                    f"s3://{bucket}/{key} vanished", code="S3ObjectMissing"
                ) from exc
            raise translate(exc) from exc
        except BotoCoreError as exc:
            raise translate(exc) from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
