"""Looking for async outputs in S3: one listing per prefix where possible, HEAD otherwise.

A listing answers for every pending inference under a prefix at once, which is what keeps
S3 requests per inference low with thousands in flight. A prefix whose listing is too long
(years of old outputs) or not allowed (no s3:ListBucket) is checked with one HEAD per
inference instead, and remembered as such for a while.

A long listing is split in ranges listed side by side: page after page, a 100,000-object
prefix is 100 requests one after another, each waiting on S3 (tens of milliseconds there), so
outputs would be seen seconds after they land. The ranges start at keys of the last listing
(``StartAfter``), 900 keys apart: new keys land anywhere in the key order (object names are
random), and a range keeps to one request until it has grown by a tenth.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from producer.errors import PermanentError, RetryableError
from worker.poller.s3get import LeanGet
from worker.poller.s3list import LeanList
from worker.sagemaker.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_HEAD_MODE_SECONDS = 600.0
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_FORBIDDEN = frozenset({"403", "AccessDenied", "Forbidden"})


class S3Checker:
    """Existence checks and fetches, counting every S3 request it makes."""

    def __init__(
        self,
        *,
        list_max_keys: int,
        forbidden_as_missing: bool,
        threads: int = 8,
        page_keys: int = 1000,
        lean_get: bool = True,
        lean_list: bool = True,
    ) -> None:
        self._lean = LeanGet() if lean_get else None
        self._lean_list = LeanList() if lean_list else None
        self._page_keys = page_keys  # S3's most; smaller in tests
        self._range_keys = max(1, page_keys * 9 // 10)
        self._list_max_keys = list_max_keys
        self._forbidden_as_missing = forbidden_as_missing
        self._head_mode: dict[tuple[str, str], float] = {}
        self._pages: dict[tuple[str, str], int] = {}  # pages the last listing took
        # Per prefix, the keys that split the last listing into ranges (listed side by side)
        self._bounds: dict[tuple[str, str], list[str]] = {}
        self._ranges = ThreadPoolExecutor(threads, thread_name_prefix="poller-list")
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
        where = (bucket, prefix)
        if self._head_mode.get(where, 0.0) > time.monotonic():
            return None
        if self._pages.get(where, 1) > max(1, due):
            return None
        bounds = self._bounds.get(where, [])
        ranges = list(zip(["", *bounds], [*bounds, None], strict=True))
        try:
            if len(ranges) == 1:
                parts = [self._list_range(s3, bucket, prefix, "", None)]
            else:
                futures = [
                    self._ranges.submit(self._list_range, s3, bucket, prefix, lo, hi)
                    for lo, hi in ranges
                ]
                parts = [f.result() for f in futures]
        except _TooLong:
            self._fall_back(bucket, prefix)
            return None
        except ClientError as exc:
            if _code(exc) in _FORBIDDEN:
                self._fall_back(bucket, prefix)
                return None
            raise translate(exc) from exc
        except BotoCoreError as exc:
            raise translate(exc) from exc
        found: dict[str, int] = {}
        for part in parts:
            found.update(part)
        if len(found) > self._list_max_keys:
            self._fall_back(bucket, prefix)
            return None
        self._pages[where] = len(found) // self._page_keys + 1
        # Ranges a tenth short of a page: room for new keys before one needs a second request.
        keys = list(found)  # in key order: ranges in order, each listed in order
        step = self._range_keys
        self._bounds[where] = keys[step - 1 : -1 : step]
        return found

    def _list_range(
        self, s3: S3Client, bucket: str, prefix: str, after: str, upto: str | None
    ) -> dict[str, int]:
        """The objects in ``(after, upto]`` under ``prefix`` (``upto`` None: to the end)."""
        found: dict[str, int] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "Bucket": bucket,
                "Prefix": prefix,
                "MaxKeys": self._page_keys,
            }
            if token:
                kwargs["ContinuationToken"] = token
            elif after:
                kwargs["StartAfter"] = after
            self._count()
            keys, sizes, token = self._page(s3, kwargs)
            # S3 lists in key order (UTF-8's, which is str's): what is past ``upto`` is the
            # next range's.
            cut = len(keys) if upto is None else bisect_right(keys, upto)
            found.update(zip(keys[:cut], sizes[:cut], strict=True))
            if cut < len(keys):
                return found
            if len(found) > self._list_max_keys:
                raise _TooLong
            if not token:
                return found

    def _page(
        self, s3: S3Client, params: dict[str, Any]
    ) -> tuple[list[str], list[int], str | None]:
        """One page's keys in key order, their sizes, and the next page's token (None: the last),
        the lean way when this client's request for the bucket is known (``s3list.py``)."""
        lean = self._lean_list
        if lean is not None:
            template = lean.template(s3, params["Bucket"])
            if template is not None:
                page = lean.page(s3, template, params)
                if page is not None:
                    return page.keys, page.sizes, page.token
                self._count()  # answered otherwise (or not at all): the client asks again
            elif not lean.knows(s3, params["Bucket"]):
                return _objects(lean.learn(s3, params, lambda: s3.list_objects_v2(**params)))
        return _objects(s3.list_objects_v2(**params))

    def close(self) -> None:
        self._ranges.shutdown(wait=True)

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
        self, s3: S3Client, bucket: str, key: str, cap: int, size: int | None = None
    ) -> tuple[bytes | None, str | None, int]:
        """(body, content type, size); the body is None when larger than ``cap``. ``size``
        (from the listing): at most ``cap``, the object is read whole the lean way first."""
        self._count()
        template = self._lean.template(s3, bucket) if self._lean is not None else None
        if self._lean is not None and template is not None and size is not None and size <= cap:
            got = self._lean.get(s3, template, key)
            if got is not None:
                # Rewritten since it was listed, and larger now: as the client's path answers.
                return (None if got.size > cap else got.body), got.content_type, got.size
            self._count()  # answered otherwise (or not at all): the client asks again
        try:
            if self._lean is not None and not self._lean.knows(s3, bucket):
                obj = self._lean.learn(
                    s3, bucket, key, lambda: s3.get_object(Bucket=bucket, Key=key)
                )
            else:
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


def _objects(page: Any) -> tuple[list[str], list[int], str | None]:
    """The client's page as ``_page`` answers it."""
    contents = page.get("Contents", [])
    token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
    return [o["Key"] for o in contents], [o.get("Size", 0) for o in contents], token


class _TooLong(Exception):
    """A listing past ``list_max_keys``: the prefix is checked by HEAD instead."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
