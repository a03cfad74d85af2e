"""The built-in S3's storage: buckets of objects in memory, each bucket's keys kept sorted.

Sorted keys make a listing page a bisect plus a walk over the page, whatever the bucket
holds: a poller listing a prefix of a 20,000-key bucket a thousand times a minute must not
sort 20,000 keys each time. Python orders str by code point, which is the order of their
UTF-8 bytes, so this is S3's lexicographic order too. Everything runs on the event loop's
thread: no locks, and no awaits between reading the keys and answering.
"""

from __future__ import annotations

import hashlib
import time
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from typing import Any

from emulator.s3 import ObjectUnreadable, parse_s3_uri

# Sorts after any character S3 keys use in practice: bisecting to `prefix + _TOP` skips most
# of the keys under a common prefix in one step (the rest are walked).
_TOP = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class StoredObject:
    body: bytes
    content_type: str
    etag: str  # the quoted MD5 hex digest, as S3 sends it
    written_at: float  # unix seconds, when the write completed
    metadata: tuple[tuple[str, str], ...] = ()  # x-amz-meta-* headers, names lower-cased


@dataclass(slots=True)
class Listing:
    """One page of a listing: keys and common prefixes in key order, and where it stopped."""

    keys: list[str] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    resume_at: str | None = None  # the first key of the next page; None: nothing left

    @property
    def count(self) -> int:
        return len(self.keys) + len(self.common_prefixes)


class Bucket:
    def __init__(self, name: str) -> None:
        self.name = name
        self.objects: dict[str, StoredObject] = {}
        self._keys: list[str] = []  # sorted; the same keys as `objects`
        # (key, url-encoded?) → the object's <Contents> element in a listing, rendered once:
        # a poller lists the same 100,000 objects every second, and rendering each one each
        # time cost the emulator ~4 µs an object, on the same cores as the poller it stands
        # in S3's place for (what S3 spends on a listing is not the client's CPU).
        self.listed: dict[tuple[str, bool], str] = {}

    def put(self, key: str, stored: StoredObject) -> None:
        if key not in self.objects:
            insort(self._keys, key)
        self.objects[key] = stored
        self._forget_listed(key)

    def delete(self, key: str) -> None:
        if self.objects.pop(key, None) is not None:
            del self._keys[bisect_left(self._keys, key)]
            self._forget_listed(key)

    def clear(self) -> None:
        self.objects.clear()
        self._keys.clear()
        self.listed.clear()

    def _forget_listed(self, key: str) -> None:
        self.listed.pop((key, False), None)
        self.listed.pop((key, True), None)

    def page(
        self,
        prefix: str,
        max_keys: int,
        *,
        start_at: str = "",
        after: str = "",
        delimiter: str = "",
    ) -> Listing:
        """Up to `max_keys` keys and common prefixes under `prefix`, from key `start_at`
        (inclusive) or after key `after`; with a delimiter, keys sharing a common prefix
        count once, as the prefix."""
        keys, listing = self._keys, Listing()
        i = max(bisect_left(keys, prefix), bisect_left(keys, start_at))
        if after:
            i = max(i, bisect_right(keys, after))
        while i < len(keys) and keys[i].startswith(prefix):
            if listing.count >= max_keys:
                listing.resume_at = keys[i] if max_keys else None
                break
            key = keys[i]
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut < 0:
                listing.keys.append(key)
                i += 1
                continue
            common = key[: cut + len(delimiter)]
            listing.common_prefixes.append(common)
            i = bisect_left(keys, common + _TOP, i)
            while i < len(keys) and keys[i].startswith(common):
                i += 1
        return listing

    def keys_under(self, prefix: str) -> list[str]:
        start = bisect_left(self._keys, prefix)
        end = bisect_left(self._keys, prefix + _TOP, start)
        while end < len(self._keys) and self._keys[end].startswith(prefix):
            end += 1
        return self._keys[start:end]


class MemoryS3:
    """Every bucket of the built-in S3. Buckets are created explicitly, as in S3."""

    def __init__(self) -> None:
        self._buckets: dict[str, Bucket] = {}

    def bucket(self, name: str) -> Bucket | None:
        return self._buckets.get(name)

    def create_bucket(self, name: str) -> Bucket:
        """The bucket, created unless it exists (us-east-1 answers a repeat with 200 too)."""
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = Bucket(name)
        return bucket

    def wipe(self) -> None:
        """Drop every object. Buckets stay, so the async bucket keeps taking results."""
        for bucket in self._buckets.values():
            bucket.clear()

    def buckets_document(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "objects": len(bucket.objects)}
            for name, bucket in sorted(self._buckets.items())
        ]

    def objects_document(self, bucket: Bucket, prefix: str) -> list[dict[str, Any]]:
        """What a benchmark needs to time "object written -> result seen"."""
        documents = []
        for key in bucket.keys_under(prefix):
            stored = bucket.objects[key]
            documents.append(
                {
                    "key": key,
                    "size": len(stored.body),
                    "contentType": stored.content_type,
                    "writtenAt": stored.written_at,
                }
            )
        return documents


def stored_object(
    body: bytes, content_type: str, etag: str, metadata: tuple[tuple[str, str], ...] = ()
) -> StoredObject:
    return StoredObject(body, content_type, etag, time.time(), metadata)


class BuiltinStore:
    """The ObjectStore for ``--s3-builtin``: async results go straight into memory, no HTTP."""

    def __init__(self, s3: MemoryS3) -> None:
        self._s3 = s3

    async def ensure_bucket(self, bucket: str) -> None:
        self._s3.create_bucket(bucket)

    async def get(self, uri: str) -> bytes:
        bucket_name, key = parse_s3_uri(uri)
        bucket = self._s3.bucket(bucket_name)
        if bucket is None:
            raise ObjectUnreadable(f"NoSuchBucket: the bucket {bucket_name!r} does not exist")
        stored = bucket.objects.get(key)
        if stored is None:
            raise ObjectUnreadable(f"NoSuchKey: the key {key!r} does not exist")
        return stored.body

    async def put(self, uri: str, body: bytes, content_type: str) -> None:
        bucket_name, key = parse_s3_uri(uri)
        bucket = self._s3.bucket(bucket_name)
        if bucket is None:  # the async bucket is created at start and never dropped
            raise LookupError(f"NoSuchBucket: the bucket {bucket_name!r} does not exist")
        bucket.put(key, stored_object(body, content_type, etag_of(body)))

    def close(self) -> None:
        pass  # nothing to release: the objects live as long as the emulator


def etag_of(body: bytes) -> str:
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
