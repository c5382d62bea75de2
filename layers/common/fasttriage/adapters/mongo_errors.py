"""The one translation of MongoDB driver errors into the project's RepositoryError (callers retry by type)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import PyMongoError

from fasttriage.domain.errors import RepositoryError


@contextmanager
def mongo_errors(what: str) -> Iterator[None]:
    """`with mongo_errors("summary read failed"):` around driver calls: PyMongoError -> RepositoryError(what)."""
    try:
        yield
    except PyMongoError as exc:
        raise RepositoryError(what) from exc
